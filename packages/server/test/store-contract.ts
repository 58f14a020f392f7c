/**
 * The contract-test harness for stores on the database port: one suite, run against a fresh SQLite
 * database in a temp folder and a fresh PostgreSQL schema for every test, both migrated with the
 * lists the suite names and removed afterwards. PostgreSQL is required when CI=true and skipped with
 * a printed reason otherwise (see {@link postgresAvailable}).
 *
 * It lives with the test helpers rather than in `src/db/` because it needs them (`postgres.ts`), and
 * `src/db/` may import only `shared/`, `config/`, `observability/` and npm packages.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'vitest';
import type { AnyDb, Dialect } from '../src/db/db.ts';
import { type FeatureMigrations, migrate } from '../src/db/migrations.ts';
import { openPostgresDb } from '../src/db/open-postgres.ts';
import { openSqliteDb } from '../src/db/sqlite-db.ts';
import { newTestSchema, POSTGRES_TEST_URL, postgresAvailable } from './postgres.ts';

/** What a contract suite runs against. */
export interface StoreContract<T> {
  /** Applied to every fresh database before `setup`, in order (accounts first if others need users). */
  readonly migrations: readonly FeatureMigrations[];
  /** Builds what the tests use (usually the store) on a fresh, migrated database. */
  setup(db: AnyDb): T | Promise<T>;
}

/** The backend a test runs on. */
export interface ContractBackend {
  readonly dialect: Dialect;
  /** The current test's database: for transactions spanning stores, and for seeding rows. */
  db(): AnyDb;
  /**
   * Closes the test's database and opens the same one again, migrated and set up anew, as a restarted
   * server would. `get()` and `db()` return the new ones afterwards.
   */
  reopen(): Promise<void>;
}

/**
 * Registers `tests` twice, under `<name>: sqlite` and `<name>: postgres`. Call it at the top level of
 * a test file; `get()` returns the current test's `setup` result.
 */
export function describeStoreContract<T>(
  name: string,
  contract: StoreContract<T>,
  tests: (get: () => T, backend: ContractBackend) => void,
): void {
  describe(`${name}: sqlite`, () => {
    let dir: string | undefined;
    registerSuite(contract, tests, 'sqlite', {
      async open() {
        dir = mkdtempSync(join(tmpdir(), 'tether-contract-'));
        return openSqliteDb({ dataDir: dir });
      },
      async reopen() {
        if (!dir) throw new Error('no database to reopen');
        return openSqliteDb({ dataDir: dir });
      },
      async dispose() {
        if (dir) rmSync(dir, { recursive: true, force: true });
        dir = undefined;
      },
    });
  });

  describe(`${name}: postgres`, async () => {
    if (!(await postgresAvailable(name))) {
      it.skip('PostgreSQL is unreachable (see the warning above)', () => {});
      return;
    }
    let schema: ReturnType<typeof newTestSchema> | undefined;
    registerSuite(contract, tests, 'postgres', {
      async open() {
        schema = newTestSchema();
        const db = await openPostgresDb({ url: POSTGRES_TEST_URL, schema: schema.name, poolSize: 4 });
        // `migrate()` would create it; a suite without migrations gets an empty schema all the same.
        await db.query(`CREATE SCHEMA "${schema.name}"`);
        return db;
      },
      async reopen() {
        if (!schema) throw new Error('no database to reopen');
        return openPostgresDb({ url: POSTGRES_TEST_URL, schema: schema.name, poolSize: 4 });
      },
      async dispose() {
        await schema?.drop();
        schema = undefined;
      },
    });
  });
}

interface FreshDatabase {
  open(): Promise<AnyDb>;
  /** Opens the database `open()` created once more (after the previous port was closed). */
  reopen(): Promise<AnyDb>;
  /** Deletes the database; called after the port is closed. */
  dispose(): Promise<void>;
}

function registerSuite<T>(
  contract: StoreContract<T>,
  tests: (get: () => T, backend: ContractBackend) => void,
  dialect: Dialect,
  fresh: FreshDatabase,
): void {
  let db: AnyDb | undefined;
  let subject: { value: T } | undefined;
  const prepare = async (opened: AnyDb) => {
    db = opened;
    // No lists, no ledger table: a suite that tests the runner itself starts from an empty database.
    if (contract.migrations.length > 0) await migrate(opened, contract.migrations);
    subject = { value: await contract.setup(opened) };
  };
  beforeEach(async () => {
    await prepare(await fresh.open());
  });
  afterEach(async () => {
    subject = undefined;
    try {
      await db?.close();
    } finally {
      db = undefined;
      await fresh.dispose();
    }
  });
  const get = (): T => {
    if (!subject) throw new Error('the store is only available inside a test');
    return subject.value;
  };
  tests(get, {
    dialect,
    db() {
      if (!db) throw new Error('the database is only available inside a test');
      return db;
    },
    async reopen() {
      if (!db) throw new Error('the database is only available inside a test');
      subject = undefined;
      const closing = db;
      db = undefined;
      await closing.close();
      await prepare(await fresh.reopen());
    },
  });
}
