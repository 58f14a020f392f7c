/**
 * Group commit of new accounts on SQLite. Every account created outside a caller's transaction is
 * queued; once per event-loop turn (`setImmediate`) the queue is written in one transaction, each
 * account inside its own savepoint, so a conflict (a taken username, a device id another request
 * just used) rolls back and fails that account only, and the others commit together. A commit costs
 * far more than the two inserts of an account (the WAL append and the transaction's bookkeeping), so
 * concurrent sign-ups share one. Nothing is resolved before the commit: a request that lost a race
 * and looks the winner up finds it.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDb } from '../../../db/db.ts';
import { Failed, TurnQueue } from './sqlite-turn-queue.ts';

/** Most accounts written in one transaction; a longer queue is written in several, in order. */
const MAX_BATCH = 128;
/** Most accounts waiting for the next group commit (the SQLite port's own wait-queue bound). */
const MAX_PENDING = 10_000;

interface Pending<I, R> {
  readonly input: I;
  readonly resolve: (row: R) => void;
  readonly reject: (err: unknown) => void;
}

/**
 * Queues `write` calls (synchronous statements for one item, returning its row) and runs them in
 * shared transactions. `write` must only use statements of the port's connection and must not await.
 */
export class SqliteGroupCommit<I, R> {
  readonly #write: (input: I) => R;
  readonly #queue: TurnQueue<Pending<I, R>>;
  /** better-sqlite3 transaction functions, made on the first flush (they need the connection). */
  #batch: BetterSqlite3.Transaction<(items: Pending<I, R>[]) => (R | Failed)[]> | undefined;

  constructor(db: SqliteDb, write: (input: I) => R) {
    this.#write = write;
    this.#queue = new TurnQueue({
      maxBatch: MAX_BATCH,
      maxPending: MAX_PENDING,
      // run() waits for a transaction another request holds open, then runs the batch at once.
      run: (items) => db.run((connection) => this.#transaction(connection).immediate(items)),
    });
  }

  /**
   * Writes `input` in the next group commit and resolves with its row once that commit is done;
   * rejects with the error of its own statements (after its savepoint was rolled back) or, when the
   * whole transaction fails, with that error.
   */
  add(input: I): Promise<R> {
    return new Promise<R>((resolve, reject) => this.#queue.push({ input, resolve, reject }));
  }
  #transaction(connection: BetterSqlite3.Database) {
    if (this.#batch) return this.#batch;
    // Called inside the batch's transaction, better-sqlite3 wraps each item in a savepoint and
    // rolls back to it when the item throws.
    const one = connection.transaction((input: I) => this.#write(input));
    this.#batch = connection.transaction((items: Pending<I, R>[]) =>
      items.map((item) => {
        try {
          return one(item.input);
        } catch (error) {
          // An error that ended the whole transaction (disk full, I/O) fails the batch: the items
          // written before it were rolled back with it.
          if (!connection.inTransaction) throw error;
          return new Failed(error);
        }
      }),
    );
    return this.#batch;
  }
}
