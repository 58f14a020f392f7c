/**
 * Heap allocation and garbage collection of this process, counted continuously so that a measured
 * window's share can be taken as the difference of two samples: bytes allocated on the V8 heap
 * (heap in use now, plus every byte a collection freed, minus the heap in use at the start) and the
 * main thread's time in collections (`v8.GCProfiler`'s cost per collection). Buffers' backing
 * stores (outside the V8 heap) are not counted.
 *
 * @packageDocumentation
 */
import { GCProfiler, getHeapStatistics } from 'node:v8';

/** Cumulative counters since the {@link HeapCounter} was made. */
export interface HeapSample {
  /** Bytes allocated on the V8 heap. */
  readonly allocated: number;
  /** Time in collections (µs of the main thread). */
  readonly gcUs: number;
  /** Number of scavenges (young generation). */
  readonly scavenges: number;
  /** Number of other collections (mark-compact and its incremental steps). */
  readonly marks: number;
  /** The longest single collection since the previous sample (µs of the main thread; 0 if none). */
  readonly longestUs: number;
}

/** Counts allocation and collection time of this process. */
export class HeapCounter {
  #profiler = new GCProfiler();
  readonly #startUsed = getHeapStatistics().used_heap_size;
  #freed = 0;
  #gcUs = 0;
  #scavenges = 0;
  #marks = 0;

  constructor() {
    this.#profiler.start();
  }

  /** The counters so far (restarts the underlying profiler, which keeps every collection's record). */
  sample(): HeapSample {
    const { statistics } = this.#profiler.stop();
    this.#profiler = new GCProfiler();
    this.#profiler.start();
    let longestUs = 0;
    for (const s of statistics) {
      this.#freed += s.beforeGC.heapStatistics.usedHeapSize - s.afterGC.heapStatistics.usedHeapSize;
      this.#gcUs += s.cost;
      longestUs = Math.max(longestUs, s.cost);
      if (s.gcType === 'Scavenge' || s.gcType === 'MinorMarkCompact') this.#scavenges++;
      else this.#marks++;
    }
    return {
      allocated: getHeapStatistics().used_heap_size + this.#freed - this.#startUsed,
      gcUs: this.#gcUs,
      scavenges: this.#scavenges,
      marks: this.#marks,
      longestUs,
    };
  }
}
