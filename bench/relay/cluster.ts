/**
 * The two-node Tether of the relay benchmark (`--servers tether-cluster`): two nodes in cluster mode,
 * each its own process, sharing a PostgreSQL schema and a Redis key prefix made for the run; each
 * match's clients are split four and four between them. Also reads Redis's own CPU time, so that the
 * cost of the cluster is counted whole (both nodes and Redis).
 *
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';

/** Where the cluster's nodes meet, made for one run and removed after it. */
export interface ClusterSetup {
  readonly postgres: string;
  readonly schema: string;
  readonly redis: string;
  readonly prefix: string;
}

/** What `server.ts tether-node` needs to start one node. */
export interface NodeOptions extends ClusterSetup {
  readonly node: string;
  /** The nodes' `clusterBusFlushMs` (default: the server's). */
  readonly busFlushMs?: number;
}

/**
 * Checks that PostgreSQL and Redis answer and names a schema and a prefix for this run (the first
 * node creates the schema). Throws, saying which one is unreachable, otherwise.
 */
export async function prepareCluster(postgres: string, redis: string): Promise<ClusterSetup> {
  const suffix = randomBytes(4).toString('hex');
  const client = new pg.Client({ connectionString: postgres, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (err) {
    throw new Error(`tether-cluster needs PostgreSQL at ${postgres} (--postgres): ${(err as Error).message}`);
  } finally {
    await client.end().catch(() => {});
  }
  const r = new Redis(redis, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => {});
  try {
    await r.connect();
    await r.ping();
  } catch (err) {
    throw new Error(`tether-cluster needs Redis at ${redis} (--redis): ${(err as Error).message}`);
  } finally {
    r.disconnect();
  }
  return { postgres, schema: `bench_relay_${suffix}`, redis, prefix: `bench-relay-${suffix}` };
}

/** Drops the run's schema and Redis keys (best effort). */
export async function cleanupCluster(setup: ClusterSetup): Promise<void> {
  const client = new pg.Client({ connectionString: setup.postgres });
  await client
    .connect()
    .then(() => client.query(`DROP SCHEMA IF EXISTS "${setup.schema}" CASCADE`))
    .catch(() => {});
  await client.end().catch(() => {});
  const r = new Redis(setup.redis, { maxRetriesPerRequest: 1 });
  r.on('error', () => {});
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${setup.prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await r.del(...keys);
    } while (cursor !== '0');
  } catch {
    // best effort
  } finally {
    r.disconnect();
  }
}

/** Redis's CPU time so far (µs, user and system), from `INFO cpu`. */
export class RedisCpu {
  readonly #redis: Redis;

  constructor(url: string) {
    this.#redis = new Redis(url, { maxRetriesPerRequest: 1 });
    this.#redis.on('error', () => {});
  }

  async sample(): Promise<{ user: number; system: number }> {
    const info = await this.#redis.info('cpu');
    const read = (name: string) =>
      Number(new RegExp(`^${name}:([0-9.]+)`, 'm').exec(info)?.[1] ?? Number.NaN);
    return { user: read('used_cpu_user') * 1e6, system: read('used_cpu_sys') * 1e6 };
  }

  close(): void {
    this.#redis.disconnect();
  }
}
