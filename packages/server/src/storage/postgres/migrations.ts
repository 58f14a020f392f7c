import type { PoolClient } from 'pg';

/** One forward-only schema change. Versions are applied in order and never edited once released. */
export interface PostgresMigration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

/**
 * The PostgreSQL schema, oldest first; it mirrors the SQLite one (same tables and constraints) with
 * native types. New features append entries. Constraint names matter: the
 * adapter maps unique violations to fields by name.
 */
export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  {
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
    version: 2,
    name: 'chat messages, notifications',
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
  {
    version: 3,
    name: 'user bans (disable_time)',
    // NULL means "not banned" (Nakama stores the Unix epoch instead). Adding a nullable column with
    // no default is a catalog change only: no table rewrite, however many users there are.
    sql: `
      ALTER TABLE users ADD COLUMN disable_time TIMESTAMPTZ;
    `,
  },
];

/**
 * Brings the schema up to the newest version inside one transaction. A transaction-scoped advisory
 * lock (keyed by schema) makes concurrent starts (several nodes, parallel test runs sharing a schema)
 * take turns instead of racing. Creates `schema` first when one is configured. Returns the versions
 * it applied.
 */
export async function migratePostgres(
  client: PoolClient,
  schema: string | undefined,
  migrations: readonly PostgresMigration[] = POSTGRES_MIGRATIONS,
): Promise<number[]> {
  await client.query('BEGIN');
  try {
    await client.query("SELECT pg_advisory_xact_lock(hashtext('tether_migrations:' || $1::text))", [
      schema ?? '',
    ]);
    if (schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    await client.query(`CREATE TABLE IF NOT EXISTS tether_migrations (
      version    INTEGER PRIMARY KEY,
      name       TEXT NOT NULL,
      applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )`);
    const { rows } = await client.query<{ version: number }>('SELECT version FROM tether_migrations');
    const done = new Set(rows.map((r) => r.version));
    const applied: number[] = [];
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await client.query(m.sql);
      await client.query('INSERT INTO tether_migrations (version, name) VALUES ($1, $2)', [
        m.version,
        m.name,
      ]);
      applied.push(m.version);
    }
    await client.query('COMMIT');
    return applied;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}

/** Quotes an SQL identifier (schema names come from configuration, already restricted to [a-z0-9_]). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
