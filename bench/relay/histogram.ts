/**
 * A fixed-size latency histogram: 10 µs buckets up to 5 s plus one overflow bucket, so recording is
 * one array increment and memory stays bounded however many messages a step delivers.
 *
 * @packageDocumentation
 */

/** Bucket width in milliseconds (10 µs). */
const BUCKET_MS = 0.01;
/** Buckets below the overflow bucket: 5 s of 10 µs. */
const BUCKETS = 500_000;

/** Counts of latencies in 10 µs buckets; percentiles are read back as bucket upper bounds. */
export class LatencyHistogram {
  readonly #counts = new Uint32Array(BUCKETS + 1);
  #total = 0;
  #max = 0;

  /** Number of latencies recorded since the last {@link reset}. */
  get count(): number {
    return this.#total;
  }

  /** Largest latency recorded (ms). */
  get max(): number {
    return this.#max;
  }

  /** Records one latency in milliseconds (negative values, from clock skew, count as 0). */
  record(ms: number): void {
    let i = Math.floor(ms / BUCKET_MS);
    if (!(i >= 0)) i = 0;
    else if (i > BUCKETS) i = BUCKETS;
    this.#counts[i] = (this.#counts[i] as number) + 1;
    this.#total++;
    if (ms > this.#max) this.#max = ms;
  }

  /** Forgets everything recorded. */
  reset(): void {
    this.#counts.fill(0);
    this.#total = 0;
    this.#max = 0;
  }

  /**
   * The latency (ms) at quantile `q` in [0, 1]: the upper bound of the bucket holding it, or the
   * maximum seen for the overflow bucket. NaN when nothing was recorded.
   */
  quantile(q: number): number {
    if (this.#total === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil(q * this.#total));
    let seen = 0;
    for (let i = 0; i <= BUCKETS; i++) {
      seen += this.#counts[i] as number;
      if (seen >= rank) return i === BUCKETS ? this.#max : Math.min((i + 1) * BUCKET_MS, this.#max);
    }
    return this.#max;
  }
}
