import type { FeatureMigrations, Migration } from '../../db/migrations.ts';

/**
 * The notifications feature's table. It references `users`, so accounts migrate first. The SQL is
 * exactly the notification half of what the single global list held as version 2.
 */

/** SQLite; times are Unix milliseconds. */
const SQLITE: readonly Migration[] = [
  {
    feature: 'notifications',
    version: 1,
    name: 'notifications',
    sql: `
      CREATE TABLE notifications (
        id          TEXT PRIMARY KEY,
        user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        subject     TEXT NOT NULL,
        content     TEXT NOT NULL,
        code        INTEGER NOT NULL,
        sender_id   TEXT,
        create_time INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX notifications_user_time ON notifications (user_id, create_time, id);
    `,
  },
];

/** PostgreSQL: the same table with native types. */
const POSTGRES: readonly Migration[] = [
  {
    feature: 'notifications',
    version: 1,
    name: 'notifications',
    sql: `
      CREATE TABLE notifications (
        id          UUID PRIMARY KEY,
        user_id     UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        subject     VARCHAR(255) NOT NULL,
        content     TEXT NOT NULL,
        code        INTEGER NOT NULL,
        sender_id   UUID,
        create_time TIMESTAMPTZ NOT NULL
      );
      CREATE INDEX notifications_user_time_idx ON notifications (user_id, create_time, id);
    `,
  },
];

/** The notifications feature's migrations; append new versions, never edit released ones. */
export const NOTIFICATION_MIGRATIONS: FeatureMigrations = { sqlite: SQLITE, postgres: POSTGRES };
