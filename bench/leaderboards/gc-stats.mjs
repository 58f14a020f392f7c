/**
 * Preloaded into each server of `leaderboards-ab` (`--import`), so that both checkouts report the
 * same thing without changing either: the process's garbage collections so far, young-generation
 * (scavenges) and full, with their pause time in ms (`PerformanceObserver` 'gc'), and the bytes it
 * has allocated on the JavaScript heap since the first message. Answers the IPC message
 * `{ type: 'gc' }` with `{ type: 'gc', minor, minorMs, major, majorMs, allocated }`.
 *
 * `allocated` comes from `v8.GCProfiler`, which records the heap's used size before and after each
 * collection: between two messages the heap allocated the growth of the used size plus what each
 * collection found in use before it, less what the previous point left (collections only shrink the
 * used size; promotion moves bytes without changing it).
 */
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { GCProfiler, getHeapStatistics } from 'node:v8';

const totals = { minor: 0, minorMs: 0, major: 0, majorMs: 0, allocated: 0 };
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

/** @type {GCProfiler | undefined} */
let profiler;
let usedAtStart = 0;

/** Bytes allocated since the last call (0 on the first), restarting the profiler. */
function allocatedSinceLast() {
  let allocated = 0;
  if (profiler) {
    const data = profiler.stop();
    let used = usedAtStart;
    for (const s of data?.statistics ?? []) {
      allocated += Math.max(0, s.beforeGC.heapStatistics.usedHeapSize - used);
      used = s.afterGC.heapStatistics.usedHeapSize;
    }
    allocated += Math.max(0, getHeapStatistics().used_heap_size - used);
  }
  profiler = new GCProfiler();
  usedAtStart = getHeapStatistics().used_heap_size;
  profiler.start();
  return allocated;
}

process.on('message', (m) => {
  if (m?.type === 'gc') {
    totals.allocated += allocatedSinceLast();
    process.send?.({ type: 'gc', ...totals });
  }
});
