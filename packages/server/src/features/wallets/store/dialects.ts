/** The wallet store per database dialect; the composition root picks one. */
import type { StoreDialects } from '../../../core/store-dialects.ts';
import { PgWalletStore } from './postgres.ts';
import { SqliteWalletStore } from './sqlite.ts';
import type { WalletStore } from './wallet-store.ts';

/** The wallet store on SQLite or PostgreSQL. */
export const walletStores: StoreDialects<WalletStore> = {
  sqlite: (db) => new SqliteWalletStore(db),
  postgres: (db) => new PgWalletStore(db),
};
