/** The group store per database dialect; the composition root picks one. */
import type { StoreDialects } from '../../../core/store-dialects.ts';
import type { GroupStore } from './group-store.ts';
import { PgGroupStore } from './postgres.ts';
import { SqliteGroupStore } from './sqlite.ts';

/** The group store on SQLite or PostgreSQL. */
export const groupStores: StoreDialects<GroupStore> = {
  sqlite: (db) => new SqliteGroupStore(db),
  postgres: (db) => new PgGroupStore(db),
};
