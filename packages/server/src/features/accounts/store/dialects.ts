/** The accounts feature's stores per database dialect; the composition root picks one of each. */
import type { StoreDialects } from '../../../core/store-dialects.ts';
import type { AccountStore } from './account-store.ts';
import { PgIdentityStore } from './identity-postgres.ts';
import { SqliteIdentityStore } from './identity-sqlite.ts';
import type { IdentityStore } from './identity-store.ts';
import { PgAccountStore, PgRevocationStore } from './postgres.ts';
import type { RevocationStore } from './revocation-store.ts';
import { PgAccountSearchStore } from './search-postgres.ts';
import { SqliteAccountSearchStore } from './search-sqlite.ts';
import type { AccountSearchStore } from './search-store.ts';
import { SqliteAccountStore, SqliteRevocationStore } from './sqlite.ts';

/** The account store on SQLite or PostgreSQL. */
export const accountStores: StoreDialects<AccountStore> = {
  sqlite: (db) => new SqliteAccountStore(db),
  postgres: (db) => new PgAccountStore(db),
};

/** The revocation store on SQLite or PostgreSQL. */
export const revocationStores: StoreDialects<RevocationStore> = {
  sqlite: (db) => new SqliteRevocationStore(db),
  postgres: (db) => new PgRevocationStore(db),
};

/** The identity (link / unlink) store on SQLite or PostgreSQL. */
export const identityStores: StoreDialects<IdentityStore> = {
  sqlite: (db) => new SqliteIdentityStore(db),
  postgres: (db) => new PgIdentityStore(db),
};

/** The account search store (the admin console's search) on SQLite or PostgreSQL. */
export const accountSearchStores: StoreDialects<AccountSearchStore> = {
  sqlite: (db) => new SqliteAccountSearchStore(db),
  postgres: (db) => new PgAccountSearchStore(db),
};
