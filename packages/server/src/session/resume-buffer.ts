/**
 * The numbered tail of what a resumable session was sent, kept so that a client that lost its
 * connection can be given what it missed.
 *
 * @packageDocumentation
 */
import type { OutboundMessage } from '../presence/outbound.ts';

/** Bounds of one {@link ResumeBuffer}. */
export interface ResumeBufferLimits {
  /** Most messages kept. */
  readonly maxMessages: number;
  /** Most bytes kept (UTF-8 bytes of the messages' JSON text). */
  readonly maxBytes: number;
}

/**
 * Every envelope a resumable session is sent gets the next sequence number (0, 1, 2, …); the buffer
 * keeps the newest ones within its bounds, oldest dropped first, whether they were written to a
 * connection yet or not. Messages are shared {@link OutboundMessage}s, so a broadcast kept by many
 * sessions is stored once; the byte bound counts it for each session anyway (a stated upper bound,
 * not an estimate).
 *
 * A client that received the first `n` envelopes can be served {@link from}(`n`) as long as
 * `n >= start` (nothing it lacks was dropped) and `n <= end` (it cannot have received more than
 * was sent).
 */
export class ResumeBuffer {
  readonly #limits: ResumeBufferLimits;
  // A ring would avoid the shift; an array with a head index keeps it O(1) amortised and simple.
  #items: OutboundMessage[] = [];
  #head = 0;
  #bytes = 0;
  #start = 0;

  constructor(limits: ResumeBufferLimits) {
    this.#limits = limits;
  }

  /** Sequence number of the oldest message kept. */
  get start(): number {
    return this.#start;
  }

  /** Sequence number the next message will get (messages numbered so far). */
  get end(): number {
    return this.#start + this.#items.length - this.#head;
  }

  /** Bytes kept now. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Numbers and keeps `message`, then drops the oldest messages until the bounds hold (the new one
   * too, if it alone is over the byte bound). Returns the sequence number of the oldest message
   * still kept, so the caller can tell whether something it still needed was dropped.
   */
  push(message: OutboundMessage): number {
    this.#items.push(message);
    this.#bytes += message.utf8Length;
    while (
      this.#items.length - this.#head > this.#limits.maxMessages ||
      (this.#bytes > this.#limits.maxBytes && this.#items.length > this.#head)
    ) {
      this.#bytes -= this.#items[this.#head]!.utf8Length;
      this.#head++;
      this.#start++;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return this.#start;
  }

  /** The messages numbered `seq` and later, oldest first; `undefined` if some of them were dropped. */
  from(seq: number): OutboundMessage[] | undefined {
    if (seq < this.#start || seq > this.end) return undefined;
    return this.#items.slice(this.#head + (seq - this.#start));
  }

  /** Forgets everything (the session ended). */
  clear(): void {
    this.#items = [];
    this.#head = 0;
    this.#bytes = 0;
  }
}
