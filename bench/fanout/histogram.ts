/**
 * Latency recording for the fan-out benchmark: a log-linear histogram in microseconds (exact to
 * 1 µs below 1 ms, then 64 sub-buckets per power of two, so under 1.6 % error), fixed in size
 * whatever the number of deliveries, and one array increment per record.
 *
 * @packageDocumentation
 */

/** Latencies below this many µs get a bucket each. */
const LINEAR_US = 1024;
/** Sub-buckets per power of two above {@link LINEAR_US}. */
const SUB = 64;
/** Powers of two above {@link LINEAR_US} covered (up to 2^(10+14) µs ≈ 16.8 s); beyond is clamped. */
const OCTAVES = 14;
const SIZE = LINEAR_US + OCTAVES * SUB;

function bucketOf(us: number): number {
  if (us < LINEAR_US) return us < 0 ? 0 : Math.floor(us);
  if (us >= 2 ** (OCTAVES + 10)) return SIZE - 1;
  // Integer arithmetic (the generator records hundreds of thousands a second): the octave from the
  // count of leading zeros, the sub-bucket from a shift. Fractions of a µs are dropped first.
  const u = Math.floor(us);
  const octave = 21 - Math.clz32(u); // floor(log2(u)) - 10
  return LINEAR_US + octave * SUB + (((u - (1 << (octave + 10))) * SUB) >>> (octave + 10));
}

/** Upper bound (µs) of a bucket: percentiles are reported pessimistically. */
function upperOf(bucket: number): number {
  if (bucket < LINEAR_US) return bucket + 1;
  const octave = Math.floor((bucket - LINEAR_US) / SUB);
  const sub = (bucket - LINEAR_US) % SUB;
  const base = 2 ** (octave + 10);
  return base + ((sub + 1) * base) / SUB;
}

/** Counts of latencies (µs) with percentiles read back in milliseconds. */
export class LatencyHistogram {
  readonly #counts = new Uint32Array(SIZE);
  #total = 0;
  #maxUs = 0;

  /** Latencies recorded since the last {@link reset}. */
  get count(): number {
    return this.#total;
  }

  /** Largest latency recorded, ms. */
  get maxMs(): number {
    return this.#maxUs / 1000;
  }

  /** Records one latency in microseconds. */
  record(us: number): void {
    this.#counts[bucketOf(us)]!++;
    this.#total++;
    if (us > this.#maxUs) this.#maxUs = us;
  }

  /** The latency (ms) under which a fraction `q` (0–1) of the records fall; NaN when empty. */
  quantileMs(q: number): number {
    if (this.#total === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil(q * this.#total));
    let seen = 0;
    for (let i = 0; i < SIZE; i++) {
      seen += this.#counts[i]!;
      if (seen >= rank) return Math.min(upperOf(i), this.#maxUs) / 1000;
    }
    return this.#maxUs / 1000;
  }

  /** Forgets every record. */
  reset(): void {
    this.#counts.fill(0);
    this.#total = 0;
    this.#maxUs = 0;
  }
}
