/**
 * The recent history behind the console's live graphs.
 *
 * @packageDocumentation
 */

/** What the sampler reads each period: totals and levels at that moment. */
export interface StatusReading {
  readonly sessions: number;
  readonly matches: number;
  /** Realtime envelopes received since start. */
  readonly messagesIn: number;
  /** Realtime envelopes written since start. */
  readonly messagesOut: number;
}

/** One point of the graphs. */
export interface StatusSample {
  /** Unix milliseconds. */
  readonly t: number;
  readonly sessions: number;
  readonly matches: number;
  /** Envelopes per second over the last period. */
  readonly inPerSec: number;
  readonly outPerSec: number;
  /** Bytes. */
  readonly heapUsed: number;
  readonly rss: number;
}

/**
 * Samples the server every `intervalMs` into a ring of `capacity` points (10 minutes at the
 * defaults), so a graph has history as soon as the page opens and memory stays bounded however long
 * the server runs. Its timer does not keep the process alive.
 */
export class StatusSampler {
  readonly #read: () => StatusReading;
  readonly #now: () => number;
  readonly #intervalMs: number;
  readonly #capacity: number;
  readonly #samples: StatusSample[] = [];
  #last: { t: number; reading: StatusReading } | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(opts: {
    read: () => StatusReading;
    now: () => number;
    intervalMs?: number;
    capacity?: number;
  }) {
    this.#read = opts.read;
    this.#now = opts.now;
    this.#intervalMs = opts.intervalMs ?? 2000;
    this.#capacity = opts.capacity ?? 300;
  }

  /** Starts sampling (the first point comes one period from now). Idempotent. */
  start(): void {
    if (this.#timer) return;
    this.#last = { t: this.#now(), reading: this.#read() };
    this.#timer = setInterval(() => this.sample(), this.#intervalMs);
    this.#timer.unref();
  }

  /** Stops sampling. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Takes one sample now (the timer calls it; tests may too). */
  sample(): StatusSample {
    const t = this.#now();
    const reading = this.#read();
    const last = this.#last ?? { t, reading };
    const seconds = Math.max((t - last.t) / 1000, 0.001);
    const memory = process.memoryUsage();
    const point: StatusSample = {
      t,
      sessions: reading.sessions,
      matches: reading.matches,
      inPerSec: round((reading.messagesIn - last.reading.messagesIn) / seconds),
      outPerSec: round((reading.messagesOut - last.reading.messagesOut) / seconds),
      heapUsed: memory.heapUsed,
      rss: memory.rss,
    };
    this.#last = { t, reading };
    this.#samples.push(point);
    if (this.#samples.length > this.#capacity) this.#samples.shift();
    return point;
  }

  /** The samples, oldest first. */
  samples(): readonly StatusSample[] {
    return this.#samples;
  }
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
