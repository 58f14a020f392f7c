/**
 * Opening the server's database: the composition root and the tools that must behave like it (the
 * forward-migration test) go through {@link openDatabase}, so a database is always opened with the
 * same pragmas or pool settings and brought to the same schema.
 */
import type { TetherConfig } from './config/config.ts';
import type { StoreDialects } from './core/store-dialects.ts';
import type { AnyDb } from './db/db.ts';
import { migrate } from './db/migrations.ts';
import { openPostgresDb } from './db/open-postgres.ts';
import { openSqliteDb } from './db/sqlite-db.ts';
import type { Logger } from './observability/logger.ts';
import { LEGACY_SCHEMA_V3, SCHEMA_MIGRATIONS } from './schema.ts';

/** The settings {@link openDatabase} reads. */
export type DatabaseSettings = Pick<
  TetherConfig,
  'data' | 'database' | 'databaseSchema' | 'databasePoolSize'
> &
  Partial<Pick<TetherConfig, 'sqliteSynchronous' | 'sqliteMmapBytes'>>;

/**
 * Opens SQLite under `data` (for `database: 'sqlite'`) or PostgreSQL (any other value, a URL; `pg`
 * is loaded only then), and migrates it to the server's schema, adopting a database written by the
 * single global migration list. Closes what it opened when the migration fails.
 */
export async function openDatabase(settings: DatabaseSettings, logger?: Logger): Promise<AnyDb> {
  const db: AnyDb =
    settings.database === 'sqlite'
      ? openSqliteDb(
          { dataDir: settings.data },
          { logger, synchronous: settings.sqliteSynchronous, mmapBytes: settings.sqliteMmapBytes },
        )
      : await openPostgresDb({
          url: settings.database,
          schema: settings.databaseSchema,
          poolSize: settings.databasePoolSize,
          logger,
        });
  try {
    await migrate(db, SCHEMA_MIGRATIONS, { legacy: LEGACY_SCHEMA_V3, logger });
  } catch (err) {
    await db.close().catch(() => {});
    throw err;
  }
  return db;
}

/** Builds a store with the implementation for the database's dialect. */
export function pick<T>(db: AnyDb, dialects: StoreDialects<T>): T {
  return db.dialect === 'sqlite' ? dialects.sqlite(db) : dialects.postgres(db);
}
