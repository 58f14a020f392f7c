import type { PostgresDb, SqliteDb } from '../db/db.ts';

/**
 * How a feature builds one of its stores on each database dialect. Each feature's `store/` folder
 * exports one of these per store; the composition root picks the entry for the database it opened
 * (`pick` in `database.ts`), so no feature ever chooses a backend.
 */
export interface StoreDialects<T> {
  /** Builds the store on a migrated SQLite database. */
  readonly sqlite: (db: SqliteDb) => T;
  /** Builds the store on a migrated PostgreSQL database. */
  readonly postgres: (db: PostgresDb) => T;
}
