/**
 * Opening the PostgreSQL port. This module does not import `pg`: the driver (and its native-looking
 * dependency tree) is loaded only when a server is configured with a `postgres://` URL.
 */
import type { Logger } from '../observability/logger.ts';
import type { PostgresDb } from './db.ts';

/** How to reach PostgreSQL (the server's `--database`, `--database-schema`, `--database-pool-size`). */
export interface PostgresDbOptions {
  /** `postgres://user:password@host:port/database` (any `pg` connection string). */
  readonly url: string;
  /**
   * Schema for Tether's tables: every pooled connection gets it as its search_path, so SQL stays
   * unqualified. `migrate()` creates it. The server's default search_path when absent.
   */
  readonly schema?: string | undefined;
  /** Most connections the pool opens. */
  readonly poolSize: number;
  /** Receives idle-connection errors, transaction retries and after-commit callback failures. */
  readonly logger?: Logger | undefined;
}

/**
 * Creates the pool and checks that PostgreSQL answers. Does not migrate: run `migrate()` next. Fails
 * with a message naming the server (never the password) when PostgreSQL cannot be reached.
 */
export async function openPostgresDb(options: PostgresDbOptions): Promise<PostgresDb> {
  const { connectPostgresDb } = await import('./postgres-db.ts');
  return connectPostgresDb(options);
}
