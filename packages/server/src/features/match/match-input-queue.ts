/**
 * The bounded input queue of an authoritative match.
 *
 * @packageDocumentation
 */
import type { Presence } from '../../presence/types.ts';
import type { MatchMessage } from './match-handler.ts';
import { matchPresence } from './match-wire.ts';

/** Outcome of {@link MatchInputQueue.push}. */
export type EnqueueResult = 'queued' | 'dropped' | 'dropped-first';

/**
 * Inputs for the next `matchLoop`, at most `limit` per tick window. Overflow policy: the newest
 * message is dropped (so the queued ones keep their order) and counted; the first drop of each sender
 * in a window is reported as `dropped-first`, so the sender is told once per window, not once per
 * message.
 */
export class MatchInputQueue {
  readonly #limit: number;
  readonly #now: () => number;
  #messages: MatchMessage[] = [];
  #warned = new Set<string>();
  #dropped = 0;

  constructor(opts: { limit: number; now: () => number }) {
    this.#limit = opts.limit;
    this.#now = opts.now;
  }

  /** Messages dropped so far. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Queues a member's input; `base64` is canonical base64. */
  push(sender: Presence, opCode: number, base64: string, reliable: boolean): EnqueueResult {
    if (this.#messages.length >= this.#limit) {
      this.#dropped++;
      if (this.#warned.has(sender.sessionId)) return 'dropped';
      this.#warned.add(sender.sessionId);
      return 'dropped-first';
    }
    this.#messages.push({
      sender: matchPresence(sender),
      opCode,
      data: Buffer.from(base64, 'base64'),
      reliable,
      receiveTimeMs: this.#now(),
    });
    return 'queued';
  }

  /** Takes the queued messages and opens a new tick window. */
  drain(): MatchMessage[] {
    const out = this.#messages;
    this.#messages = [];
    this.#warned = new Set();
    return out;
  }
}
