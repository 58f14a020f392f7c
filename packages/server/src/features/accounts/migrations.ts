import type { FeatureMigrations, Migration } from '../../db/migrations.ts';

/**
 * The accounts feature's tables: users (profile, email + password hash, custom id, wallet), linked
 * devices, revoked sessions and users, and tombstones of deleted accounts. Other features reference `users`, so the composition root
 * migrates accounts first. The SQL is exactly what the single global list (versions 1 and 3) held.
 */

/**
 * SQLite. Times are Unix milliseconds (INTEGER). Usernames are unique regardless of ASCII case
 * (`COLLATE NOCASE`), so "Bob" and "bob" cannot both exist.
 */
const SQLITE: readonly Migration[] = [
  {
    feature: 'accounts',
    version: 1,
    name: 'accounts, devices, revocations',
    sql: `
      CREATE TABLE users (
        id            TEXT PRIMARY KEY,
        username      TEXT NOT NULL COLLATE NOCASE UNIQUE,
        display_name  TEXT,
        avatar_url    TEXT,
        lang_tag      TEXT NOT NULL DEFAULT 'en',
        location      TEXT,
        timezone      TEXT,
        metadata      TEXT NOT NULL DEFAULT '{}',
        wallet        TEXT NOT NULL DEFAULT '{}',
        email         TEXT UNIQUE,
        password_hash TEXT,
        custom_id     TEXT UNIQUE,
        create_time   INTEGER NOT NULL,
        update_time   INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE user_devices (
        id      TEXT PRIMARY KEY,
        user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE
      ) STRICT;
      CREATE INDEX user_devices_user_id ON user_devices (user_id);
      CREATE TABLE revoked_sessions (
        token_id   TEXT PRIMARY KEY,
        user_id    TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX revoked_sessions_expires_at ON revoked_sessions (expires_at);
      CREATE TABLE revoked_users (
        user_id        TEXT PRIMARY KEY,
        started_before INTEGER NOT NULL,
        expires_at     INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX revoked_users_expires_at ON revoked_users (expires_at);
    `,
  },
  {
    feature: 'accounts',
    version: 2,
    name: 'user bans (disable_time)',
    // NULL means "not banned" (Nakama stores the Unix epoch instead); no index: it is only read
    // with the user row it belongs to.
    sql: `
      ALTER TABLE users ADD COLUMN disable_time INTEGER;
    `,
  },
  {
    feature: 'accounts',
    version: 3,
    name: 'deleted accounts (user_tombstones)',
    // Written when server code deletes an account "recorded" (Nakama's user_tombstone): when it went.
    sql: `
      CREATE TABLE user_tombstones (
        user_id     TEXT PRIMARY KEY,
        create_time INTEGER NOT NULL
      ) STRICT;
    `,
  },
];

/**
 * PostgreSQL: the same tables and constraints with native types. Constraint names matter: the store
 * maps unique violations to fields by name.
 */
const POSTGRES: readonly Migration[] = [
  {
    feature: 'accounts',
    version: 1,
    name: 'accounts, devices, revocations',
    sql: `
      CREATE TABLE users (
        id            UUID PRIMARY KEY,
        username      VARCHAR(128) NOT NULL,
        display_name  VARCHAR(255),
        avatar_url    VARCHAR(512),
        lang_tag      VARCHAR(18) NOT NULL DEFAULT 'en',
        location      VARCHAR(255),
        timezone      VARCHAR(255),
        metadata      TEXT NOT NULL DEFAULT '{}',
        wallet        TEXT NOT NULL DEFAULT '{}',
        email         VARCHAR(255) CONSTRAINT users_email_key UNIQUE,
        password_hash TEXT,
        custom_id     VARCHAR(128) CONSTRAINT users_custom_id_key UNIQUE,
        create_time   TIMESTAMPTZ NOT NULL,
        update_time   TIMESTAMPTZ NOT NULL
      );
      -- Usernames are unique regardless of case, like SQLite's NOCASE column.
      CREATE UNIQUE INDEX users_username_key ON users (lower(username));
      CREATE TABLE user_devices (
        id      VARCHAR(128) CONSTRAINT user_devices_pkey PRIMARY KEY,
        user_id UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE
      );
      CREATE INDEX user_devices_user_id_idx ON user_devices (user_id);
      CREATE TABLE revoked_sessions (
        token_id   UUID PRIMARY KEY,
        user_id    UUID NOT NULL,
        expires_at TIMESTAMPTZ NOT NULL
      );
      CREATE INDEX revoked_sessions_expires_at_idx ON revoked_sessions (expires_at);
      CREATE TABLE revoked_users (
        user_id        UUID PRIMARY KEY,
        started_before TIMESTAMPTZ NOT NULL,
        expires_at     TIMESTAMPTZ NOT NULL
      );
      CREATE INDEX revoked_users_expires_at_idx ON revoked_users (expires_at);
    `,
  },
  {
    feature: 'accounts',
    version: 2,
    name: 'user bans (disable_time)',
    // NULL means "not banned" (Nakama stores the Unix epoch instead). Adding a nullable column with
    // no default is a catalog change only: no table rewrite, however many users there are.
    sql: `
      ALTER TABLE users ADD COLUMN disable_time TIMESTAMPTZ;
    `,
  },
  {
    feature: 'accounts',
    version: 3,
    name: 'deleted accounts (user_tombstones)',
    // Written when server code deletes an account "recorded" (Nakama's user_tombstone): when it went.
    sql: `
      CREATE TABLE user_tombstones (
        user_id     UUID PRIMARY KEY,
        create_time TIMESTAMPTZ NOT NULL
      );
    `,
  },
];

/** The accounts feature's migrations; append new versions, never edit released ones. */
export const ACCOUNT_MIGRATIONS: FeatureMigrations = { sqlite: SQLITE, postgres: POSTGRES };
