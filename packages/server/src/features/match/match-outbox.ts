/**
 * What an authoritative match sends: broadcasts (now or after the loop), kicks and the final leaves.
 *
 * @packageDocumentation
 */
import type { MessageRouter } from '../../presence/message-router.ts';
import type { OutboundMessage } from '../../presence/outbound.ts';
import type { StreamKey } from '../../presence/stream.ts';
import type { Tracker } from '../../presence/tracker.ts';
import type { Presence } from '../../presence/types.ts';
import { sessionPresence, userPresence } from '../../presence/wire.ts';
import type { MatchData, MatchPresence } from './match-handler.ts';
import { dataToBase64, isValidOpCode, matchDataMessage, presenceEventMessage } from './match-wire.ts';

/** One broadcast as game code asked for it. */
export interface Broadcast {
  readonly opCode: number;
  readonly data: MatchData;
  readonly presences: readonly MatchPresence[] | null | undefined;
  readonly sender: MatchPresence | null | undefined;
  readonly reliable: boolean;
}

/**
 * Delivery for one match. Every message is encoded once for all its recipients; targeted sends only
 * reach sessions that are still members. Deferred broadcasts are bounded per tick (one more throws in
 * game code, which Nakama does too).
 */
export class MatchOutbox {
  readonly #matchId: string;
  readonly #stream: StreamKey;
  readonly #tracker: Tracker;
  readonly #router: MessageRouter;
  readonly #deferredLimit: number;
  #deferred: Broadcast[] = [];

  constructor(deps: {
    matchId: string;
    stream: StreamKey;
    tracker: Tracker;
    router: MessageRouter;
    deferredLimit: number;
  }) {
    this.#matchId = deps.matchId;
    this.#stream = deps.stream;
    this.#tracker = deps.tracker;
    this.#router = deps.router;
    this.#deferredLimit = deps.deferredLimit;
  }

  /** Sends `match_data` now. Throws RangeError for an invalid op code. */
  broadcast(b: Broadcast): void {
    if (!isValidOpCode(b.opCode))
      throw new RangeError(`broadcastMessage: invalid op code ${String(b.opCode)}`);
    const message = matchDataMessage(
      this.#matchId,
      b.opCode,
      dataToBase64(b.data),
      b.sender ? sessionPresence(b.sender) : undefined,
      b.reliable !== false,
    );
    this.#sendTo(b.presences, message);
  }

  /** Queues a broadcast for {@link flushDeferred}. Throws RangeError past the per-tick limit. */
  defer(b: Broadcast): void {
    if (!isValidOpCode(b.opCode)) {
      throw new RangeError(`broadcastMessageDeferred: invalid op code ${String(b.opCode)}`);
    }
    if (this.#deferred.length >= this.#deferredLimit) {
      throw new RangeError(
        `broadcastMessageDeferred: at most ${this.#deferredLimit} deferred messages per tick`,
      );
    }
    this.#deferred.push(b);
  }

  /** Sends the deferred broadcasts (after a loop). */
  flushDeferred(): void {
    const deferred = this.#deferred;
    this.#deferred = [];
    for (const b of deferred) this.broadcast(b);
  }

  /**
   * Removes members. The kicked are told with their own leave event (the tracker tells only the
   * members left); the others get the tracker's leave on the next turn, which also calls `matchLeave`.
   */
  kick(presences: readonly MatchPresence[]): void {
    const found = new Map<string, Presence>();
    for (const p of presences) {
      const member = this.#tracker.get(p.sessionId, this.#stream);
      if (member) found.set(member.sessionId, member);
    }
    const kicked = [...found.values()];
    if (kicked.length === 0) return;
    this.#router.sendToPresences(kicked, presenceEventMessage(this.#matchId, [], kicked.map(userPresence)));
    for (const p of kicked) this.#tracker.untrack(p.sessionId, this.#stream, 'kick');
  }

  /**
   * The match has ended: drops what is deferred, tells every member with one leave event listing them
   * all (themselves included) and untracks them.
   */
  close(): void {
    this.#deferred = [];
    const members = this.#tracker.list(this.#stream, true);
    if (members.length === 0) return;
    this.#router.sendToPresences(members, presenceEventMessage(this.#matchId, [], members.map(userPresence)));
    this.#tracker.untrackStream(this.#stream, 'leave');
  }

  #sendTo(presences: readonly MatchPresence[] | null | undefined, message: OutboundMessage): void {
    if (presences === null || presences === undefined) {
      this.#router.sendToStream(this.#stream, message);
      return;
    }
    const members: Presence[] = [];
    for (const p of presences) {
      const member = this.#tracker.get(p.sessionId, this.#stream);
      if (member) members.push(member);
    }
    this.#router.sendToPresences(members, message);
  }
}
