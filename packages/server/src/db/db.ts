/**
 * The database port: one connection (SQLite) or pool (PostgreSQL) that every feature's store joins,
 * so one operation can change several features' rows in one transaction and push notifications only
 * once that transaction has committed. Stores receive a {@link SqliteDb} or a {@link PostgresDb} and
 * write their own SQL; this port only runs it. See docs/database.md.
 */
import type BetterSqlite3 from 'better-sqlite3';

/** Which database a port talks to. */
export const Dialect = {
  SQLITE: 'sqlite',
  POSTGRES: 'postgres',
} as const;
export type Dialect = (typeof Dialect)[keyof typeof Dialect];

/**
 * PostgreSQL isolation levels, weakest first. SQLite transactions are always serializable (one writer
 * at a time), so SQLite accepts and ignores the option.
 */
export const IsolationLevel = {
  READ_COMMITTED: 'read committed',
  REPEATABLE_READ: 'repeatable read',
  SERIALIZABLE: 'serializable',
} as const;
export type IsolationLevel = (typeof IsolationLevel)[keyof typeof IsolationLevel];

/** Options of an outermost transaction. */
export interface TxOptions {
  /** PostgreSQL only; `read committed` (PostgreSQL's default) when absent. */
  readonly isolation?: IsolationLevel | undefined;
}

/** What both dialects offer: transactions, after-commit side effects, and closing. */
export interface Db {
  readonly dialect: Dialect;
  /**
   * Runs `fn` in a transaction and commits when it resolves; rolls back and rethrows when it rejects.
   * Every statement `fn` runs through this port (in any async continuation of `fn`) belongs to the
   * transaction. A `tx` inside a `tx` joins the outer one: no savepoint, one commit at the end.
   *
   * A statement that fails inside the transaction dooms it even if `fn` catches the error (PostgreSQL
   * aborts the transaction; the SQLite port does the same for parity): `tx` then rolls back and
   * rethrows that first failure.
   *
   * PostgreSQL re-runs the whole `fn` on a serialization failure (40001) or a deadlock (40P01), a few
   * times with a short jittered backoff, so `fn` must have no effects outside the database: queue
   * those with {@link afterCommit}.
   */
  tx<T>(fn: () => Promise<T>, options?: TxOptions): Promise<T>;
  /**
   * Queues a side effect (a notification push) to run after the outermost transaction commits; it is
   * dropped if the transaction rolls back (or is retried). Outside a transaction it runs at once,
   * synchronously, before `afterCommit` returns. Callbacks run in the order queued; one that throws (or
   * returns a promise that rejects) is logged and does not stop the others or fail the committed
   * transaction.
   */
  afterCommit(fn: () => void): void;
  /**
   * Waits for the running transaction (if any), then releases the connection(s). Idempotent. Refused
   * (DbUsageError) from inside a transaction, which it would wait for forever.
   */
  close(): Promise<void>;
}

/**
 * A prepared better-sqlite3 statement taking parameters `P` (positional as a tuple, or one object of
 * named ones) and returning rows `R`.
 */
export type SqliteStatement<P extends unknown[] | object, R> = P extends unknown[]
  ? BetterSqlite3.Statement<P, R>
  : BetterSqlite3.Statement<[P], R>;

/**
 * SQLite through one better-sqlite3 connection. Statements are synchronous; {@link run} decides when
 * they may execute so that they never land inside another async context's open transaction.
 */
export interface SqliteDb extends Db {
  readonly dialect: 'sqlite';
  /** Path of the database file. */
  readonly file: string;
  /**
   * Prepares a statement on the connection, typically once in a store's constructor. Preparing does
   * not execute anything; run the statement only inside {@link run}.
   */
  prepare<P extends unknown[] | object = unknown[], R = unknown>(sql: string): SqliteStatement<P, R>;
  /**
   * Runs `work` (synchronous better-sqlite3 calls, no awaits inside) when it is this context's turn:
   * at once inside this context's transaction or when no transaction is open (the common case costs
   * no extra tick beyond awaiting the returned promise); otherwise after the transactions and
   * statements queued before it (FIFO). `work` receives the connection, for `exec` of raw SQL.
   * Throws {@link DbBusyError} when the wait queue is full.
   */
  run<T>(work: (connection: BetterSqlite3.Database) => T): Promise<T>;
}

/** The parameters of a PostgreSQL statement (`$1`, `$2`, ...). */
export type SqlParams = readonly unknown[];

/**
 * A PostgreSQL statement kept prepared under `name` on each connection that runs it: parsed and
 * planned on its first run there, then only bound and executed (for hot lookups, such as the
 * authentication ones). A name must always stand for the same `text`.
 */
export interface PreparedSql {
  readonly name: string;
  readonly text: string;
}

/** What a PostgreSQL statement returns. */
export interface PgResult<R> {
  readonly rows: R[];
  /** Rows inserted, updated, deleted or returned; 0 for statements that touch none. */
  readonly rowCount: number;
  /** The command tag (`INSERT`, `SELECT`, ...). */
  readonly command: string;
}

/**
 * PostgreSQL through a `pg` pool. Inside a transaction every query uses the transaction's client;
 * outside one, any pooled client.
 */
export interface PostgresDb extends Db {
  readonly dialect: 'postgres';
  /** The schema that holds the tables (every pooled connection's search_path), if one is configured. */
  readonly schema: string | undefined;
  query<R extends object = Record<string, unknown>>(
    text: string | PreparedSql,
    params?: SqlParams,
  ): Promise<PgResult<R>>;
  /** The rows a statement returns. */
  rows<R extends object = Record<string, unknown>>(
    text: string | PreparedSql,
    params?: SqlParams,
  ): Promise<R[]>;
  /** The first row a statement returns, or null when there is none. */
  row<R extends object = Record<string, unknown>>(
    text: string | PreparedSql,
    params?: SqlParams,
  ): Promise<R | null>;
  /**
   * The rows of a prepared statement ({@link PreparedSql}), each an array of its column values in
   * select order: for hot reads, where the driver then builds no object per row.
   */
  arrays(statement: PreparedSql, params?: SqlParams): Promise<unknown[][]>;
}

/** Either port, told apart by `dialect`: what dialect-neutral code (the migration runner) receives. */
export type AnyDb = SqliteDb | PostgresDb;
