/**
 * Token bucket used to bound how many messages one peer may make the server process per second.
 *
 * @packageDocumentation
 */

/**
 * A token bucket: `burst` tokens at most, refilled continuously at `ratePerSecond`. Time comes from
 * an injectable clock so tests can drive it without sleeping.
 */
export class TokenBucket {
  readonly #rate: number;
  readonly #burst: number;
  readonly #now: () => number;
  #tokens: number;
  #last: number;

  /**
   * @param ratePerSecond - sustained rate
   * @param burst - largest burst accepted at once; defaults to one second's worth
   * @param now - clock in milliseconds
   */
  constructor(ratePerSecond: number, burst = ratePerSecond, now: () => number = () => performance.now()) {
    if (!(ratePerSecond > 0) || !(burst >= 1)) throw new RangeError('rate must be > 0 and burst >= 1');
    this.#rate = ratePerSecond;
    this.#burst = burst;
    this.#now = now;
    this.#tokens = burst;
    this.#last = now();
  }

  /** Takes one token; false when the bucket is empty (the caller decides what "over the limit" means). */
  take(): boolean {
    const t = this.#now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((t - this.#last) * this.#rate) / 1000);
    this.#last = t;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
