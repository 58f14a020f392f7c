/** The friend store per database dialect; the composition root picks one. */
import type { StoreDialects } from '../../../core/store-dialects.ts';
import type { FriendStore } from './friend-store.ts';
import { PgFriendStore } from './postgres.ts';
import { SqliteFriendStore } from './sqlite.ts';

/** The friend store on SQLite or PostgreSQL. */
export const friendStores: StoreDialects<FriendStore> = {
  sqlite: (db) => new SqliteFriendStore(db),
  postgres: (db) => new PgFriendStore(db),
};
