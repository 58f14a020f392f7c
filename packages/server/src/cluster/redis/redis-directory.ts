/**
 * The node directory in Redis.
 *
 * @packageDocumentation
 */
import type { Redis } from 'ioredis';
import { type Directory, NodeNameTakenError } from '../directory.ts';
import type { RedisNames } from './redis-transport.ts';

/**
 * Adds the entry unless one exists: returns "OK", or the existing entry.
 * KEYS: entry, node set. ARGV: value, ttl ms, node name.
 */
const REGISTER = `
local current = redis.call('GET', KEYS[1])
if current then return current end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('SADD', KEYS[2], ARGV[3])
return 'OK'`;

/**
 * Replaces the entry only if it is still `expected` (a dead process's last beat).
 * KEYS: entry, node set. ARGV: expected, value, ttl ms, node name.
 */
const TAKE_OVER = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
redis.call('SADD', KEYS[2], ARGV[4])
return 1`;

/**
 * Refreshes the entry if it is this incarnation's or gone (expired during an outage); 0 if another
 * process holds the name. KEYS: entry, node set. ARGV: incarnation prefix, value, ttl ms, node name.
 */
const BEAT = `
local current = redis.call('GET', KEYS[1])
if current and string.sub(current, 1, string.len(ARGV[1])) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
redis.call('SADD', KEYS[2], ARGV[4])
return 1`;

/** Drops names without an entry from the node set. KEYS: node set. ARGV: prefix of entries, names. */
const CLEAN = `
for i = 2, #ARGV do
  if redis.call('EXISTS', ARGV[1] .. ARGV[i]) == 0 then redis.call('SREM', KEYS[1], ARGV[i]) end
end
return 1`;

/** Deletes the entry if it is this incarnation's. KEYS: entry, node set. ARGV: prefix, name. */
const UNREGISTER = `
local current = redis.call('GET', KEYS[1])
if current and string.sub(current, 1, string.len(ARGV[1])) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('SREM', KEYS[2], ARGV[2])
end
return 1`;

/** Settings of a {@link RedisDirectory}. */
export interface RedisDirectoryOptions {
  readonly redis: Redis;
  readonly names: RedisNames;
  readonly node: string;
  readonly incarnation: string;
  readonly heartbeatMs: number;
  /** An entry not refreshed for this long expires. */
  readonly nodeTimeoutMs: number;
  /** Waits (tests inject a faster one); default real timers. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Entries are `<prefix>:node:<name>` = `<incarnation>|<beat>|<heartbeat ms>` with an expiry of the
 * node timeout, plus the set `<prefix>:nodes` of names, so live nodes are listed without scanning
 * keys. Every change is one Lua script, so two nodes never interleave halfway through one.
 *
 * Start-up refusal: when the name has an entry, the starting node watches it for two and a half of
 * the holder's heartbeats. If the beat counter moved, a live process holds the name and start-up is
 * refused; if not, the holder is dead (a `kill -9` moments ago) and its entry is taken over, so a
 * restarted node rejoins at once instead of waiting for the entry to expire.
 */
export class RedisDirectory implements Directory {
  readonly #o: RedisDirectoryOptions;
  readonly #set: string;
  readonly #entry: string;
  readonly #sleep: (ms: number) => Promise<void>;
  #beat = 0;

  constructor(options: RedisDirectoryOptions) {
    this.#o = options;
    this.#set = options.names.key('nodes');
    this.#entry = options.names.key('node', options.node);
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async register(): Promise<void> {
    const { redis, node, nodeTimeoutMs } = this.#o;
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await redis.eval(
        REGISTER,
        2,
        this.#entry,
        this.#set,
        this.#value(),
        nodeTimeoutMs,
        node,
      );
      if (current === 'OK') return;
      const held = String(current);
      const theirBeatMs = Number(held.split('|')[2]) || this.#o.heartbeatMs;
      await this.#sleep(Math.min(nodeTimeoutMs, theirBeatMs * 2.5));
      const later = await redis.get(this.#entry);
      if (later === null) continue;
      if (later !== held) throw new NodeNameTakenError(node);
      const took = await redis.eval(
        TAKE_OVER,
        2,
        this.#entry,
        this.#set,
        held,
        this.#value(),
        nodeTimeoutMs,
        node,
      );
      if (took === 1) return;
    }
    throw new NodeNameTakenError(node);
  }

  async heartbeat(): Promise<boolean> {
    const { redis, node, nodeTimeoutMs, incarnation } = this.#o;
    const ok = await redis.eval(
      BEAT,
      2,
      this.#entry,
      this.#set,
      `${incarnation}|`,
      this.#value(),
      nodeTimeoutMs,
      node,
    );
    return ok === 1;
  }

  async live(): Promise<Map<string, string>> {
    const { redis, names } = this.#o;
    const nodes = await redis.smembers(this.#set);
    const out = new Map<string, string>();
    if (nodes.length === 0) return out;
    const values = await redis.mget(nodes.map((n) => names.key('node', n)));
    const gone: string[] = [];
    nodes.forEach((n, i) => {
      const value = values[i];
      if (value === null || value === undefined) gone.push(n);
      else out.set(n, value.split('|')[0]!);
    });
    if (gone.length > 0) await redis.eval(CLEAN, 1, this.#set, names.key('node', ''), ...gone);
    return out;
  }

  async incarnationOf(node: string): Promise<string | undefined> {
    const value = await this.#o.redis.get(this.#o.names.key('node', node));
    return value === null ? undefined : value.split('|')[0];
  }

  async unregister(): Promise<void> {
    await this.#o.redis.eval(UNREGISTER, 2, this.#entry, this.#set, `${this.#o.incarnation}|`, this.#o.node);
  }

  #value(): string {
    return `${this.#o.incarnation}|${++this.#beat}|${this.#o.heartbeatMs}`;
  }
}
