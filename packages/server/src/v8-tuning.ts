/**
 * V8 settings Tether applies to the process it runs in.
 *
 * **Allocation-site pretenuring is turned off** (`v8AllocationSitePretenuring: false`, the default).
 * V8 watches each array or object literal in the code; when most objects from one literal are still
 * alive at a young-generation collection, it starts allocating every later one straight in the old
 * generation, for good. A server trips that while many clients connect at once (each connection's
 * objects live long, and they come from the same literals as per-message arrays), and from then on
 * short-lived per-message arrays are born old: a dead old array keeps the young messages it pointed
 * to alive until the next full collection, so every scavenge copies and promotes them.
 *
 * Measured (bench relay, 100 matches of 8 clients, 112,000 deliveries a second, same machine, back to
 * back): with V8's default, every scavenge promoted about 1 MB and took 4–12 ms, the heap grew 1 MB a
 * scavenge, and the server used 7.97–8.83 µs per delivery at p99 61–75 ms; with pretenuring off,
 * nothing was promoted, scavenges took 1.2–1.5 ms and the heap stayed at 46 MB, at 6.45 µs per
 * delivery and p99 18 ms. The same mechanism made PostgreSQL leaderboard reads promote ~1 MB per
 * scavenge (docs/leaderboards.md). What is given up: an object that is truly long-lived is copied
 * once more on its way to the old generation.
 *
 * `v8.setFlagsFromString` changes the setting for the whole process from then on (Node keeps V8's
 * flags writable for this); it is applied at server start, before clients connect, so no decision
 * has been taken yet. An embedding application can keep V8's default with the option set to true.
 *
 * @packageDocumentation
 */
import { setFlagsFromString } from 'node:v8';

/** What {@link applyV8Tuning} did: the flags it set. */
export interface V8Tuning {
  readonly flags: readonly string[];
}

/** Applies the process-wide V8 settings chosen by the configuration; returns the flags it set. */
export function applyV8Tuning(options: { readonly allocationSitePretenuring: boolean }): V8Tuning {
  const flags = options.allocationSitePretenuring ? [] : ['--no-allocation-site-pretenuring'];
  for (const flag of flags) setFlagsFromString(flag);
  return { flags };
}
