/**
 * Counters of the cluster bus, and the rate-limited warning that says when messages are dropped.
 *
 * @packageDocumentation
 */
import type { Logger } from 'pino';

/** Why a message or frame was dropped. */
export const DropReason = {
  /** From a node that is not live in the directory (or not yet, and it did not turn out to be). */
  UNKNOWN_NODE: 'unknownNode',
  /** From another process using this node's name. */
  OWN_NAME: 'ownName',
  /** A frame of another wire version. */
  VERSION: 'version',
  /** A frame that could not be read. */
  MALFORMED: 'malformed',
  /** A message that does not match the schema (the frame's, or a method's or table's own). */
  SCHEMA: 'schema',
  /** The outgoing backlog was full. */
  BACKLOG: 'backlog',
  /** The transport was disconnected (Redis unreachable). */
  DISCONNECTED: 'disconnected',
  /** A handler failed on it. */
  HANDLER: 'handler',
} as const;
/** One of {@link DropReason}. */
export type DropReason = (typeof DropReason)[keyof typeof DropReason];

/** What the bus has done since start. */
export interface BusStats {
  readonly framesOut: number;
  readonly messagesOut: number;
  readonly bytesOut: number;
  readonly framesIn: number;
  readonly messagesIn: number;
  readonly bytesIn: number;
  /** Bytes queued or written but not yet acknowledged by the transport. */
  readonly backlogBytes: number;
  /** Dropped messages (or frames, for frame-level reasons) by reason. */
  readonly dropped: Readonly<Record<DropReason, number>>;
}

/** Least time between two "dropped" warnings, so a flood of bad input cannot flood the log. */
const WARN_EVERY_MS = 10_000;

/** Mutable counters behind {@link BusStats}. */
export class BusCounters {
  #framesOut = 0;
  #messagesOut = 0;
  #bytesOut = 0;
  #framesIn = 0;
  #messagesIn = 0;
  #bytesIn = 0;
  readonly #dropped: Record<DropReason, number> = {
    unknownNode: 0,
    ownName: 0,
    version: 0,
    malformed: 0,
    schema: 0,
    backlog: 0,
    disconnected: 0,
    handler: 0,
  };
  #lastWarn = 0;
  #sinceWarn = 0;

  sent(messages: number, bytes: number): void {
    this.#framesOut++;
    this.#messagesOut += messages;
    this.#bytesOut += bytes;
  }

  received(messages: number, bytes: number): void {
    this.#framesIn++;
    this.#messagesIn += messages;
    this.#bytesIn += bytes;
  }

  /** Counts a drop and warns (at most every 10 s, with how many since the last warning). */
  drop(reason: DropReason, log: Logger, count = 1, detail?: string): void {
    this.#dropped[reason] += count;
    this.#sinceWarn += count;
    const now = Date.now();
    if (now - this.#lastWarn < WARN_EVERY_MS) return;
    log.warn(
      { reason, detail, droppedSinceLastWarning: this.#sinceWarn, dropped: { ...this.#dropped } },
      'cluster bus dropped messages',
    );
    this.#lastWarn = now;
    this.#sinceWarn = 0;
  }

  snapshot(backlogBytes: number): BusStats {
    return {
      framesOut: this.#framesOut,
      messagesOut: this.#messagesOut,
      bytesOut: this.#bytesOut,
      framesIn: this.#framesIn,
      messagesIn: this.#messagesIn,
      bytesIn: this.#bytesIn,
      backlogBytes,
      dropped: { ...this.#dropped },
    };
  }
}
