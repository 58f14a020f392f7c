/**
 * The PostgreSQL side of the database port: a `pg` pool; a transaction holds one pooled client and
 * every query of its async context goes to that client. Loaded only through `openPostgresDb()`.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { Logger } from '../observability/logger.ts';
import {
  IsolationLevel,
  type PgResult,
  type PostgresDb,
  type PreparedSql,
  type SqlParams,
  type TxOptions,
} from './db.ts';
import { DbClosedError, DbUsageError } from './errors.ts';
import { quoteIdent } from './identifiers.ts';
import type { PostgresDbOptions } from './open-postgres.ts';
import { runAfterCommit, TxScope } from './tx-scope.ts';

/** Tries of one transaction before its serialization failure or deadlock is rethrown. */
export const MAX_TX_ATTEMPTS = 5;

/** SQLSTATEs after which re-running the whole transaction can succeed. */
const RETRYABLE = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
]);

type PgScope = TxScope<pg.PoolClient>;

/** Creates the pool and checks the server answers. Use `openPostgresDb()`, which loads this module. */
export async function connectPostgresDb(options: PostgresDbOptions): Promise<PostgresDb> {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize,
    // Every pooled connection resolves unqualified table names in our schema, so SQL stays
    // schema-agnostic and tests can isolate themselves in a throwaway schema.
    ...(options.schema ? { options: `-c search_path=${quoteIdent(options.schema)}` } : {}),
    connectionTimeoutMillis: 10_000,
  });
  // An idle client losing its connection (server restart) emits on the pool; without a listener
  // that would crash the process. The pool replaces the client on next use.
  pool.on('error', (err) => options.logger?.warn({ err }, 'PostgreSQL idle connection error'));
  try {
    const client = await pool.connect();
    client.release();
  } catch (err) {
    await pool.end().catch(() => {});
    throw new Error(`cannot use PostgreSQL at ${describe(options.url)}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return new PostgresDatabase(pool, options);
}

class PostgresDatabase implements PostgresDb {
  readonly dialect = 'postgres' as const;
  readonly schema: string | undefined;
  readonly #pool: pg.Pool;
  readonly #scope = new AsyncLocalStorage<PgScope>();
  /** Transactions whose scope is open (each on its own pooled client). */
  #openScopes = 0;
  readonly #logger: Logger | undefined;
  #closing: Promise<void> | undefined;

  constructor(pool: pg.Pool, options: PostgresDbOptions) {
    this.#pool = pool;
    this.schema = options.schema;
    this.#logger = options.logger;
  }

  async query<R extends object = Record<string, unknown>>(
    text: string | PreparedSql,
    params: SqlParams = [],
  ): Promise<PgResult<R>> {
    // pg keeps a named statement prepared on each client and, once it is, sends only bind/execute.
    const config: pg.QueryConfig =
      typeof text === 'string'
        ? { text, values: [...params] }
        : { name: text.name, text: text.text, values: [...params] };
    return toResult<R>(await this.#send(config));
  }

  async rows<R extends object = Record<string, unknown>>(
    text: string | PreparedSql,
    params?: SqlParams,
  ): Promise<R[]> {
    return (await this.query<R>(text, params)).rows;
  }

  async arrays(statement: PreparedSql, params: SqlParams = []): Promise<unknown[][]> {
    const config = {
      name: statement.name,
      text: statement.text,
      values: [...params],
      rowMode: 'array' as const,
    };
    return takeRows((await this.#send<unknown[]>(config)).rows);
  }

  /** Runs a statement in the caller's transaction, or on any pooled connection outside one. */
  async #send<T extends object>(config: pg.QueryConfig | pg.QueryArrayConfig): Promise<pg.QueryResult<T>> {
    if (this.#closing) throw new DbClosedError();
    const scope = this.#current();
    if (!scope) return (await this.#pool.query(config)) as pg.QueryResult<T>;
    try {
      return (await scope.connection.query(config)) as pg.QueryResult<T>;
    } catch (err) {
      // PostgreSQL has aborted the transaction; remember why, in case the caller swallows the error.
      scope.fail(err);
      throw err;
    }
  }

  async row<R extends object = Record<string, unknown>>(
    text: string | PreparedSql,
    params?: SqlParams,
  ): Promise<R | null> {
    return (await this.query<R>(text, params)).rows[0] ?? null;
  }

  async tx<T>(fn: () => Promise<T>, options?: TxOptions): Promise<T> {
    const outer = this.#current();
    if (outer) {
      outer.assertJoinable(options?.isolation);
      return fn();
    }
    const isolation = options?.isolation ?? IsolationLevel.READ_COMMITTED;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#attempt(fn, isolation);
      } catch (err) {
        if (!isRetryable(err) || attempt >= MAX_TX_ATTEMPTS) throw err;
        this.#logger?.debug({ err, attempt }, 'retrying PostgreSQL transaction');
        await sleep(backoffMs(attempt));
      }
    }
  }

  afterCommit(fn: () => void): void {
    const scope = this.#current();
    if (scope) scope.defer(fn);
    else runAfterCommit([fn], this.#logger);
  }

  /** Waits for running queries and closes every pooled connection. */
  close(): Promise<void> {
    // The pool would wait for the client of the very transaction that is waiting for it.
    if (this.#current()) return Promise.reject(new DbUsageError('close() called inside a transaction'));
    this.#closing ??= this.#pool.end();
    return this.#closing;
  }

  /** One try of a transaction on its own pooled client; after-commit callbacks run only on success. */
  async #attempt<T>(fn: () => Promise<T>, isolation: IsolationLevel): Promise<T> {
    if (this.#closing) throw new DbClosedError();
    const client = await this.#pool.connect();
    const scope: PgScope = new TxScope(client, isolation);
    this.#openScopes++;
    let result: T;
    try {
      await client.query(
        isolation === IsolationLevel.READ_COMMITTED
          ? 'BEGIN'
          : `BEGIN ISOLATION LEVEL ${isolation.toUpperCase()}`,
      );
      result = await this.#scope.run(scope, fn);
      if (scope.failure) throw scope.failure.error;
      const commit = await client.query('COMMIT');
      // An aborted transaction answers COMMIT with ROLLBACK, not an error. Failures through this port
      // are caught above; this catches one that was not.
      if (commit.command === 'ROLLBACK') throw new Error('PostgreSQL rolled the transaction back at COMMIT');
    } catch (err) {
      this.#end(scope);
      await rollback(client, this.#logger);
      throw err;
    }
    const callbacks = this.#end(scope);
    client.release();
    runAfterCommit(callbacks, this.#logger);
    return result;
  }

  /**
   * Closes a transaction's scope and returns its after-commit callbacks. When it was the last one
   * open, the AsyncLocalStorage goes back to disabled: while it is enabled, Node runs async hooks for
   * every promise and tick of the process, transaction or not. The next `tx` enables it again with
   * `run()`, as its first use did; continuations of a closed transaction see no scope either way.
   */
  #end(scope: PgScope): (() => void)[] {
    const callbacks = scope.close();
    this.#openScopes--;
    if (this.#openScopes === 0) this.#scope.disable();
    return callbacks;
  }

  #current(): PgScope | undefined {
    const scope = this.#scope.getStore();
    return scope?.open ? scope : undefined;
  }
}

/** Rolls back and returns the client to the pool, or destroys it when even that fails. */
async function rollback(client: pg.PoolClient, logger: Logger | undefined): Promise<void> {
  try {
    await client.query('ROLLBACK');
    client.release();
  } catch (err) {
    logger?.warn({ err }, 'PostgreSQL ROLLBACK failed; dropping the connection');
    client.release(err as Error);
  }
}

function isRetryable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && RETRYABLE.has(code);
}

/**
 * Exponential backoff with jitter: about 5, 10, 20, 40 ms, each between half and one and a half
 * times that, so two transactions that collided do not collide again in lockstep.
 */
function backoffMs(attempt: number): number {
  const base = 5 * 2 ** (attempt - 1);
  return base * (0.5 + Math.random());
}

/**
 * A result's rows in an array of our own, with pg's array emptied. pg allocates that array when it
 * sends the query, so it is live when V8 runs a scavenge while the event loop waits for
 * PostgreSQL; a few hundred reads into a read-heavy load, V8 was seen to allocate every later one
 * directly in the old generation (allocation-site pretenuring). An old-generation array is freed
 * only by a full collection, and until then the young rows it points to, strings included, survive
 * each scavenge and are promoted: about a megabyte per scavenge, each 2-8 ms instead of under 1 ms
 * (docs/leaderboards.md#performance, "What PostgreSQL's scavenges were carrying"). Emptying it
 * leaves the rows to our own young array. The copy is a pointer per row.
 */
function takeRows<T>(rows: T[]): T[] {
  const own = rows.slice();
  rows.length = 0;
  return own;
}

/** A multi-statement query (migrations) returns one result per statement; the last one counts. */
function toResult<R>(result: pg.QueryResult | pg.QueryResult[]): PgResult<R> {
  const last = Array.isArray(result) ? result[result.length - 1] : result;
  return {
    rows: last ? (takeRows(last.rows) as R[]) : [],
    rowCount: last?.rowCount ?? 0,
    command: last?.command ?? '',
  };
}

/** `host:port/database` of a connection string, without credentials, for error messages. */
function describe(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return '(unparseable connection string)';
  }
}
