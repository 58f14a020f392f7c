/**
 * The server's schema: every feature's migrations in the order they apply, and how a database written
 * by the single global migration list (versions 1–3, table `tether_migrations`) maps onto them. The
 * composition root passes both to `migrate()`; the forward-migration test uses the same values.
 */
import type { FeatureMigrations, LegacyMigrations } from './db/migrations.ts';
import { ACCOUNT_MIGRATIONS } from './features/accounts/migrations.ts';
import { CHAT_MIGRATIONS } from './features/chat/migrations.ts';
import { FRIEND_MIGRATIONS } from './features/friends/migrations.ts';
import { GROUP_MIGRATIONS } from './features/groups/migrations.ts';
import { LEADERBOARD_MIGRATIONS } from './features/leaderboards/migrations.ts';
import { NOTIFICATION_MIGRATIONS } from './features/notifications/migrations.ts';
import { STORAGE_MIGRATIONS } from './features/storage/migrations.ts';
import { WALLET_MIGRATIONS } from './features/wallets/migrations.ts';

/** Accounts first: other features' tables reference `users`. */
export const SCHEMA_MIGRATIONS: readonly FeatureMigrations[] = [
  ACCOUNT_MIGRATIONS,
  CHAT_MIGRATIONS,
  NOTIFICATION_MIGRATIONS,
  FRIEND_MIGRATIONS,
  GROUP_MIGRATIONS,
  STORAGE_MIGRATIONS,
  WALLET_MIGRATIONS,
  LEADERBOARD_MIGRATIONS,
];

/** The global list's versions, by the feature migrations that hold the same SQL today. */
export const LEGACY_SCHEMA_V3: LegacyMigrations = {
  table: 'tether_migrations',
  versions: {
    1: [['accounts', 1]],
    2: [
      ['chat', 1],
      ['notifications', 1],
    ],
    3: [['accounts', 2]],
  },
};
