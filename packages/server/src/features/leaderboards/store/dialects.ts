/** The leaderboard store per database dialect; the composition root picks one. */
import type { StoreDialects } from '../../../core/store-dialects.ts';
import type { LeaderboardStore } from './leaderboard-store.ts';
import { PgLeaderboardStore } from './postgres.ts';
import { SqliteLeaderboardStore } from './sqlite.ts';

/** The leaderboard store on SQLite or PostgreSQL. */
export const leaderboardStores: StoreDialects<LeaderboardStore> = {
  sqlite: (db) => new SqliteLeaderboardStore(db),
  postgres: (db) => new PgLeaderboardStore(db),
};
