/**
 * The migration runner on both backends, with small synthetic lists. The real lists and the upgrade
 * of a database written by the old global list are tested in test/migrate-forward.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { POSTGRES_TEST_URL } from '../../test/postgres.ts';
import { describeStoreContract } from '../../test/store-contract.ts';
import type { AnyDb, Dialect } from './db.ts';
import { MigrationError } from './errors.ts';
import { type FeatureMigrations, type Migration, migrate, planMigrations } from './migrations.ts';
import { openPostgresDb } from './open-postgres.ts';

/** The same migration for both dialects (the SQL here is portable). */
function lists(...migrations: Migration[]): FeatureMigrations {
  return { sqlite: migrations, postgres: migrations };
}
const m = (feature: string, version: number, sql: string): Migration => ({
  feature,
  version,
  name: `${feature} v${version}`,
  sql,
});

const PARENT = lists(
  m('parent', 1, 'CREATE TABLE parent (id INTEGER PRIMARY KEY)'),
  m('parent', 2, 'ALTER TABLE parent ADD COLUMN label TEXT'),
);
const CHILD = lists(
  m('child', 1, 'CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id))'),
);

async function ledger(db: AnyDb): Promise<string[]> {
  const sql = 'SELECT feature, version FROM tether_schema_migrations ORDER BY feature, version';
  const rows =
    db.dialect === 'sqlite'
      ? await db.run((c) => c.prepare(sql).all() as { feature: string; version: number }[])
      : await db.rows<{ feature: string; version: number }>(sql);
  return rows.map((r) => `${r.feature} ${r.version}`);
}

async function tables(db: AnyDb): Promise<string[]> {
  if (db.dialect === 'sqlite') {
    return db.run((c) =>
      (
        c.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as {
          name: string;
        }[]
      ).map((r) => r.name),
    );
  }
  const rows = await db.rows<{ name: string }>(
    'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name',
    [db.schema],
  );
  return rows.map((r) => r.name);
}

async function exec(db: AnyDb, sql: string): Promise<void> {
  if (db.dialect === 'sqlite') await db.run((c) => c.exec(sql));
  else await db.query(sql);
}

/** A legacy `(version, name, applied_at)` table as the old runner kept it, every row applied at one time. */
async function oldMigrations(db: AnyDb, versions: number[]): Promise<void> {
  const [type, at] =
    db.dialect === 'sqlite' ? ['INTEGER', '1700000000000'] : ['TIMESTAMPTZ', "'2023-11-14T22:13:20Z'"];
  const rows = versions.map((v) => `(${v}, 'old ${v}', ${at})`).join(', ');
  await exec(
    db,
    `CREATE TABLE old_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at ${type} NOT NULL);
     INSERT INTO old_migrations VALUES ${rows};`,
  );
}

const entry = (feature: string, version: number) => ({ feature, version, name: `${feature} v${version}` });

describeStoreContract('migration runner', { migrations: [], setup: (db) => db }, (get) => {
  it('applies every feature in the given order, once', async () => {
    const db = get();
    const first = await migrate(db, [PARENT, CHILD]);
    expect(first).toEqual({
      adopted: [],
      applied: [entry('parent', 1), entry('parent', 2), entry('child', 1)],
    });
    expect(await ledger(db)).toEqual(['child 1', 'parent 1', 'parent 2']);
    expect(await tables(db)).toEqual(['child', 'parent', 'tether_schema_migrations']);
    expect(await migrate(db, [PARENT, CHILD])).toEqual({ adopted: [], applied: [] });
  });

  it('applies only what was appended since', async () => {
    const db = get();
    await migrate(db, [lists(PARENT.sqlite[0]!), CHILD]);
    const later = await migrate(db, [PARENT, CHILD]);
    expect(later.applied).toEqual([entry('parent', 2)]);
  });

  it('rolls back only the failing migration and names it', async () => {
    const db = get();
    const broken = lists(m('child', 1, 'CREATE TABLE child (id INTEGER PRIMARY KEY); CREATE TABLE oops ('));
    const err = await migrate(db, [PARENT, broken]).then(
      () => new Error('migrated'),
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(MigrationError);
    expect(err.message).toContain('child 1 (child v1)');
    // The parent migrations committed before; the child table of the failed one did not survive.
    expect(await ledger(db)).toEqual(['parent 1', 'parent 2']);
    expect(await tables(db)).toEqual(['parent', 'tether_schema_migrations']);
  });

  it('refuses a database that records migrations it does not know (a newer server wrote it)', async () => {
    const db = get();
    await migrate(db, [PARENT, CHILD]);
    await expect(migrate(db, [PARENT])).rejects.toThrow(/child 1.*newer/);
  });

  it('adopts a legacy table: translated rows keep their applied_at, the table goes, newer ones apply', async () => {
    const db = get();
    await exec(db, 'CREATE TABLE parent (id INTEGER PRIMARY KEY)');
    await oldMigrations(db, [1]);
    const legacy = { table: 'old_migrations', versions: { 1: [['parent', 1]] as const } };
    const report = await migrate(db, [PARENT, CHILD], { legacy });
    expect(report).toEqual({
      adopted: [entry('parent', 1)],
      applied: [entry('parent', 2), entry('child', 1)],
    });
    expect(await tables(db)).toEqual(['child', 'parent', 'tether_schema_migrations']);
    const sql = "SELECT applied_at FROM tether_schema_migrations WHERE feature = 'parent' AND version = 1";
    const row =
      db.dialect === 'sqlite'
        ? await db.run((c) => c.prepare(sql).get() as { applied_at: number })
        : await db.row<{ applied_at: Date }>(sql);
    expect(new Date(row!.applied_at).toISOString()).toBe('2023-11-14T22:13:20.000Z');
    expect(await migrate(db, [PARENT, CHILD], { legacy })).toEqual({ adopted: [], applied: [] });
  });

  it('leaves a legacy table alone when one of its versions has no translation', async () => {
    const db = get();
    await oldMigrations(db, [1, 2]);
    const legacy = { table: 'old_migrations', versions: { 1: [['parent', 1]] as const } };
    await expect(migrate(db, [PARENT], { legacy })).rejects.toThrow(/version 2, which has no translation/);
    // Atomic: nothing was recorded and the legacy table is still there.
    expect(await tables(db)).toEqual(['old_migrations']);
  });
});

describe('migration lists', () => {
  const plan =
    (features: FeatureMigrations[], dialect: Dialect = 'sqlite') =>
    () =>
      planMigrations(features, dialect);

  it('flattens the lists in the order given', () => {
    expect(plan([CHILD, PARENT])().ordered.map((x) => `${x.feature} ${x.version}`)).toEqual([
      'child 1',
      'parent 1',
      'parent 2',
    ]);
  });

  it('refuses malformed lists before touching a database', () => {
    const a1 = m('a', 1, 'SELECT 1');
    const a2 = m('a', 2, 'SELECT 1');
    expect(plan([lists(a2, a1)])).toThrow(/a 1 comes after a 2/);
    expect(plan([lists(a1, a1)])).toThrow(MigrationError);
    expect(plan([lists(a1), lists(a2)])).toThrow(/two lists/);
    expect(plan([lists(m('Bad-Name', 1, 'SELECT 1'))])).toThrow(/lower-case identifier/);
    expect(plan([lists(m('a', 0, 'SELECT 1'))])).toThrow(/positive integer/);
    expect(plan([lists(m('a', 1, '  '))])).toThrow(/must not be empty/);
    expect(plan([{ sqlite: [a1, a2], postgres: [a1] }])).toThrow(/lists differ/);
  });
});

describe('migration runner: concurrent PostgreSQL starts', async () => {
  const { newTestSchema, postgresAvailable } = await import('../../test/postgres.ts');
  it.skipIf(!(await postgresAvailable('migration runner')))(
    'takes turns: every migration runs exactly once',
    async () => {
      const schema = newTestSchema();
      const open = () => openPostgresDb({ url: POSTGRES_TEST_URL, schema: schema.name, poolSize: 2 });
      const nodes = await Promise.all([open(), open(), open()]);
      try {
        const reports = await Promise.all(nodes.map((db) => migrate(db, [PARENT, CHILD])));
        const applied = reports.flatMap((r) => r.applied.map((x) => `${x.feature} ${x.version}`)).sort();
        expect(applied).toEqual(['child 1', 'parent 1', 'parent 2']);
        expect(await ledger(nodes[0]!)).toEqual(['child 1', 'parent 1', 'parent 2']);
      } finally {
        await Promise.all(nodes.map((db) => db.close()));
        await schema.drop();
      }
    },
  );
});
