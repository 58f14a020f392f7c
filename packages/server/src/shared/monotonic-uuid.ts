import { randomBytes } from 'node:crypto';

/** Largest value of the 12-bit counter field (`rand_a` in RFC 9562). */
const MAX_COUNTER = 0xfff;
/** A new millisecond starts its counter below this, leaving room for thousands of ids in that ms. */
const COUNTER_START_SPAN = 0x400;

/**
 * Generates version 7 UUIDs that strictly increase, in the order they are generated, even within one
 * millisecond (RFC 9562 §6.2 method 1: a 12-bit counter after the timestamp) and even if the clock
 * steps back. Chat messages and notifications use them as ids: storage orders by (create time, id),
 * so history and notification lists come back in send order on this node.
 *
 * One instance per service; it is not shared through module state.
 */
export class MonotonicUuidV7 {
  #lastMs = -1;
  #counter = 0;

  /** The next id, for a record created at `nowMs` (Unix milliseconds). */
  next(nowMs: number): string {
    let ms = Math.max(0, Math.floor(nowMs));
    if (ms > this.#lastMs) {
      this.#counter = randomBytes(2).readUInt16BE(0) % COUNTER_START_SPAN;
    } else {
      // Same millisecond, or the clock went back: stay on the last timestamp and count up; when the
      // counter is exhausted, borrow the next millisecond (ids run at most slightly ahead of time).
      ms = this.#lastMs;
      this.#counter++;
      if (this.#counter > MAX_COUNTER) {
        ms++;
        this.#counter = 0;
      }
    }
    this.#lastMs = ms;
    return format(ms, this.#counter);
  }
}

function format(ms: number, counter: number): string {
  const b = randomBytes(16);
  let t = ms;
  for (let i = 5; i >= 0; i--) {
    b[i] = t % 256;
    t = Math.floor(t / 256);
  }
  b[6] = 0x70 | (counter >> 8);
  b[7] = counter & 0xff;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
