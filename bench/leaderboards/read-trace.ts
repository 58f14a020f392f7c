/**
 * Where a read's time goes, request by request, inside the benchmark's server process: wall time
 * from the request's arrival to the response's end (`node:diagnostics_channel`'s HTTP server
 * events, no change to the server), the process's CPU time meanwhile, the garbage-collection pauses
 * inside that window (`PerformanceObserver` 'gc'), and the time spent in the store's record scan.
 * Meant for requests that run one at a time, as the benchmark's reads do. Bounded: at most
 * {@link MAX_TRACED} requests are kept between two {@link ReadTracer.take} calls.
 *
 * @packageDocumentation
 */
import { subscribe } from 'node:diagnostics_channel';
import { constants, PerformanceObserver } from 'node:perf_hooks';

/** Requests kept between two takes; later ones are counted but not kept. */
export const MAX_TRACED = 20_000;
const MAX_GC_EVENTS = 20_000;

/** One traced request. */
export interface TracedRequest {
  /** Arrival to response end, ms. */
  readonly wallMs: number;
  /** CPU time of the whole server process (all threads) meanwhile, ms. */
  readonly cpuMs: number;
  /**
   * Garbage-collection pause time from the previous response's end to this one's, ms (a collection
   * between two requests delays the second), and the kinds seen (`minor`, `major`, …).
   */
  readonly gcMs: number;
  readonly gcKinds: string;
  /** Time inside the store's record scans, ms. */
  readonly scanMs: number;
}

const GC_KIND: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

interface Open {
  readonly t0: number;
  readonly cpu0: NodeJS.CpuUsage;
  scanMs: number;
}

/** Traces the server's HTTP requests; see the module comment. */
export class ReadTracer {
  readonly #open = new WeakMap<object, Open>();
  #current: Open | undefined;
  #done: Array<{ t0: number; t1: number; cpuMs: number; scanMs: number }> = [];
  #gc: Array<{ start: number; end: number; kind: string }> = [];
  readonly #observer: PerformanceObserver;

  constructor() {
    subscribe('http.server.request.start', (m) => {
      const { response } = m as { response: object };
      const open: Open = { t0: performance.now(), cpu0: process.cpuUsage(), scanMs: 0 };
      this.#open.set(response, open);
      this.#current = open;
    });
    subscribe('http.server.response.finish', (m) => {
      const { response } = m as { response: object };
      const open = this.#open.get(response);
      if (!open) return;
      const cpu = process.cpuUsage(open.cpu0);
      if (this.#done.length < MAX_TRACED)
        this.#done.push({
          t0: open.t0,
          t1: performance.now(),
          cpuMs: (cpu.user + cpu.system) / 1000,
          scanMs: open.scanMs,
        });
      if (this.#current === open) this.#current = undefined;
    });
    this.#observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        if (this.#gc.length >= MAX_GC_EVENTS) this.#gc.shift();
        const kind = GC_KIND[(e as { detail?: { kind?: number } }).detail?.kind ?? -1] ?? 'other';
        this.#gc.push({ start: e.startTime, end: e.startTime + e.duration, kind });
      }
    });
    this.#observer.observe({ entryTypes: ['gc'] });
  }

  /** Wraps an async function so that its time counts as scan time of the request in progress. */
  timeScans<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
    return async (...args: A) => {
      const open = this.#current;
      const t0 = performance.now();
      try {
        return await fn(...args);
      } finally {
        if (open) open.scanMs += performance.now() - t0;
      }
    };
  }

  /** The requests finished since the last take, with their GC pauses; forgets them. */
  take(): TracedRequest[] {
    const gc = this.#gc;
    const out = this.#done.map((r, i) => {
      let gcMs = 0;
      const kinds = new Set<string>();
      // From the previous response's end: V8 runs most scavenges as a task between requests
      // ("Scavenge … task" in --trace-gc), where they delay the next request before it is read.
      const from = i > 0 ? this.#done[i - 1]!.t1 : r.t0;
      for (const g of gc) {
        const overlap = Math.min(r.t1, g.end) - Math.max(from, g.start);
        if (overlap > 0) {
          gcMs += overlap;
          kinds.add(g.kind);
        }
      }
      return { wallMs: r.t1 - r.t0, cpuMs: r.cpuMs, gcMs, gcKinds: [...kinds].join('+'), scanMs: r.scanMs };
    });
    this.#done = [];
    this.#gc = [];
    return out;
  }
}
