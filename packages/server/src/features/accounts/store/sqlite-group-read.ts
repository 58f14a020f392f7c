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
import { DbBusyError } from '../../../db/errors.ts';

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
  #pending: Pending[] = [];
  #scheduled = false;
  /** The better-sqlite3 transaction function, made on the first flush (it needs the connection). */
  #batch: BetterSqlite3.Transaction<(items: Pending[]) => unknown[]> | undefined;

  constructor(db: SqliteDb) {
    this.#db = db;
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
    if (this.#pending.length >= MAX_PENDING) throw new DbBusyError(this.#pending.length);
    return new Promise<R>((resolve, reject) => {
      this.#pending.push({ work, resolve: resolve as (row: unknown) => void, reject });
      if (this.#scheduled) return;
      this.#scheduled = true;
      setImmediate(() => this.#flush());
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const queued = this.#pending;
    this.#pending = [];
    for (let i = 0; i < queued.length; i += MAX_BATCH) {
      const items = i === 0 && queued.length <= MAX_BATCH ? queued : queued.slice(i, i + MAX_BATCH);
      // run() waits for a transaction another request holds open, then runs the batch at once.
      this.#db
        .run((connection) =>
          items.length === 1 ? [attempt(items[0]!)] : this.#transaction(connection)(items),
        )
        .then(
          (results) => {
            for (let k = 0; k < items.length; k++) {
              const r = results[k];
              if (r instanceof Failed) items[k]!.reject(r.error);
              else items[k]!.resolve(r);
            }
          },
          (err: unknown) => {
            for (const item of items) item.reject(err);
          },
        );
    }
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

/** The error of one lookup of a batch. */
class Failed {
  constructor(readonly error: unknown) {}
}
