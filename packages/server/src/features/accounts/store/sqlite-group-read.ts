/**
 * Group reads of account lookups on SQLite. Outside a transaction, SQLite wraps every statement in a
 * read transaction of its own: it takes and drops the database's shared lock (two `fcntl` calls)
 * and checks the WAL index, which costs more than the indexed lookup itself (about 6 µs of a 12 µs
 * device lookup). Lookups made outside a caller's transaction are therefore queued, and once per
 * event-loop turn (`setImmediate`, like {@link SqliteGroupCommit}) the queue runs in one read
 * transaction: every lookup sees the database as committed at that moment, exactly as if each had
 * run alone at that moment, and concurrent logins share the locking.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDb } from '../../../db/db.ts';
import { Failed, TurnQueue } from './sqlite-turn-queue.ts';

/** Most lookups run in one read transaction; a longer queue runs in several, in order. */
const MAX_BATCH = 256;
/** Most lookups waiting for the next group read (the SQLite port's own wait-queue bound). */
const MAX_PENDING = 10_000;

interface Pending {
  readonly work: () => unknown;
  readonly resolve: (row: unknown) => void;
  readonly reject: (err: unknown) => void;
}

/** Marks a lookup that {@link SqliteGroupRead.read} should queue rather than run at once. */
const QUEUE = Symbol('queue');

/**
 * Runs synchronous read-only `work` (statements of the port's connection, no awaits) in shared read
 * transactions. Inside a caller's transaction the work runs at once, in that transaction.
 */
export class SqliteGroupRead {
  readonly #db: SqliteDb;
  readonly #queue: TurnQueue<Pending>;
  /** The better-sqlite3 transaction function, made on the first flush (it needs the connection). */
  #batch: BetterSqlite3.Transaction<(items: Pending[]) => unknown[]> | undefined;

  constructor(db: SqliteDb) {
    this.#db = db;
    this.#queue = new TurnQueue({
      maxBatch: MAX_BATCH,
      maxPending: MAX_PENDING,
      // run() waits for a transaction another request holds open, then runs the batch at once.
      run: (items) =>
        db.run((connection) =>
          items.length === 1 ? [attempt(items[0]!)] : this.#transaction(connection)(items),
        ),
    });
  }

  /**
   * The result of `work`, run in the next group read (or at once inside the caller's transaction).
   * Rejects with the error `work` threw, or with {@link DbBusyError} when too many lookups wait.
   */
  async read<R>(work: () => R): Promise<R> {
    // run() sees the caller's own transaction (its statements must join it); elsewhere it runs when
    // no other transaction is open, so the connection is then outside any transaction.
    const now = await this.#db.run((connection) => (connection.inTransaction ? work() : QUEUE));
    if (now !== QUEUE) return now as R;
    return new Promise<R>((resolve, reject) =>
      this.#queue.push({ work, resolve: resolve as (row: unknown) => void, reject }),
    );
  }

  #transaction(connection: BetterSqlite3.Database) {
    // A deferred transaction (better-sqlite3's default): the first statement takes the shared lock,
    // COMMIT drops it; nothing is written.
    this.#batch ??= connection.transaction((items: Pending[]) =>
      items.map((item) => {
        const r = attempt(item);
        // An error that ended the whole transaction (I/O) fails the batch.
        if (r instanceof Failed && !connection.inTransaction) throw r.error;
        return r;
      }),
    );
    return this.#batch;
  }
}

/** One lookup's result, or its error (which fails that lookup only). */
function attempt(item: Pending): unknown {
  try {
    return item.work();
  } catch (error) {
    return new Failed(error);
  }
}
