/**
 * The SQLite side of the database port: one better-sqlite3 connection shared by every store.
 *
 * better-sqlite3 is synchronous, but a `tx` callback awaits between its statements, and while it
 * waits other requests run. With one connection their statements would land inside the open
 * transaction (and be committed or rolled back with it). So the port holds a FIFO mutex for the
 * whole transaction: statements from other async contexts queue until it ends, statements of the
 * transaction's own context run directly. With no transaction open a statement runs at once.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Logger } from '../observability/logger.ts';
import { IsolationLevel, type SqliteDb, type SqliteStatement, type TxOptions } from './db.ts';
import { DbClosedError, DbUsageError } from './errors.ts';
import { FifoMutex } from './fifo-mutex.ts';
import { isThenable, runAfterCommit, TxScope } from './tx-scope.ts';

/** The database file inside the `--data` folder (the name every Tether version has used). */
export const SQLITE_FILE_NAME = 'tether.sqlite3';

/** Where the database is: a data folder (the file is {@link SQLITE_FILE_NAME} in it) or a file path. */
export type SqliteLocation = { readonly dataDir: string } | { readonly file: string };

/** Options of {@link openSqliteDb}. */
export interface SqliteDbOptions {
  /** Receives after-commit callback failures. */
  readonly logger?: Logger | undefined;
  /** Most transactions and statements that may wait for the connection at once (default 10 000). */
  readonly maxWaiting?: number | undefined;
  /**
   * `normal` (default): the WAL is fsynced at checkpoints only; an OS crash or power loss may roll
   * back the last commits (never corrupt the file). `full`: fsync on every commit, nothing committed
   * is lost, each commit waits for the disk. See docs/database.md.
   */
  readonly synchronous?: SqliteSynchronous | undefined;
  /**
   * Bytes of the file read through a memory map (SQLite's `PRAGMA mmap_size`; default
   * {@link DEFAULT_SQLITE_MMAP_BYTES}, 0 = off): pages are read in place instead of copied by a
   * system call into SQLite's own cache. See docs/database.md.
   */
  readonly mmapBytes?: number | undefined;
}

/**
 * Default {@link SqliteDbOptions.mmapBytes}: 1 GiB of address space (not memory: the kernel's page
 * cache holds the pages, shared and reclaimable). A read of rows scattered over a large table costs
 * about half as much as through `pread` (bench: 100 records at random ranks of 1,000,000).
 */
export const DEFAULT_SQLITE_MMAP_BYTES = 1 << 30;

/** The durability levels `--sqlite-synchronous` offers (SQLite's `PRAGMA synchronous`). */
export type SqliteSynchronous = 'normal' | 'full';

const DEFAULT_MAX_WAITING = 10_000;

/**
 * Opens (creating if needed) the SQLite database with the server's pragmas. Does not migrate: run
 * `migrate()` next. Throws with the file name when the folder or the file cannot be used.
 */
export function openSqliteDb(location: SqliteLocation, options: SqliteDbOptions = {}): SqliteDb {
  let file: string;
  if ('dataDir' in location) {
    mkdirSync(location.dataDir, { recursive: true });
    file = join(location.dataDir, SQLITE_FILE_NAME);
  } else {
    file = location.file;
  }
  let connection: Database.Database;
  try {
    connection = new Database(file);
  } catch (err) {
    throw new Error(`cannot open SQLite database ${file}: ${(err as Error).message}`, { cause: err });
  }
  try {
    // WAL: readers never block the writer, and a commit is one sequential append to the log.
    connection.pragma('journal_mode = WAL');
    // NORMAL is durable across application crashes in WAL mode; only an OS crash or power loss can
    // lose the last commits, never corrupt the file. FULL fsyncs on every commit.
    connection.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    connection.pragma('foreign_keys = ON');
    // Another process holding the write lock (a second server, a backup) makes us wait, not fail.
    connection.pragma('busy_timeout = 5000');
    // Reads through a memory map: no system call and no copy per page read (writes still go through
    // the WAL with write()). An I/O error while reading the mapped file ends the process (SIGBUS)
    // instead of failing the statement; mmapBytes 0 turns it off.
    connection.pragma(
      `mmap_size = ${Math.max(0, Math.floor(options.mmapBytes ?? DEFAULT_SQLITE_MMAP_BYTES))}`,
    );
  } catch (err) {
    connection.close();
    throw new Error(`cannot prepare SQLite database ${file}: ${(err as Error).message}`, { cause: err });
  }
  return new SqliteDatabase(connection, file, options);
}

/** SQLite transactions are serializable whatever is asked: there is one writer at a time. */
type SqliteScope = TxScope<null>;

class SqliteDatabase implements SqliteDb {
  readonly dialect = 'sqlite' as const;
  readonly file: string;
  readonly #connection: Database.Database;
  readonly #mutex: FifoMutex;
  readonly #scope = new AsyncLocalStorage<SqliteScope>();
  readonly #logger: Logger | undefined;
  #closing: Promise<void> | undefined;

  constructor(connection: Database.Database, file: string, options: SqliteDbOptions) {
    this.#connection = connection;
    this.file = file;
    this.#logger = options.logger;
    this.#mutex = new FifoMutex(options.maxWaiting ?? DEFAULT_MAX_WAITING);
  }

  prepare<P extends unknown[] | object = unknown[], R = unknown>(sql: string): SqliteStatement<P, R> {
    if (this.#closing) throw new DbClosedError();
    return this.#connection.prepare<P, R>(sql) as SqliteStatement<P, R>;
  }

  run<T>(work: (connection: Database.Database) => T): Promise<T> {
    if (this.#closing) return Promise.reject(new DbClosedError());
    const scope = this.#current();
    // Fast path: inside our own transaction, or nobody holds the connection. No lock, no extra tick.
    if (scope || this.#mutex.idle) {
      try {
        return Promise.resolve(this.#work(work, scope));
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return this.#mutex.lock().then((release) => {
      try {
        return this.#work(work, undefined);
      } finally {
        release();
      }
    });
  }

  async tx<T>(fn: () => Promise<T>, options?: TxOptions): Promise<T> {
    const outer = this.#current();
    if (outer) {
      outer.assertJoinable(options?.isolation);
      return fn();
    }
    if (this.#closing) throw new DbClosedError();
    const release = await this.#mutex.lock();
    const scope: SqliteScope = new TxScope(null, IsolationLevel.SERIALIZABLE);
    let result: T;
    try {
      // IMMEDIATE takes the write lock now, so a second process makes us wait (busy_timeout) here
      // rather than fail at the first write after reads.
      this.#connection.exec('BEGIN IMMEDIATE');
      try {
        result = await this.#scope.run(scope, fn);
        if (scope.failure) throw scope.failure.error;
        this.#connection.exec('COMMIT');
      } catch (err) {
        this.#rollback();
        throw err;
      }
    } catch (err) {
      this.#end(scope);
      release();
      throw err;
    }
    const callbacks = this.#end(scope);
    release();
    runAfterCommit(callbacks, this.#logger);
    return result;
  }

  afterCommit(fn: () => void): void {
    const scope = this.#current();
    if (scope) scope.defer(fn);
    else runAfterCommit([fn], this.#logger);
  }

  /** Waits for the open transaction and queued statements, checkpoints the WAL into the file, closes. */
  close(): Promise<void> {
    // It would wait for the very transaction that is waiting for it.
    if (this.#current()) return Promise.reject(new DbUsageError('close() called inside a transaction'));
    this.#closing ??= this.#mutex.lock().then((release) => {
      try {
        // One self-contained file in the data folder after a clean shutdown.
        this.#connection.pragma('wal_checkpoint(TRUNCATE)');
      } finally {
        this.#connection.close();
        release();
      }
    });
    return this.#closing;
  }

  #rollback(): void {
    // Some errors (SQLITE_FULL, I/O) already rolled the transaction back.
    if (!this.#connection.inTransaction) return;
    try {
      this.#connection.exec('ROLLBACK');
    } catch (err) {
      // Keep the original error for the caller; this one only says the connection is in trouble.
      this.#logger?.error({ err }, 'SQLite ROLLBACK failed');
    }
  }

  /**
   * Closes a transaction's scope and returns its after-commit callbacks. The transaction was the only
   * one open (the mutex), so the AsyncLocalStorage goes back to disabled: while it is enabled, Node
   * runs async hooks for every promise and tick of the process, transaction or not (about 5 % of a
   * storage read's CPU). The next `tx` enables it again with `run()`, as its first use did;
   * continuations of a closed transaction see no scope either way.
   */
  #end(scope: SqliteScope): (() => void)[] {
    const callbacks = scope.close();
    this.#scope.disable();
    return callbacks;
  }

  /** The open transaction of this async context, if any. */
  #current(): SqliteScope | undefined {
    const scope = this.#scope.getStore();
    return scope?.open ? scope : undefined;
  }

  #work<T>(work: (connection: Database.Database) => T, scope: SqliteScope | undefined): T {
    let result: T;
    try {
      result = work(this.#connection);
    } catch (err) {
      scope?.fail(err);
      throw err;
    }
    if (isThenable(result)) {
      const err = new DbUsageError('SqliteDb.run() work must be synchronous (it returned a promise)');
      scope?.fail(err);
      throw err;
    }
    return result;
  }
}
