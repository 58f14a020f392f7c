import type { FeatureMigrations, Migration } from '../../db/migrations.ts';

/**
 * The chat feature's table: persisted channel history. The SQL is exactly the chat half of what the
 * single global list held as version 2.
 */

/** SQLite; times are Unix milliseconds. */
const SQLITE: readonly Migration[] = [
  {
    feature: 'chat',
    version: 1,
    name: 'chat messages',
    sql: `
      CREATE TABLE chat_messages (
        id          TEXT PRIMARY KEY,
        channel_id  TEXT NOT NULL,
        code        INTEGER NOT NULL,
        sender_id   TEXT NOT NULL,
        username    TEXT NOT NULL,
        content     TEXT NOT NULL,
        create_time INTEGER NOT NULL,
        update_time INTEGER NOT NULL
      ) STRICT;
      -- History pages are keyset scans in (create_time, id) order within one channel.
      CREATE INDEX chat_messages_channel_time ON chat_messages (channel_id, create_time, id);
    `,
  },
  {
    feature: 'chat',
    version: 2,
    name: 'chat messages by sender',
    // A deleted account's messages go with it (as Nakama's foreign key does): found by sender.
    sql: `
      CREATE INDEX chat_messages_sender ON chat_messages (sender_id);
    `,
  },
];

/** PostgreSQL: the same table with native types. */
const POSTGRES: readonly Migration[] = [
  {
    feature: 'chat',
    version: 1,
    name: 'chat messages',
    sql: `
      CREATE TABLE chat_messages (
        id          UUID PRIMARY KEY,
        channel_id  TEXT NOT NULL,
        code        INTEGER NOT NULL,
        sender_id   UUID NOT NULL,
        username    VARCHAR(128) NOT NULL,
        content     TEXT NOT NULL,
        create_time TIMESTAMPTZ NOT NULL,
        update_time TIMESTAMPTZ NOT NULL
      );
      -- History pages are keyset scans in (create_time, id) order within one channel.
      CREATE INDEX chat_messages_channel_time_idx ON chat_messages (channel_id, create_time, id);
    `,
  },
  {
    feature: 'chat',
    version: 2,
    name: 'chat messages by sender',
    // A deleted account's messages go with it (as Nakama's foreign key does): found by sender.
    sql: `
      CREATE INDEX chat_messages_sender_idx ON chat_messages (sender_id);
    `,
  },
];

/** The chat feature's migrations; append new versions, never edit released ones. */
export const CHAT_MIGRATIONS: FeatureMigrations = { sqlite: SQLITE, postgres: POSTGRES };
