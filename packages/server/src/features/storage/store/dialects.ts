/** The storage store per database dialect; the composition root picks one. */
import type { StoreDialects } from '../../../core/store-dialects.ts';
import { PgStorageStore } from './postgres.ts';
import { SqliteStorageStore } from './sqlite.ts';
import type { StorageStore } from './storage-store.ts';

/** The storage store on SQLite or PostgreSQL. */
export const storageStores: StoreDialects<StorageStore> = {
  sqlite: (db) => new SqliteStorageStore(db),
  postgres: (db) => new PgStorageStore(db),
};
