/**
 * The bounded queue behind `Network.poll()`, for game loops that pull events once per tick instead
 * of receiving callbacks.
 *
 * @packageDocumentation
 */

/**
 * FIFO with a hard limit. Overflow policy: `push` refuses the item and returns false; the caller
 * (the network) then drops the event and disconnects the client that produced it, because a client
 * whose messages were silently skipped would be out of sync anyway. Items pushed with `force`
 * (disconnect events) are always accepted so every connect keeps its disconnect; at most one per
 * live socket can be forced, so the queue stays bounded by `limit + sockets`.
 */
export class EventQueue<T> {
  readonly limit: number;
  #items: T[] = [];
  #head = 0;

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError('queue limit must be a positive integer');
    this.limit = limit;
  }

  /** Items waiting. */
  get length(): number {
    return this.#items.length - this.#head;
  }

  /** Appends; false when full (unless `force`). */
  push(item: T, force = false): boolean {
    if (!force && this.length >= this.limit) return false;
    this.#items.push(item);
    return true;
  }

  /** Removes and returns the oldest item. */
  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.#head++;
    // Compact now and then instead of Array#shift (which is O(n) per call).
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }
}
