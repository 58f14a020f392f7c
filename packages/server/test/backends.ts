import type { Logger } from 'pino';
import type { TetherConfig } from '../src/config/config.ts';
import { startTestServer, type TestServer } from './helpers.ts';
import { newTestSchema, POSTGRES_TEST_URL, postgresAvailable } from './postgres.ts';

/** A storage backend an integration test can run a real server on. */
export interface TestBackend {
  readonly name: 'sqlite' | 'postgres';
  /**
   * Starts a server on this backend. Servers started from the same `store` share one database (a
   * restart keeps the data); `dispose()` then deletes it.
   */
  newStore(): TestStore;
}

/** One database (an SQLite data folder or a PostgreSQL schema) that servers can be started on. */
export interface TestStore {
  start(overrides?: Partial<TetherConfig>, options?: { logger?: Logger }): Promise<TestServer>;
  /** Deletes the database. Stop its servers first. */
  dispose(): Promise<void>;
}

/**
 * SQLite always; PostgreSQL when reachable (required when CI=true, see {@link postgresAvailable}).
 * Each store gets its own SQLite folder or its own `tether_t_<random>` schema.
 */
export async function testBackends(suite: string): Promise<TestBackend[]> {
  const backends: TestBackend[] = [{ name: 'sqlite', newStore: sqliteStore }];
  if (await postgresAvailable(suite)) backends.push({ name: 'postgres', newStore: postgresStore });
  return backends;
}

function sqliteStore(): TestStore {
  let data: string | undefined;
  return {
    async start(overrides = {}, options = {}) {
      // The first server creates the folder; later ones (restarts) reuse it.
      const server = await startTestServer({ ...overrides, ...(data ? { data } : {}) }, options);
      data ??= server.dataDir;
      return { ...server, stop: () => server.close('test finished') };
    },
    async dispose() {
      if (!data) return;
      const { rmSync } = await import('node:fs');
      rmSync(data, { recursive: true, force: true });
    },
  };
}

function postgresStore(): TestStore {
  const schema = newTestSchema();
  return {
    start: (overrides = {}, options = {}) =>
      startTestServer(
        {
          ...overrides,
          database: POSTGRES_TEST_URL,
          databaseSchema: schema.name,
          databasePoolSize: 4,
        },
        options,
      ),
    dispose: () => schema.drop(),
  };
}
