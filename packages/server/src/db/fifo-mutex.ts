import { DbBusyError } from './errors.ts';

/** Releases a held {@link FifoMutex}; calling it again does nothing. */
export type Release = () => void;

/**
 * A mutual-exclusion lock granted in arrival order, with a bounded wait queue. The SQLite port holds
 * it for the whole of an async transaction, so statements from other async contexts wait for the
 * commit instead of slipping into the transaction.
 */
export class FifoMutex {
  readonly #waiters: ((release: Release) => void)[] = [];
  readonly #maxWaiters: number;
  #held = false;

  /** @param maxWaiters Most callers that may wait at once; one more gets {@link DbBusyError}. */
  constructor(maxWaiters: number) {
    if (!Number.isInteger(maxWaiters) || maxWaiters < 1) {
      throw new RangeError(`maxWaiters must be a positive integer, got ${maxWaiters}`);
    }
    this.#maxWaiters = maxWaiters;
  }

  /** True when nobody holds the lock (and so nobody waits for it). */
  get idle(): boolean {
    return !this.#held;
  }

  /** How many callers wait for the lock. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /** Resolves with a release function once every earlier caller has released the lock. */
  lock(): Promise<Release> {
    if (!this.#held) {
      this.#held = true;
      return Promise.resolve(this.#releaser());
    }
    if (this.#waiters.length >= this.#maxWaiters)
      return Promise.reject(new DbBusyError(this.#waiters.length));
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // Hand the lock straight to the next waiter: it stays held in between, so a caller arriving
      // before that waiter resumes cannot overtake it.
      const next = this.#waiters.shift();
      if (next) next(this.#releaser());
      else this.#held = false;
    };
  }
}
