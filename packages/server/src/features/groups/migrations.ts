import type { FeatureMigrations, Migration } from '../../db/migrations.ts';

/**
 * The groups feature's tables: groups, and one row per (group, user) relationship with its state
 * (0 superadmin, 1 admin, 2 member, 3 join request, 4 banned). `edge_count` counts states 0–2 and
 * can never exceed `max_count` (a CHECK backs the service's locking). `name_key` is the name folded to
 * lower case: names are unique regardless of case, and name listings are prefix scans over it.
 * Memberships reference `users` with cascade delete; accounts migrate first.
 */

/** SQLite; times are Unix milliseconds, `open` is 0 or 1. */
const SQLITE: readonly Migration[] = [
  {
    feature: 'groups',
    version: 1,
    name: 'groups and members',
    sql: `
      CREATE TABLE groups (
        id          TEXT PRIMARY KEY,
        creator_id  TEXT,
        name        TEXT NOT NULL,
        name_key    TEXT NOT NULL UNIQUE,
        description TEXT,
        avatar_url  TEXT,
        lang_tag    TEXT NOT NULL,
        metadata    TEXT NOT NULL,
        open        INTEGER NOT NULL CHECK (open IN (0, 1)),
        edge_count  INTEGER NOT NULL CHECK (edge_count >= 0),
        max_count   INTEGER NOT NULL CHECK (max_count >= 1),
        create_time INTEGER NOT NULL,
        update_time INTEGER NOT NULL,
        CHECK (edge_count <= max_count)
      ) STRICT;
      -- Listings by language are keyset scans in id order.
      CREATE INDEX groups_lang ON groups (lang_tag, id);
      CREATE TABLE group_members (
        group_id    TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
        user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        state       INTEGER NOT NULL CHECK (state BETWEEN 0 AND 4),
        position    INTEGER NOT NULL,
        update_time INTEGER NOT NULL,
        PRIMARY KEY (group_id, user_id)
      ) STRICT, WITHOUT ROWID;
      -- Member lists: keyset scans in (state, position, user_id) order within one group.
      CREATE INDEX group_members_list ON group_members (group_id, state, position, user_id);
      -- A user's groups: the same order within one user.
      CREATE INDEX group_members_user ON group_members (user_id, state, position, group_id);
    `,
  },
];

/** PostgreSQL: the same tables with native types; `name_key` compares bytewise (like SQLite). */
const POSTGRES: readonly Migration[] = [
  {
    feature: 'groups',
    version: 1,
    name: 'groups and members',
    sql: `
      CREATE TABLE groups (
        id          UUID PRIMARY KEY,
        creator_id  UUID,
        name        TEXT NOT NULL,
        name_key    TEXT COLLATE "C" NOT NULL CONSTRAINT groups_name_key UNIQUE,
        description TEXT,
        avatar_url  TEXT,
        lang_tag    TEXT NOT NULL,
        metadata    TEXT NOT NULL,
        open        BOOLEAN NOT NULL,
        edge_count  INTEGER NOT NULL CHECK (edge_count >= 0),
        max_count   INTEGER NOT NULL CHECK (max_count >= 1),
        create_time TIMESTAMPTZ NOT NULL,
        update_time TIMESTAMPTZ NOT NULL,
        CHECK (edge_count <= max_count)
      );
      -- Listings by language are keyset scans in id order.
      CREATE INDEX groups_lang_idx ON groups (lang_tag, id);
      CREATE TABLE group_members (
        group_id    UUID NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
        user_id     UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        state       SMALLINT NOT NULL CHECK (state BETWEEN 0 AND 4),
        position    BIGINT NOT NULL,
        update_time TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (group_id, user_id)
      );
      -- Member lists: keyset scans in (state, position, user_id) order within one group.
      CREATE INDEX group_members_list_idx ON group_members (group_id, state, position, user_id);
      -- A user's groups: the same order within one user.
      CREATE INDEX group_members_user_idx ON group_members (user_id, state, position, group_id);
    `,
  },
];

/** The groups feature's migrations; append new versions, never edit released ones. */
export const GROUP_MIGRATIONS: FeatureMigrations = { sqlite: SQLITE, postgres: POSTGRES };
