import type BetterSqlite3 from 'better-sqlite3';

type Database = BetterSqlite3.Database;

/** One forward-only schema change. Versions are applied in order and never edited once released. */
export interface SqliteMigration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/**
 * The SQLite schema, oldest first; new features append entries.
 * Times are Unix milliseconds (INTEGER). Usernames are unique regardless of ASCII case
 * (`COLLATE NOCASE`), so "Bob" and "bob" cannot both exist.
 */
export const SQLITE_MIGRATIONS: readonly SqliteMigration[] = [
  {
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
    version: 2,
    name: 'chat messages, notifications',
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
  {
    version: 3,
    name: 'user bans (disable_time)',
    // NULL means "not banned" (Nakama stores the Unix epoch instead); no index: it is only read
    // with the user row it belongs to.
    sql: `
      ALTER TABLE users ADD COLUMN disable_time INTEGER;
    `,
  },
];

/**
 * Brings the database up to the newest version. Runs under `BEGIN IMMEDIATE`, so two processes
 * opening the same file cannot both apply a migration; a failed migration rolls back whole.
 * Returns the versions it applied.
 */
export function migrateSqlite(
  db: Database,
  migrations: readonly SqliteMigration[] = SQLITE_MIGRATIONS,
): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS tether_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at INTEGER NOT NULL
  ) STRICT`);
  const run = db.transaction(() => {
    const done = new Set(
      (db.prepare('SELECT version FROM tether_migrations').all() as { version: number }[]).map(
        (r) => r.version,
      ),
    );
    const applied: number[] = [];
    const record = db.prepare('INSERT INTO tether_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      db.exec(m.sql);
      record.run(m.version, m.name, Date.now());
      applied.push(m.version);
    }
    return applied;
  });
  return run.immediate();
}
