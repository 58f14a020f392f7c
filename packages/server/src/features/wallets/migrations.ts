import type { FeatureMigrations, Migration } from '../../db/migrations.ts';

/**
 * The wallets feature's table: the wallet ledger, one row per recorded wallet change (the changeset
 * as given, not the balances). Balances themselves are the `wallet` column of the accounts feature's
 * `users` table, which only this feature writes. Ledger rows go with their user (foreign key).
 * Listings run newest first per user.
 */

/** SQLite; times are Unix milliseconds. */
const SQLITE: readonly Migration[] = [
  {
    feature: 'wallets',
    version: 1,
    name: 'wallet ledger',
    sql: `
      CREATE TABLE wallet_ledger (
        id          TEXT PRIMARY KEY,
        user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        changeset   TEXT NOT NULL,
        metadata    TEXT NOT NULL,
        create_time INTEGER NOT NULL,
        update_time INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX wallet_ledger_user_time ON wallet_ledger (user_id, create_time, id);
    `,
  },
];

/** PostgreSQL: the same table with native types. */
const POSTGRES: readonly Migration[] = [
  {
    feature: 'wallets',
    version: 1,
    name: 'wallet ledger',
    sql: `
      CREATE TABLE wallet_ledger (
        id          UUID PRIMARY KEY,
        user_id     UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        changeset   TEXT NOT NULL,
        metadata    TEXT NOT NULL,
        create_time TIMESTAMPTZ NOT NULL,
        update_time TIMESTAMPTZ NOT NULL
      );
      CREATE INDEX wallet_ledger_user_time_idx ON wallet_ledger (user_id, create_time, id);
    `,
  },
];

/** The wallets feature's migrations; append new versions, never edit released ones. */
export const WALLET_MIGRATIONS: FeatureMigrations = { sqlite: SQLITE, postgres: POSTGRES };
