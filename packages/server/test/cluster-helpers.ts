/**
 * Cluster test beds: several real Tether nodes in this process (`startServer` with different node
 * names), sharing one PostgreSQL schema and one Redis key prefix of their own, so parallel test
 * files never see each other.
 */
import { expect } from 'vitest';
import type { TetherConfig } from '../src/config/config.ts';
import { createLogger, type Logger } from '../src/observability/logger.ts';
import { startTestServer, type TestServer } from './helpers.ts';
import { newTestSchema, POSTGRES_TEST_URL, postgresAvailable, type TestSchema } from './postgres.ts';
import { dropRedisPrefix, newRedisPrefix, REDIS_TEST_URL, redisAvailable } from './redis.ts';

/**
 * Fast cluster timings for tests: nodes find each other within a tenth of a second, and a node is
 * found dead three seconds after it stops (not less: a loaded test machine may stall a node's event
 * loop for a while, and that must not look like a death).
 */
export const FAST_CLUSTER: Partial<TetherConfig> = {
  clusterHeartbeatMs: 100,
  clusterNodeTimeoutMs: 3000,
  clusterRequestTimeoutMs: 3000,
};

/**
 * Whether the cluster tests can run: they need PostgreSQL and Redis. With `CI=true` both are
 * required (an unreachable one fails the file); elsewhere the tests skip, saying why.
 */
export async function clusterAvailable(suite: string): Promise<boolean> {
  return (await postgresAvailable(suite)) && (await redisAvailable(suite));
}

/** Nodes of one cluster and what they share. */
export class ClusterBed {
  readonly schema: TestSchema = newTestSchema();
  readonly prefix = newRedisPrefix();
  readonly nodes: TestServer[] = [];
  readonly #overrides: Partial<TetherConfig>;
  readonly #logger: ((node: string) => Logger) | undefined;

  /** `logger` gives each node its logger (to read what it logs); silent by default. */
  constructor(overrides: Partial<TetherConfig> = {}, opts: { logger?: (node: string) => Logger } = {}) {
    this.#overrides = overrides;
    this.#logger = opts.logger;
  }

  /** The configuration of a node of this cluster. */
  config(node: string, overrides: Partial<TetherConfig> = {}): Partial<TetherConfig> {
    return {
      database: POSTGRES_TEST_URL,
      databaseSchema: this.schema.name,
      cluster: REDIS_TEST_URL,
      clusterPrefix: this.prefix,
      node,
      ...FAST_CLUSTER,
      ...this.#overrides,
      ...overrides,
    };
  }

  /** Starts nodes one after the other and waits until each sees all the others. */
  async start(...names: string[]): Promise<TestServer[]> {
    const started: TestServer[] = [];
    for (const name of names) {
      const node = await startTestServer(
        this.config(name),
        this.#logger ? { logger: this.#logger(name) } : {},
      );
      this.nodes.push(node);
      started.push(node);
    }
    await this.settled();
    return started;
  }

  /** Waits until every node sees every other (their directory entries and state are loaded). */
  async settled(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const names = this.nodes.map((n) => n.config.node).sort();
    for (;;) {
      const ok = this.nodes.every((n) => {
        const seen = [...n.cluster!.health().nodes, n.config.node].sort();
        return JSON.stringify(seen) === JSON.stringify(names);
      });
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`cluster of ${names.join(', ')} did not settle`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Stops every node, then drops the schema and the Redis keys. */
  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop().catch(() => {})));
    await this.schema.drop().catch(() => {});
    await dropRedisPrefix(this.prefix).catch(() => {});
  }
}

/** Polls `check` until it stops throwing (bounded by `timeoutMs`). */
export async function eventually(check: () => void | Promise<void>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/**
 * Waits until each of `servers` sees `count` members on a stream. Tests use it where a client hands
 * an id to another client on another node directly (not through the server, which keeps that order:
 * a node applies another's presence changes before the messages sent after them).
 */
export async function seen(
  servers: readonly TestServer[],
  stream: { mode: number; subject?: string; label?: string },
  count: number,
): Promise<void> {
  await eventually(() => {
    for (const s of servers) expect(s.realtime.streams.count(stream)).toBe(count);
  });
}

/** A logger that keeps every line (parsed) in `lines`, at info level. */
export function recordingLogger(): { logger: Logger; lines: { msg?: string; level: number }[] } {
  const lines: { msg?: string; level: number }[] = [];
  const logger = createLogger('info', {
    write(chunk: string) {
      lines.push(JSON.parse(chunk) as { msg?: string; level: number });
    },
  });
  return { logger, lines };
}
