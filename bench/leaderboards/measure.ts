/**
 * Small measuring tools for the rank-index benchmark: a forced GC, memory in use, latency samples
 * with percentiles, a seeded random source, and bounded timing loops.
 *
 * @packageDocumentation
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * Bytes in use after a full collection: the JS heap plus array buffers (typed-array storage lives
 * outside `heapUsed`, and it is most of what a column-wise index holds).
 */
export function memoryInUse(): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** A seeded random source (mulberry32) so every run and every candidate sees the same inputs. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Latencies of one kind of operation. */
export interface Timed {
  /** Operations run. */
  readonly count: number;
  /** Operations per second over the whole loop. */
  readonly perSecond: number;
  readonly p50Us: number;
  readonly p99Us: number;
}

/**
 * Runs `op(i)` up to `count` times or until `seconds` have passed, timing each call; `warmup`
 * untimed calls first let the JIT settle.
 */
export function timeOps(count: number, seconds: number, warmup: number, op: (i: number) => void): Timed {
  for (let i = 0; i < warmup; i++) op(count + i);
  const samples = new Float64Array(count);
  const deadline = performance.now() + seconds * 1000;
  const start = performance.now();
  let n = 0;
  while (n < count) {
    const t0 = performance.now();
    op(n);
    const t1 = performance.now();
    samples[n++] = t1 - t0;
    if ((n & 63) === 0 && t1 > deadline) break;
  }
  const elapsed = performance.now() - start;
  const sorted = samples.subarray(0, n).sort();
  const pick = (q: number) => (n === 0 ? Number.NaN : sorted[Math.min(n - 1, Math.floor(q * n))]! * 1000);
  return { count: n, perSecond: (n / elapsed) * 1000, p50Us: pick(0.5), p99Us: pick(0.99) };
}

/** Milliseconds taken by `fn`. */
export function timeOnce(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

/** A number for a table: 3 significant digits, thousands grouped. */
export function fmt(value: number): string {
  if (!Number.isFinite(value)) return '-';
  if (value >= 1000) return Math.round(value).toLocaleString('en-US');
  return value.toPrecision(3);
}
