import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The machine's PostgreSQL (trust auth). Override with TETHER_TEST_POSTGRES_URL. */
export const POSTGRES_TEST_URL =
  process.env.TETHER_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Whether the PostgreSQL tests can run. With `CI=true` PostgreSQL is required: an unreachable server
 * throws, failing the test file. Elsewhere the tests skip, with a console message saying why.
 */
export async function postgresAvailable(suite: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: POSTGRES_TEST_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch (err) {
    const why = `PostgreSQL at ${POSTGRES_TEST_URL} is unreachable (${(err as Error).message})`;
    if (process.env.CI === 'true') throw new Error(`${why}; the PostgreSQL tests are required when CI=true`);
    console.warn(`[${suite}] SKIPPING PostgreSQL tests: ${why}. Set CI=true to make this a failure.`);
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** A fresh schema for one test (or test file), so parallel runs never see each other's tables. */
export interface TestSchema {
  readonly name: string;
  /** Drops the schema and everything in it. */
  drop(): Promise<void>;
}

/** Names a new schema `tether_t_<random>`; the storage creates it on open, `drop()` removes it. */
export function newTestSchema(): TestSchema {
  const name = `tether_t_${randomBytes(6).toString('hex')}`;
  return {
    name,
    async drop() {
      const client = new pg.Client({ connectionString: POSTGRES_TEST_URL });
      await client.connect();
      try {
        await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}
