import type { FeatureMigrations, Migration } from '../../db/migrations.ts';

/**
 * The friends feature's table: the social graph as directed edges (Nakama's `user_edge`). A pending
 * invite A→B is two rows, A→B state 1 and B→A state 2; a friendship is both rows in state 0; a block
 * is one row A→B state 3. Both ends reference `users` with cascade delete, so deleting an account
 * takes its edges with it. It references `users`, so accounts migrate first.
 */

/** SQLite; times are Unix milliseconds. */
const SQLITE: readonly Migration[] = [
  {
    feature: 'friends',
    version: 1,
    name: 'friend edges',
    sql: `
      CREATE TABLE friend_edges (
        user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        other_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        state       INTEGER NOT NULL CHECK (state BETWEEN 0 AND 3),
        position    INTEGER NOT NULL,
        update_time INTEGER NOT NULL,
        metadata    TEXT NOT NULL DEFAULT '{}',
        PRIMARY KEY (user_id, other_id)
      ) STRICT, WITHOUT ROWID;
      -- Friend lists are keyset scans in (state, position, other_id) order within one user.
      CREATE INDEX friend_edges_list ON friend_edges (user_id, state, position, other_id);
      -- The cascade from users (other end) looks edges up by other_id.
      CREATE INDEX friend_edges_other ON friend_edges (other_id);
    `,
  },
];

/** PostgreSQL: the same table with native types. */
const POSTGRES: readonly Migration[] = [
  {
    feature: 'friends',
    version: 1,
    name: 'friend edges',
    sql: `
      CREATE TABLE friend_edges (
        user_id     UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        other_id    UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        state       SMALLINT NOT NULL CHECK (state BETWEEN 0 AND 3),
        position    BIGINT NOT NULL,
        update_time TIMESTAMPTZ NOT NULL,
        metadata    TEXT NOT NULL DEFAULT '{}',
        PRIMARY KEY (user_id, other_id)
      );
      -- Friend lists are keyset scans in (state, position, other_id) order within one user.
      CREATE INDEX friend_edges_list_idx ON friend_edges (user_id, state, position, other_id);
      -- The cascade from users (other end) looks edges up by other_id.
      CREATE INDEX friend_edges_other_idx ON friend_edges (other_id);
    `,
  },
];

/** The friends feature's migrations; append new versions, never edit released ones. */
export const FRIEND_MIGRATIONS: FeatureMigrations = { sqlite: SQLITE, postgres: POSTGRES };
