/**
 * The upgrade from the single global migration list (schema v3, table `tether_migrations`) to the
 * per-feature lists, on databases written by the old code (fixtures/schema-v3, see make-fixture.ts
 * there), and the proof that the per-feature lists, cut down to the versions the old list held, build
 * exactly the schema the old list built (later migrations are applied on top when adopting). The
 * upgrade goes through `openDatabase`, as `startServer` does; the old list and runner are kept frozen
 * in the fixtures folder to write older databases.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { type DatabaseSettings, openDatabase } from '../src/database.ts';
import type { LedgerEntry } from '../src/db/migration-ledger.ts';
import { type FeatureMigrations, migrate } from '../src/db/migrations.ts';
import { openPostgresDb } from '../src/db/open-postgres.ts';
import { openSqliteDb, SQLITE_FILE_NAME } from '../src/db/sqlite-db.ts';
import { createLogger } from '../src/observability/logger.ts';
import { SCHEMA_MIGRATIONS } from '../src/schema.ts';
import { migratePostgres, POSTGRES_MIGRATIONS } from './fixtures/schema-v3/postgres-global-migrations.ts';
import { migrateSqlite, SQLITE_MIGRATIONS } from './fixtures/schema-v3/sqlite-global-migrations.ts';
import { newTestSchema, POSTGRES_TEST_URL, postgresAvailable, type TestSchema } from './postgres.ts';
import { postgresSchema, sqliteSchema } from './schema-snapshot.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'schema-v3');
const DATA_TABLES = [
  'users',
  'user_devices',
  'revoked_sessions',
  'revoked_users',
  'chat_messages',
  'notifications',
];
const TIME_COLUMNS = new Set(['create_time', 'update_time', 'disable_time', 'expires_at', 'started_before']);
const U = {
  alice: '0193a5c0-0000-7000-8000-000000000001',
  bob: '0193a5c0-0000-7000-8000-000000000002',
  carol: '0193a5c0-0000-7000-8000-000000000003',
};
const user = (id: string, username: string, created: string) => ({
  id,
  username,
  display_name: null,
  avatar_url: null,
  lang_tag: 'en',
  location: null,
  timezone: null,
  metadata: '{}',
  wallet: '{}',
  email: null,
  password_hash: null,
  custom_id: null,
  create_time: created,
  update_time: created,
  disable_time: null,
});
const message = (n: number, channel: string, sender: string, username: string, text: string) => {
  const at = `2026-11-05T10:00:0${n - 1}.000Z`;
  const content = JSON.stringify({ text });
  const id = `0193a5c1-0000-7000-8000-00000000000${n}`;
  return {
    id,
    channel_id: channel,
    code: 0,
    sender_id: sender,
    username,
    content,
    create_time: at,
    update_time: at,
  };
};

/** Every row make-fixture.ts wrote, by table and primary key, times as ISO strings. */
const EXPECTED: Record<string, unknown[]> = {
  users: [
    {
      ...user(U.alice, 'alice', '2026-11-01T10:00:00.000Z'),
      display_name: 'Alice A.',
      avatar_url: 'https://example.com/a.png',
      lang_tag: 'fr',
      location: 'Lyon',
      timezone: 'Europe/Paris',
      metadata: '{"level":7}',
      update_time: '2026-11-02T09:00:00.000Z',
    },
    { ...user(U.bob, 'Bob', '2026-11-01T10:01:00.000Z'), custom_id: 'custom-bob-0001' },
    {
      ...user(U.carol, 'carol', '2026-11-01T10:02:00.000Z'),
      email: 'carol@example.com',
      password_hash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA',
      disable_time: '2026-11-03T00:00:00.000Z',
    },
  ],
  user_devices: [{ id: 'device-alice-0001', user_id: U.alice }],
  revoked_sessions: [
    {
      token_id: '0193a5c3-0000-7000-8000-000000000001',
      user_id: U.alice,
      expires_at: '2099-01-01T00:00:00.000Z',
    },
  ],
  revoked_users: [
    { user_id: U.bob, started_before: '2026-11-04T00:00:00.000Z', expires_at: '2099-01-01T00:00:00.000Z' },
  ],
  chat_messages: [
    message(1, '2...lobby', U.alice, 'alice', 'hello'),
    message(2, '2...lobby', U.bob, 'Bob', 'hi alice'),
    message(3, `4.${U.alice}.${U.bob}.`, U.bob, 'Bob', 'psst'),
  ],
  notifications: [
    {
      id: '0193a5c2-0000-7000-8000-000000000001',
      user_id: U.alice,
      subject: 'welcome',
      content: '{"gift":1}',
      code: 101,
      sender_id: null,
      create_time: '2026-11-06T10:00:00.000Z',
    },
    {
      id: '0193a5c2-0000-7000-8000-000000000002',
      user_id: U.bob,
      subject: 'poke',
      content: '{}',
      code: 102,
      sender_id: U.alice,
      create_time: '2026-11-06T10:00:01.000Z',
    },
  ],
};

const ADOPTED = [
  { feature: 'accounts', version: 1, name: 'accounts, devices, revocations' },
  { feature: 'chat', version: 1, name: 'chat messages' },
  { feature: 'notifications', version: 1, name: 'notifications' },
  { feature: 'accounts', version: 2, name: 'user bans (disable_time)' },
];
const adopted = (m: { feature: string; version: number }) =>
  ADOPTED.some((a) => a.feature === m.feature && a.version === m.version);
/** The per-feature lists cut down to what the global list held (schema v3). */
const V3_LISTS: FeatureMigrations[] = SCHEMA_MIGRATIONS.map((l) => ({
  sqlite: l.sqlite.filter(adopted),
  postgres: l.postgres.filter(adopted),
})).filter((l) => l.sqlite.length > 0);
/** Migrations added since the split, in the order the runner applies them after adopting v3. */
const NEWER: LedgerEntry[] = SCHEMA_MIGRATIONS.flatMap((l) =>
  l.sqlite.filter((m) => !adopted(m)).map(({ feature, version, name }) => ({ feature, version, name })),
);
const LEDGER = [...ADOPTED, ...NEWER]
  .map((m) => `${m.feature} ${m.version}`)
  .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
const LEGACY_LEDGER = ADOPTED.map((m) => `${m.feature} ${m.version}`);

/** SQLite milliseconds and PostgreSQL Dates alike become ISO strings. */
function normalise(rows: Record<string, unknown>[]): Record<string, unknown>[] {
  return rows.map((row) =>
    Object.fromEntries(
      Object.entries(row).map(([k, v]) => [
        k,
        TIME_COLUMNS.has(k) && v !== null ? new Date(v as number).toISOString() : v,
      ]),
    ),
  );
}

const primaryKey = (table: string) =>
  table.startsWith('revoked_') ? (table === 'revoked_users' ? 'user_id' : 'token_id') : 'id';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tether-forward-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** What the migration runner did, read from the server's log as an operator would. */
interface Report {
  adopted: LedgerEntry[];
  applied: LedgerEntry[];
}

/**
 * Opens the database as `startServer` does (`openDatabase`), closes it again, and returns what the
 * migration runner logged.
 */
async function serverStart(settings: Partial<DatabaseSettings>): Promise<Report> {
  const report: Report = { adopted: [], applied: [] };
  const logger = createLogger('info', {
    write(line: string) {
      const { msg, feature, version, name } = JSON.parse(line) as LedgerEntry & { msg: string };
      if (msg === 'adopted legacy migration') report.adopted.push({ feature, version, name });
      if (msg === 'applied migration') report.applied.push({ feature, version, name });
    },
  });
  const db = await openDatabase(
    { data: '', database: 'sqlite', databaseSchema: undefined, databasePoolSize: 2, ...settings },
    logger,
  );
  await db.close();
  return report;
}

/** A fresh SQLite database migrated with the lists cut down to schema v3. */
async function v3Sqlite(): Promise<string> {
  const file = join(tempDir(), SQLITE_FILE_NAME);
  const db = openSqliteDb({ file });
  await migrate(db, V3_LISTS);
  await db.close();
  return file;
}

/** A fresh SQLite database opened by the server, to compare schemas with. */
async function freshSqlite(): Promise<string> {
  const data = tempDir();
  await serverStart({ data });
  return join(data, SQLITE_FILE_NAME);
}

describe('forward migration: sqlite', () => {
  it('adopts a v3 database: every row unchanged, ledger translated, legacy table gone', async () => {
    const dir = tempDir();
    const file = join(dir, SQLITE_FILE_NAME);
    copyFileSync(join(FIXTURES, SQLITE_FILE_NAME), file);
    const read = (sql: string) => {
      const raw = new Database(file, { readonly: true });
      try {
        return raw.prepare(sql).all() as Record<string, unknown>[];
      } finally {
        raw.close();
      }
    };
    const dump = () =>
      Object.fromEntries(DATA_TABLES.map((t) => [t, read(`SELECT * FROM ${t} ORDER BY ${primaryKey(t)}`)]));
    const before = dump();
    const legacyAt = read('SELECT DISTINCT applied_at FROM tether_migrations');

    expect(await serverStart({ data: dir })).toEqual({ adopted: ADOPTED, applied: NEWER });
    expect(await serverStart({ data: dir })).toEqual({ adopted: [], applied: [] });

    const after = dump();
    expect(after).toEqual(before);
    expect(Object.fromEntries(Object.entries(after).map(([t, rows]) => [t, normalise(rows)]))).toEqual(
      EXPECTED,
    );
    const ledger = read(
      'SELECT feature, version, applied_at FROM tether_schema_migrations ORDER BY feature, version',
    );
    expect(ledger.map((r) => `${r.feature} ${r.version}`)).toEqual(LEDGER);
    const kept = ledger.filter((r) => LEGACY_LEDGER.includes(`${r.feature} ${r.version}`));
    expect(new Set(kept.map((r) => r.applied_at))).toEqual(new Set(legacyAt.map((r) => r.applied_at)));
    expect(read("SELECT name FROM sqlite_master WHERE name = 'tether_migrations'")).toEqual([]);
    expect(sqliteSchema(file)).toEqual(sqliteSchema(await freshSqlite()));
  });

  it('builds the same tables, columns and indexes as the global list did', async () => {
    const file = join(tempDir(), SQLITE_FILE_NAME);
    const raw = new Database(file);
    migrateSqlite(raw);
    raw.close();
    const old = sqliteSchema(file);
    expect(old.length).toBeGreaterThan(10);
    expect(sqliteSchema(await v3Sqlite())).toEqual(old);
  });

  it('adopts an older database (global v2) and applies what came after', async () => {
    const data = tempDir();
    const file = join(data, SQLITE_FILE_NAME);
    const raw = new Database(file);
    migrateSqlite(raw, SQLITE_MIGRATIONS.slice(0, 2));
    raw.close();
    const report = await serverStart({ data });
    expect(report).toEqual({ adopted: ADOPTED.slice(0, 3), applied: [ADOPTED[3], ...NEWER] });
    expect(sqliteSchema(file)).toEqual(sqliteSchema(await freshSqlite()));
  });
});

describe('forward migration: postgres', async () => {
  if (!(await postgresAvailable('forward migration'))) {
    it.skip('PostgreSQL is unreachable (see the warning above)', () => {});
    return;
  }

  /** A dedicated connection: the dump resets search_path, which must not leak into a pool. */
  async function client(): Promise<pg.Client> {
    const c = new pg.Client({ connectionString: POSTGRES_TEST_URL });
    await c.connect();
    cleanups.push(() => c.end());
    return c;
  }
  function schema(): TestSchema {
    const s = newTestSchema();
    cleanups.push(() => s.drop());
    return s;
  }
  const start = (s: TestSchema) => serverStart({ database: POSTGRES_TEST_URL, databaseSchema: s.name });
  async function fresh(): Promise<string> {
    const s = schema();
    await start(s);
    return s.name;
  }
  /** A fresh schema migrated with the lists cut down to schema v3. */
  async function v3(): Promise<string> {
    const s = schema();
    const db = await openPostgresDb({ url: POSTGRES_TEST_URL, schema: s.name, poolSize: 1 });
    try {
      await migrate(db, V3_LISTS);
    } finally {
      await db.close();
    }
    return s.name;
  }
  /** A schema written by the global list and runner, up to `versions` of it. */
  async function legacy(versions = POSTGRES_MIGRATIONS.length): Promise<TestSchema> {
    const s = schema();
    const pool = new pg.Pool({
      connectionString: POSTGRES_TEST_URL,
      max: 1,
      options: `-c search_path=${s.name}`,
    });
    cleanups.push(() => pool.end());
    const legacyClient = await pool.connect();
    try {
      await migratePostgres(legacyClient, s.name, POSTGRES_MIGRATIONS.slice(0, versions));
    } finally {
      legacyClient.release();
    }
    return s;
  }

  it('adopts a v3 database: every row unchanged, ledger translated, legacy table gone', async () => {
    const s = schema();
    const dump = readFileSync(join(FIXTURES, 'postgres.sql'), 'utf8')
      .split('\n')
      .filter((line) => !line.startsWith('\\')) // psql meta-commands (\restrict)
      .join('\n')
      .replaceAll('tether_fixture_v3', s.name);
    const c = await client();
    await c.query(dump);
    await c.query(`SET search_path TO ${s.name}`);

    expect(await start(s)).toEqual({ adopted: ADOPTED, applied: NEWER });
    expect(await start(s)).toEqual({ adopted: [], applied: [] });

    for (const table of DATA_TABLES) {
      const { rows } = await c.query(`SELECT * FROM ${table} ORDER BY ${primaryKey(table)}`);
      expect(normalise(rows), table).toEqual(EXPECTED[table]);
    }
    const ledger = await c.query<{ entry: string; kept: boolean }>(
      `SELECT feature || ' ' || version AS entry, applied_at = '2026-12-06 20:14:53.359251+00' AS kept
         FROM tether_schema_migrations ORDER BY feature, version`,
    );
    expect(ledger.rows).toEqual(LEDGER.map((entry) => ({ entry, kept: LEGACY_LEDGER.includes(entry) })));
    expect((await c.query("SELECT to_regclass('tether_migrations') AS t")).rows).toEqual([{ t: null }]);
    expect(await postgresSchema(c, s.name)).toEqual(await postgresSchema(c, await fresh()));
  });

  it('builds the same tables, columns, indexes and constraints as the global list did', async () => {
    const old = await legacy();
    const c = await client();
    const before = await postgresSchema(c, old.name);
    expect(before.columns!.length).toBeGreaterThan(30);
    expect(await postgresSchema(c, await v3())).toEqual(before);
  });

  it('adopts an older database (global v2) and applies what came after', async () => {
    const s = await legacy(2);
    const report = await start(s);
    expect(report).toEqual({ adopted: ADOPTED.slice(0, 3), applied: [ADOPTED[3], ...NEWER] });
    const c = await client();
    expect(await postgresSchema(c, s.name)).toEqual(await postgresSchema(c, await fresh()));
  });
});
