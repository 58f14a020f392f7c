import type { FeatureMigrations, Migration } from '../../db/migrations.ts';

/**
 * The storage feature's table: storage objects, keyed by (collection, key, owner). System-owned
 * objects have the nil UUID as `user_id`. `owner_id` repeats `user_id` for objects a user owns and
 * is NULL for system-owned ones: it carries the foreign key to `users`, so an object can never
 * outlive its user (a write racing the account's deletion fails instead of leaving an orphan), and a
 * NULL skips the check, so system objects need no user row. Values are JSON text, kept exactly as
 * written (their version is the MD5 of that text).
 *
 * Indexes serve the three listings: every owner's objects of a collection in (read, key, user_id)
 * order, and one owner's in (read, key) order (that index also serves the foreign key's cascade).
 */

/** SQLite; times are Unix milliseconds. */
const SQLITE: readonly Migration[] = [
  {
    feature: 'storage',
    version: 1,
    name: 'storage objects',
    sql: `
      CREATE TABLE storage_objects (
        collection  TEXT NOT NULL,
        key         TEXT NOT NULL,
        user_id     TEXT NOT NULL,
        owner_id    TEXT REFERENCES users (id) ON DELETE CASCADE,
        value       TEXT NOT NULL,
        version     TEXT NOT NULL,
        read        INTEGER NOT NULL CHECK (read BETWEEN 0 AND 2),
        write       INTEGER NOT NULL CHECK (write BETWEEN 0 AND 1),
        create_time INTEGER NOT NULL,
        update_time INTEGER NOT NULL,
        PRIMARY KEY (collection, key, user_id),
        CHECK (owner_id IS user_id OR (owner_id IS NULL AND user_id = '00000000-0000-0000-0000-000000000000'))
      ) STRICT;
      CREATE INDEX storage_objects_listing ON storage_objects (collection, read, key, user_id);
      CREATE INDEX storage_objects_owner ON storage_objects (owner_id, collection, read, key);
    `,
  },
];

/**
 * PostgreSQL: the same table with native types. Collection and key compare byte-wise (`COLLATE "C"`,
 * as SQLite's BINARY does), so listings come back in the same order on both backends.
 */
const POSTGRES: readonly Migration[] = [
  {
    feature: 'storage',
    version: 1,
    name: 'storage objects',
    sql: `
      CREATE TABLE storage_objects (
        collection  VARCHAR(128) COLLATE "C" NOT NULL,
        key         VARCHAR(128) COLLATE "C" NOT NULL,
        user_id     UUID NOT NULL,
        owner_id    UUID REFERENCES users (id) ON DELETE CASCADE,
        value       TEXT NOT NULL,
        version     VARCHAR(32) NOT NULL,
        read        SMALLINT NOT NULL CHECK (read BETWEEN 0 AND 2),
        write       SMALLINT NOT NULL CHECK (write BETWEEN 0 AND 1),
        create_time TIMESTAMPTZ NOT NULL,
        update_time TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (collection, key, user_id),
        CHECK (owner_id IS NOT DISTINCT FROM nullif(user_id, '00000000-0000-0000-0000-000000000000'))
      );
      CREATE INDEX storage_objects_listing_idx ON storage_objects (collection, read, key, user_id);
      CREATE INDEX storage_objects_owner_idx ON storage_objects (owner_id, collection, read, key);
    `,
  },
];

/** The storage feature's migrations; append new versions, never edit released ones. */
export const STORAGE_MIGRATIONS: FeatureMigrations = { sqlite: SQLITE, postgres: POSTGRES };
