/**
 * Redis for tests: the machine's server (cluster tests use a unique key prefix each, so parallel test
 * files never see each other), and a private `redis-server` on a free port for tests that stop and
 * restart it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

/** The machine's Redis. Override with TETHER_TEST_REDIS_URL. */
export const REDIS_TEST_URL = process.env.TETHER_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Whether the Redis tests can run. With `CI=true` Redis is required: an unreachable server throws,
 * failing the test file. Elsewhere the tests skip, with a console message saying why.
 */
export async function redisAvailable(suite: string, url = REDIS_TEST_URL): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 2000,
    retryStrategy: () => null,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
    return true;
  } catch (err) {
    const why = `Redis at ${url} is unreachable (${(err as Error).message})`;
    if (process.env.CI === 'true') throw new Error(`${why}; the cluster tests are required when CI=true`);
    console.warn(`[${suite}] SKIPPING cluster tests: ${why}. Set CI=true to make this a failure.`);
    return false;
  } finally {
    client.disconnect();
  }
}

/** A key prefix of its own for one test file or test (`tt<random>`). */
export function newRedisPrefix(): string {
  return `tt${randomBytes(5).toString('hex')}`;
}

/** Deletes every key under a prefix. */
export async function dropRedisPrefix(prefix: string, url = REDIS_TEST_URL): Promise<void> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  client.on('error', () => {});
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await client.del(...keys);
    } while (cursor !== '0');
  } finally {
    client.disconnect();
  }
}

/** A free TCP port on 127.0.0.1 (closed again before returning). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A private `redis-server` (no persistence) that a test can stop and start again on the same port. */
export class PrivateRedis {
  readonly port: number;
  #child: ChildProcess | undefined;

  private constructor(port: number) {
    this.port = port;
  }

  /** Starts one on a free port and waits until it answers. */
  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort());
    await redis.restart();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts (again) and waits until it answers PING. */
  async restart(): Promise<void> {
    this.#child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    const deadline = Date.now() + 10_000;
    for (;;) {
      const client = new Redis(this.url, {
        lazyConnect: true,
        retryStrategy: () => null,
        maxRetriesPerRequest: 0,
      });
      client.on('error', () => {});
      try {
        await client.connect();
        await client.ping();
        client.disconnect();
        return;
      } catch {
        client.disconnect();
        if (Date.now() > deadline) throw new Error(`redis-server on port ${this.port} did not start`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }

  /** Kills it (SIGKILL: an outage, not a shutdown) and waits for the process to end. */
  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}
