import type { FeatureMigrations, Migration } from '../../db/migrations.ts';

/**
 * The leaderboard feature's tables: boards (leaderboards and tournaments, one table as in Nakama)
 * and records keyed by (board, expiry period, owner). Owners are not a foreign key to `users`:
 * server code may rank any UUID (a group, a clan); account deletion removes a user's records through
 * the service. `leaderboard_records_rank` serves keyset pages and "around owner" windows in rank order.
 */

/** SQLite; create/update times are Unix milliseconds, start/end/expiry times Unix seconds. */
const SQLITE: readonly Migration[] = [
  {
    feature: 'leaderboards',
    version: 1,
    name: 'leaderboards, tournaments, records',
    sql: `
      CREATE TABLE leaderboards (
        id             TEXT PRIMARY KEY,
        authoritative  INTEGER NOT NULL,
        sort_order     INTEGER NOT NULL,
        operator       INTEGER NOT NULL,
        reset_schedule TEXT,
        metadata       TEXT NOT NULL,
        create_time    INTEGER NOT NULL,
        tournament     INTEGER NOT NULL,
        category       INTEGER NOT NULL,
        title          TEXT NOT NULL,
        description    TEXT NOT NULL,
        duration       INTEGER NOT NULL,
        start_time     INTEGER NOT NULL,
        end_time       INTEGER NOT NULL,
        max_size       INTEGER NOT NULL,
        max_num_score  INTEGER NOT NULL,
        join_required  INTEGER NOT NULL,
        size           INTEGER NOT NULL DEFAULT 0,
        size_expiry    INTEGER NOT NULL DEFAULT 0
      ) STRICT;
      CREATE TABLE leaderboard_records (
        leaderboard_id TEXT NOT NULL REFERENCES leaderboards (id) ON DELETE CASCADE,
        expiry_time    INTEGER NOT NULL,
        owner_id       TEXT NOT NULL,
        username       TEXT,
        score          INTEGER NOT NULL CHECK (score >= 0),
        subscore       INTEGER NOT NULL CHECK (subscore >= 0),
        num_score      INTEGER NOT NULL,
        max_num_score  INTEGER NOT NULL,
        metadata       TEXT NOT NULL,
        create_time    INTEGER NOT NULL,
        update_time    INTEGER NOT NULL,
        PRIMARY KEY (leaderboard_id, expiry_time, owner_id)
      ) STRICT;
      CREATE INDEX leaderboard_records_rank
        ON leaderboard_records (leaderboard_id, expiry_time, score, subscore, owner_id);
      CREATE INDEX leaderboard_records_owner ON leaderboard_records (owner_id);
    `,
  },
  {
    feature: 'leaderboards',
    version: 2,
    name: 'rank index covers the record',
    // The rank index carries every column a scan reads, so a page or "around owner" window reads
    // the index alone, in order, instead of one table look-up per record (100 records at a random
    // rank of a million: 0.24 -> 0.12 ms). Costs: the index is about as large as the table, and
    // every record write rewrites its entry (a write bumps num_score and update_time anyway).
    // The columns after owner_id never decide the order (owner_id is unique within a period).
    sql: `
      DROP INDEX leaderboard_records_rank;
      CREATE INDEX leaderboard_records_rank ON leaderboard_records (
        leaderboard_id, expiry_time, score, subscore, owner_id,
        username, num_score, max_num_score, metadata, create_time, update_time
      );
    `,
  },
];

/** PostgreSQL: the same tables with native types (scores are BIGINT, owners UUID). */
const POSTGRES: readonly Migration[] = [
  {
    feature: 'leaderboards',
    version: 1,
    name: 'leaderboards, tournaments, records',
    sql: `
      CREATE TABLE leaderboards (
        id             VARCHAR(128) PRIMARY KEY,
        authoritative  BOOLEAN NOT NULL,
        sort_order     SMALLINT NOT NULL,
        operator       SMALLINT NOT NULL,
        reset_schedule VARCHAR(256),
        metadata       TEXT NOT NULL,
        create_time    TIMESTAMPTZ NOT NULL,
        tournament     BOOLEAN NOT NULL,
        category       SMALLINT NOT NULL,
        title          TEXT NOT NULL,
        description    TEXT NOT NULL,
        duration       INTEGER NOT NULL,
        start_time     BIGINT NOT NULL,
        end_time       BIGINT NOT NULL,
        max_size       INTEGER NOT NULL,
        max_num_score  INTEGER NOT NULL,
        join_required  BOOLEAN NOT NULL,
        size           INTEGER NOT NULL DEFAULT 0,
        size_expiry    BIGINT NOT NULL DEFAULT 0
      );
      CREATE TABLE leaderboard_records (
        leaderboard_id VARCHAR(128) NOT NULL REFERENCES leaderboards (id) ON DELETE CASCADE,
        expiry_time    BIGINT NOT NULL,
        owner_id       UUID NOT NULL,
        username       VARCHAR(128),
        score          BIGINT NOT NULL CHECK (score >= 0),
        subscore       BIGINT NOT NULL CHECK (subscore >= 0),
        num_score      INTEGER NOT NULL,
        max_num_score  INTEGER NOT NULL,
        metadata       TEXT NOT NULL,
        create_time    TIMESTAMPTZ NOT NULL,
        update_time    TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (leaderboard_id, expiry_time, owner_id)
      );
      CREATE INDEX leaderboard_records_rank_idx
        ON leaderboard_records (leaderboard_id, expiry_time, score, subscore, owner_id);
      CREATE INDEX leaderboard_records_owner_idx ON leaderboard_records (owner_id);
    `,
  },
  {
    feature: 'leaderboards',
    version: 2,
    name: 'rank index covers the record',
    // Not on PostgreSQL: a B-tree entry holds at most about 2.7 KB, and record metadata has no
    // smaller limit, so an index holding it would refuse large records; an index-only scan also
    // needs pages marked all-visible by VACUUM, and an index holding num_score and update_time
    // would rule out heap-only (HOT) updates, which today let a write that keeps the score leave
    // the indexes alone. The rank index stays keys-only; the comment records that in the catalogue.
    sql: `
      COMMENT ON INDEX leaderboard_records_rank_idx IS
        'rank order only: records are read from the table (SQLite covers them; see migration 2)';
    `,
  },
];

/** The leaderboard feature's migrations; append new versions, never edit released ones. */
export const LEADERBOARD_MIGRATIONS: FeatureMigrations = { sqlite: SQLITE, postgres: POSTGRES };
