/**
 * The state of one open transaction, shared by both dialects: which connection it runs on, the side
 * effects waiting for its commit, and the first statement that failed in it. Each port keeps the
 * current scope in its own AsyncLocalStorage, so every async continuation of a `tx` callback finds
 * it, and two ports (two databases) never see each other's transactions.
 */
import type { Logger } from '../observability/logger.ts';
import { IsolationLevel } from './db.ts';
import { DbUsageError } from './errors.ts';

/** Most side effects one transaction may queue: every buffer is bounded. */
export const MAX_AFTER_COMMIT = 10_000;

const STRENGTH: Readonly<Record<IsolationLevel, number>> = {
  [IsolationLevel.READ_COMMITTED]: 0,
  [IsolationLevel.REPEATABLE_READ]: 1,
  [IsolationLevel.SERIALIZABLE]: 2,
};

/** One open transaction. `C` is what statements run on (a pooled client, or nothing for SQLite). */
export class TxScope<C> {
  readonly connection: C;
  readonly isolation: IsolationLevel;
  #open = true;
  #failure: { readonly error: unknown } | undefined;
  readonly #afterCommit: (() => void)[] = [];

  constructor(connection: C, isolation: IsolationLevel) {
    this.connection = connection;
    this.isolation = isolation;
  }

  /**
   * False once the transaction has committed or rolled back. A promise started inside `fn` and left
   * running can outlive the transaction; its statements then run as if outside any transaction.
   */
  get open(): boolean {
    return this.#open;
  }

  /** The first statement failure seen in this transaction, if any. */
  get failure(): { readonly error: unknown } | undefined {
    return this.#failure;
  }

  /** Records a failed statement: the transaction can no longer commit. */
  fail(error: unknown): void {
    this.#failure ??= { error };
  }

  /** Queues a side effect for after the commit. */
  defer(fn: () => void): void {
    if (this.#afterCommit.length >= MAX_AFTER_COMMIT) {
      throw new DbUsageError(`more than ${MAX_AFTER_COMMIT} after-commit callbacks in one transaction`);
    }
    this.#afterCommit.push(fn);
  }

  /**
   * A nested `tx` joins this one. It cannot ask for a stronger isolation level than the transaction
   * already has: the guarantee it relies on would silently not hold.
   */
  assertJoinable(isolation: IsolationLevel | undefined): void {
    if (isolation && STRENGTH[isolation] > STRENGTH[this.isolation]) {
      throw new DbUsageError(
        `a nested transaction asked for ${isolation} isolation inside a ${this.isolation} one`,
      );
    }
  }

  /** Ends the scope; returns the queued side effects (run them only if the transaction committed). */
  close(): (() => void)[] {
    this.#open = false;
    return this.#afterCommit.splice(0);
  }
}

/**
 * Runs side effects in order. A failing one is reported and the rest still run: the data is already
 * committed, so failing the caller would only invite a retry that duplicates it.
 */
export function runAfterCommit(callbacks: readonly (() => void)[], logger: Logger | undefined): void {
  for (const fn of callbacks) {
    try {
      const result: unknown = fn();
      // An async callback's rejection would otherwise be unhandled (and end the process).
      if (isThenable(result)) result.then(undefined, (err: unknown) => reportAfterCommitError(err, logger));
    } catch (err) {
      reportAfterCommitError(err, logger);
    }
  }
}

/** True for a promise or anything else with a `then` method. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function'
  );
}

function reportAfterCommitError(err: unknown, logger: Logger | undefined): void {
  if (logger) logger.error({ err }, 'after-commit callback failed');
  // Without a logger (tools, some tests) a warning on stderr still makes the failure visible.
  else process.emitWarning(err instanceof Error ? err : new Error(String(err)), 'AfterCommitWarning');
}
