import pg from 'pg';
import type { Logger } from 'pino';
import type { Storage } from '../types.ts';
import { migratePostgres, quoteIdent } from './migrations.ts';
import { PgAccountStore } from './pg-accounts.ts';
import { PgChatStore } from './pg-chat.ts';
import { PgNotificationStore } from './pg-notifications.ts';
import { PgRevocationStore } from './pg-revocations.ts';

/** How to reach PostgreSQL. */
export interface PostgresOptions {
  /** `postgres://user:password@host:port/database` (any `pg` connection string). */
  readonly url: string;
  /** Schema for Tether's tables (created if missing); the server's default search_path when absent. */
  readonly schema?: string | undefined;
  /** Most connections the pool opens. */
  readonly poolSize: number;
  readonly logger?: Logger | undefined;
}

/** The production backend: PostgreSQL through a `pg` connection pool, migrated on open. */
export class PostgresStorage implements Storage {
  readonly backend = 'postgres' as const;
  readonly accounts: PgAccountStore;
  readonly revocations: PgRevocationStore;
  readonly chat: PgChatStore;
  readonly notifications: PgNotificationStore;
  readonly #pool: pg.Pool;
  #closing: Promise<void> | undefined;

  private constructor(pool: pg.Pool) {
    this.#pool = pool;
    this.accounts = new PgAccountStore(pool);
    this.revocations = new PgRevocationStore(pool);
    this.chat = new PgChatStore(pool);
    this.notifications = new PgNotificationStore(pool);
  }

  /**
   * Connects, creates the schema if one is configured, and applies pending migrations. Fails with a
   * message naming the server (never the password) when PostgreSQL cannot be reached.
   */
  static async open(options: PostgresOptions): Promise<PostgresStorage> {
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
      try {
        await migratePostgres(client, options.schema);
      } finally {
        client.release();
      }
    } catch (err) {
      await pool.end().catch(() => {});
      throw new Error(`cannot use PostgreSQL at ${describe(options.url)}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    return new PostgresStorage(pool);
  }

  /** Waits for running queries and closes every pooled connection. */
  close(): Promise<void> {
    this.#closing ??= this.#pool.end();
    return this.#closing;
  }
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
