/**
 * Timers for match loops. A match ticks on a `setTimeout` chain that aims at absolute deadlines
 * (`start + n × interval`), so the small lateness of each timer does not add up over a long match;
 * the scheduler is injected so tests drive ticks with a manual clock instead of sleeping.
 *
 * @packageDocumentation
 */

/** A cancellable one-shot timer. */
export interface TimerHandle {
  cancel(): void;
}

/** Time and one-shot timers for match loops. */
export interface TickScheduler {
  /** Monotonic milliseconds (any origin). */
  now(): number;
  /** Runs `fn` once after `delayMs` (≥ 0). */
  setTimer(delayMs: number, fn: () => void): TimerHandle;
}

/** The real scheduler: `performance.now()` and `setTimeout`. */
export const systemTickScheduler: TickScheduler = Object.freeze({
  now: () => performance.now(),
  setTimer(delayMs: number, fn: () => void): TimerHandle {
    const t = setTimeout(fn, Math.max(0, delayMs));
    return { cancel: () => clearTimeout(t) };
  },
});

/**
 * A scheduler whose time moves only with {@link advance}: due timers run in deadline order (then in
 * creation order). For tests.
 */
export class ManualTickScheduler implements TickScheduler {
  #now = 0;
  #seq = 0;
  readonly #timers = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.#now;
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    const id = this.#seq++;
    this.#timers.set(id, { at: this.#now + Math.max(0, delayMs), fn });
    return { cancel: () => this.#timers.delete(id) };
  }

  /** Timers waiting to run. */
  get pending(): number {
    return this.#timers.size;
  }

  /** Moves time forward by `ms`, running every timer that falls due (including ones they set). */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.#timers) {
        if (entry[1].at <= end && (!next || entry[1].at < next[1].at)) next = entry;
      }
      if (!next) break;
      this.#timers.delete(next[0]);
      this.#now = Math.max(this.#now, next[1].at);
      next[1].fn();
    }
    this.#now = end;
  }
}

/**
 * Calls `onTick` every `intervalMs`, drift-corrected. When the process falls behind by more than one
 * interval (a long GC pause, a slow tick), missed ticks are skipped, not replayed in a burst: a game
 * loop that suddenly runs ten times in a row helps nobody. `skipped` counts them.
 */
export class Ticker {
  readonly #scheduler: TickScheduler;
  readonly #intervalMs: number;
  readonly #onTick: () => void;
  #timer: TimerHandle | undefined;
  #next = 0;
  #skipped = 0;

  constructor(scheduler: TickScheduler, intervalMs: number, onTick: () => void) {
    this.#scheduler = scheduler;
    this.#intervalMs = intervalMs;
    this.#onTick = onTick;
  }

  /** Ticks skipped because the process was late. */
  get skipped(): number {
    return this.#skipped;
  }

  get running(): boolean {
    return this.#timer !== undefined;
  }

  /** Starts ticking; the first tick comes one interval from now. */
  start(): void {
    if (this.#timer) return;
    this.#next = this.#scheduler.now() + this.#intervalMs;
    this.#arm();
  }

  stop(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  #arm(): void {
    this.#timer = this.#scheduler.setTimer(this.#next - this.#scheduler.now(), () => this.#fire());
  }

  #fire(): void {
    this.#onTick();
    if (!this.#timer) return; // stopped inside onTick
    this.#next += this.#intervalMs;
    const now = this.#scheduler.now();
    if (now - this.#next > this.#intervalMs) {
      const behind = Math.floor((now - this.#next) / this.#intervalMs);
      this.#skipped += behind;
      this.#next += behind * this.#intervalMs;
    }
    this.#arm();
  }
}
