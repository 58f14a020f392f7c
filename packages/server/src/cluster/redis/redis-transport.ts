/**
 * The bus's frame transport over Redis pub/sub (ioredis).
 *
 * @packageDocumentation
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { EVERY_NODE, type FrameTransport } from '../bus.ts';

/** Redis channel and key names of one cluster (every name starts with the prefix). */
export class RedisNames {
  readonly prefix: string;

  constructor(prefix: string) {
    this.prefix = prefix;
  }

  /** The channel of frames to every node. */
  get everyNode(): string {
    return `${this.prefix}:bus:all`;
  }

  /** The channel of one node's inbox. */
  inbox(node: string): string {
    return `${this.prefix}:bus:to:${node}`;
  }

  /** A key of the cluster's own data (directory, leases, claims). */
  key(...parts: string[]): string {
    return `${this.prefix}:${parts.join(':')}`;
  }
}

/**
 * Connection settings shared by every Redis connection of a node: reconnect forever (every 100 ms
 * growing to 1 s, so a returning Redis is found within a second), fail commands at once while
 * disconnected instead of queueing them (a queue would grow without bound during an outage and
 * deliver stale messages after it), and let commands in flight fail when the connection drops.
 */
export function redisOptions(): RedisOptions {
  return {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 2000,
    retryStrategy: (times: number) => Math.min(times * 100, 1000),
  };
}

/**
 * Frames over Redis pub/sub: one connection publishes (so one node's frames keep their order at every
 * receiver: Redis handles one connection's commands in order), one subscribes to the node's inbox and
 * to the every-node channel (ioredis resubscribes after a reconnect). Binary frames travel as is.
 * The publishing connection also serves the directory's and the matchmaker's commands
 * ({@link RedisTransport.commands}).
 */
export class RedisTransport implements FrameTransport {
  readonly names: RedisNames;
  readonly #pub: Redis;
  readonly #sub: Redis;
  readonly #log: Logger;
  readonly #listeners = new Set<(connected: boolean) => void>();
  #connected = false;
  #closing = false;
  #lastError = '';
  /** The URL for messages, password removed. */
  readonly #where: string;

  constructor(opts: { url: string; prefix: string; logger: Logger }) {
    this.names = new RedisNames(opts.prefix);
    this.#where = withoutPassword(opts.url);
    this.#log = opts.logger;
    // Auto-pipelining: the frames of one flush (one per destination) leave in one write.
    this.#pub = new Redis(opts.url, {
      ...redisOptions(),
      connectionName: 'tether-pub',
      enableAutoPipelining: true,
    });
    this.#sub = new Redis(opts.url, { ...redisOptions(), connectionName: 'tether-sub' });
    for (const client of [this.#pub, this.#sub]) {
      client.on('error', (err: Error) => this.#error(err));
      for (const event of ['ready', 'close', 'end', 'reconnecting']) {
        client.on(event, () => this.#update());
      }
    }
  }

  /** The connection for plain commands (GET, SET, EVAL...): the publishing one. */
  get commands(): Redis {
    return this.#pub;
  }

  async start(node: string, onFrame: (frame: Uint8Array) => void): Promise<void> {
    this.#sub.on('messageBuffer', (_channel: Buffer, message: Buffer) => onFrame(message));
    try {
      await Promise.all([this.#pub.connect(), this.#sub.connect()]);
      await this.#sub.subscribe(this.names.everyNode, this.names.inbox(node));
    } catch (err) {
      throw new Error(`cannot reach the cluster's Redis at ${this.#where}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    this.#update();
  }

  publish(to: string, frame: Uint8Array): Promise<void> {
    const channel = to === EVERY_NODE ? this.names.everyNode : this.names.inbox(to);
    return this.#pub
      .publish(channel, Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength))
      .then(() => undefined);
  }

  get connected(): boolean {
    return this.#connected;
  }

  onConnection(listener: (connected: boolean) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.#closing = true;
    await Promise.all([quit(this.#sub), quit(this.#pub)]);
    this.#update();
  }

  #update(): void {
    const connected = !this.#closing && this.#pub.status === 'ready' && this.#sub.status === 'ready';
    if (connected === this.#connected) return;
    this.#connected = connected;
    if (connected) this.#lastError = '';
    for (const listener of [...this.#listeners]) listener(connected);
  }

  #error(err: Error): void {
    // ioredis reports every failed reconnect attempt; one log line per distinct error is enough.
    if (err.message === this.#lastError || this.#closing) return;
    this.#lastError = err.message;
    this.#log.warn({ err: err.message }, 'cluster: Redis connection error');
  }
}

function withoutPassword(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'the configured URL';
  }
}

async function quit(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}
