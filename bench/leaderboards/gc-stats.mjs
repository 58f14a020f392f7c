/**
 * Preloaded into each server of `leaderboards-ab` (`--import`), so that both checkouts report the
 * same thing without changing either: the process's garbage collections so far, young-generation
 * (scavenges) and full, with their pause time in ms (`PerformanceObserver` 'gc'). Answers the IPC
 * message `{ type: 'gc' }` with `{ type: 'gc', minor, minorMs, major, majorMs }`.
 */
import { constants, PerformanceObserver } from 'node:perf_hooks';

const totals = { minor: 0, minorMs: 0, major: 0, majorMs: 0 };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const kind = /** @type {{ kind?: number }} */ (e.detail)?.kind;
    if (kind === constants.NODE_PERFORMANCE_GC_MINOR) {
      totals.minor++;
      totals.minorMs += e.duration;
    } else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
      totals.major++;
      totals.majorMs += e.duration;
    }
  }
}).observe({ entryTypes: ['gc'] });

process.on('message', (m) => {
  if (m?.type === 'gc') process.send?.({ type: 'gc', ...totals });
});
