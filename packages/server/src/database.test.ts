/**
 * Opening the server's database as `startServer` does: the old storage classes' open-and-migrate
 * behaviour (schema created, migrations recorded once, tables kept in their schema), now through the
 * port and the per-feature runner.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { newTestSchema, POSTGRES_TEST_URL, postgresAvailable } from '../test/postgres.ts';
import { type DatabaseSettings, openDatabase } from './database.ts';
import { MigrationError } from './db/errors.ts';
import { SQLITE_FILE_NAME } from './db/sqlite-db.ts';

const LEDGER = [
  'accounts 1',
  'accounts 2',
  'accounts 3',
  'chat 1',
  'chat 2',
  'friends 1',
  'groups 1',
  'leaderboards 1',
  'leaderboards 2',
  'notifications 1',
  'storage 1',
  'wallets 1',
];
const TABLES = [
  'chat_messages',
  'friend_edges',
  'group_members',
  'groups',
  'leaderboard_records',
  'leaderboards',
  'notifications',
  'revoked_sessions',
  'revoked_users',
  'storage_objects',
  'tether_schema_migrations',
  'user_devices',
  'user_tombstones',
  'users',
  'wallet_ledger',
];

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

function sqliteSettings(): DatabaseSettings {
  const data = mkdtempSync(join(tmpdir(), 'tether-database-'));
  cleanups.push(() => rmSync(data, { recursive: true, force: true }));
  return { data, database: 'sqlite', databaseSchema: undefined, databasePoolSize: 1 };
}

describe('openDatabase: sqlite', () => {
  it('opens the file in the data folder, records the migrations once and checkpoints on close', async () => {
    const settings = sqliteSettings();
    const file = join(settings.data, SQLITE_FILE_NAME);
    for (let start = 0; start < 2; start++) {
      const db = await openDatabase(settings);
      expect(db.dialect).toBe('sqlite');
      await db.close();
      // The WAL is folded into the file on close: the folder holds one self-contained database.
      expect(!existsSync(`${file}-wal`) || statSync(`${file}-wal`).size === 0).toBe(true);
    }
    const raw = new Database(file, { readonly: true });
    try {
      expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
      const ledger = raw
        .prepare('SELECT feature, version FROM tether_schema_migrations ORDER BY feature, version')
        .all() as { feature: string; version: number }[];
      expect(ledger.map((r) => `${r.feature} ${r.version}`)).toEqual(LEDGER);
      const tables = raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all();
      expect(tables).toEqual(TABLES.map((name) => ({ name })));
    } finally {
      raw.close();
    }
  });

  it('refuses a database written by a newer server, naming the migration it does not know', async () => {
    const settings = sqliteSettings();
    await (await openDatabase(settings)).close();
    const raw = new Database(join(settings.data, SQLITE_FILE_NAME));
    raw
      .prepare(
        'INSERT INTO tether_schema_migrations (feature, version, name, applied_at) VALUES (?, ?, ?, ?)',
      )
      .run('chat', 99, 'from the future', Date.now());
    raw.close();
    const err = await openDatabase(settings).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MigrationError);
    expect((err as Error).message).toContain('chat 99');
  });

  it('names the file when the data folder cannot be used', async () => {
    const settings = sqliteSettings();
    // A regular file where the data folder should be.
    const blocked = join(settings.data, 'not-a-dir');
    new Database(blocked).close();
    await expect(openDatabase({ ...settings, data: blocked })).rejects.toThrow(/not-a-dir/);
  });
});

describe('openDatabase: postgres', async () => {
  if (!(await postgresAvailable('openDatabase'))) {
    it.skip('PostgreSQL is unreachable (see the warning above)', () => {});
    return;
  }

  it('creates its schema, records the migrations once and keeps the tables out of public', async () => {
    const schema = newTestSchema();
    cleanups.push(() => schema.drop());
    const settings: DatabaseSettings = {
      data: 'unused',
      database: POSTGRES_TEST_URL,
      databaseSchema: schema.name,
      databasePoolSize: 2,
    };
    for (let start = 0; start < 2; start++) {
      const db = await openDatabase(settings);
      expect(db.dialect).toBe('postgres');
      await db.close();
    }
    const client = new pg.Client({ connectionString: POSTGRES_TEST_URL });
    await client.connect();
    cleanups.push(() => client.end());
    const ledger = await client.query<{ entry: string }>(
      `SELECT feature || ' ' || version AS entry FROM "${schema.name}".tether_schema_migrations ORDER BY feature, version`,
    );
    expect(ledger.rows.map((r) => r.entry)).toEqual(LEDGER);
    const tables = await client.query<{ table_name: string }>(
      'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name',
      [schema.name],
    );
    expect(tables.rows.map((r) => r.table_name)).toEqual(TABLES);
  });

  it('fails with the server address and without the password when it cannot connect', async () => {
    const err = await openDatabase({
      data: 'unused',
      database: 'postgres://someone:secret-pw@127.0.0.1:1/nothing',
      databaseSchema: undefined,
      databasePoolSize: 1,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain('127.0.0.1:1/nothing');
    expect((err as Error).message).not.toContain('secret-pw');
  });
});
