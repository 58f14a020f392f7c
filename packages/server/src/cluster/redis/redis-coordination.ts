/**
 * Leader election and claims in Redis, for work one node of the cluster must do alone (the
 * matchmaker's intervals) and results that must be taken at most once (matched tickets).
 *
 * @packageDocumentation
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { RedisNames } from './redis-transport.ts';

/** Takes or renews the lease if it is free or ours. KEYS: lease. ARGV: holder, ttl ms. */
const ACQUIRE = `
local current = redis.call('GET', KEYS[1])
if current and current ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;

/** Frees the lease if it is ours. KEYS: lease. ARGV: holder. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1`;

/**
 * Claims groups of ids, all or none per group: a group whose ids are all unclaimed is claimed (each id
 * for `ttl` ms); any claimed id refuses its whole group. KEYS: every id's key, group after group.
 * ARGV: ttl ms, then the size of each group. Returns 1 or 0 per group.
 */
const CLAIM = `
local out = {}
local k = 1
for g = 2, #ARGV do
  local n = tonumber(ARGV[g])
  local free = true
  for i = k, k + n - 1 do
    if redis.call('EXISTS', KEYS[i]) == 1 then free = false end
  end
  if free then
    for i = k, k + n - 1 do redis.call('SET', KEYS[i], '1', 'PX', ARGV[1]) end
    out[#out + 1] = 1
  else
    out[#out + 1] = 0
  end
  k = k + n
end
return out`;

/**
 * A lease held by at most one node at a time: every `renewMs` each node tries to take it (free) or
 * renew it (its own); it lapses `ttlMs` after its holder stopped renewing. {@link held} turns false
 * one renewal period before the lease could lapse, so a holder that cannot reach Redis (or paused)
 * stops acting before another node can take over.
 */
export class RedisLease {
  readonly #redis: Redis;
  readonly #key: string;
  readonly #holder: string;
  readonly #ttlMs: number;
  readonly #renewMs: number;
  readonly #log: Logger;
  #validUntil = 0;
  #timer: NodeJS.Timeout | undefined;
  #wasHeld = false;

  constructor(opts: {
    redis: Redis;
    names: RedisNames;
    name: string;
    /** Unique per process: `<node>/<incarnation>`. */
    holder: string;
    ttlMs: number;
    renewMs: number;
    logger: Logger;
  }) {
    this.#redis = opts.redis;
    this.#key = opts.names.key('lease', opts.name);
    this.#holder = opts.holder;
    this.#ttlMs = opts.ttlMs;
    this.#renewMs = opts.renewMs;
    this.#log = opts.logger;
  }

  /** Whether this node holds the lease now. */
  get held(): boolean {
    return Date.now() < this.#validUntil;
  }

  /** Starts competing for the lease. */
  start(): void {
    if (this.#timer) return;
    void this.#renew();
    this.#timer = setInterval(() => void this.#renew(), this.#renewMs);
    this.#timer.unref();
  }

  /** Stops, and frees the lease if held (another node takes over at its next attempt). */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    const held = this.held;
    this.#validUntil = 0;
    if (held) await this.#redis.eval(RELEASE, 1, this.#key, this.#holder).catch(() => {});
  }

  async #renew(): Promise<void> {
    const started = Date.now();
    try {
      const ok = await this.#redis.eval(ACQUIRE, 1, this.#key, this.#holder, this.#ttlMs);
      this.#validUntil = ok === 1 ? started + this.#ttlMs - this.#renewMs : 0;
    } catch {
      // Unreachable: the lease is no longer ours to trust; it lapses on its own in Redis.
      this.#validUntil = Math.min(this.#validUntil, started);
    }
    if (this.held !== this.#wasHeld) {
      this.#wasHeld = this.held;
      this.#log.info(
        { lease: this.#key, held: this.#wasHeld },
        this.#wasHeld ? 'cluster: lease taken' : 'cluster: lease lost',
      );
    }
  }
}

/** Claims each group's ids under `scope`, all or none per group (see {@link CLAIM}). */
export async function claimGroups(
  redis: Redis,
  names: RedisNames,
  scope: string,
  groups: readonly (readonly string[])[],
  ttlMs: number,
): Promise<boolean[]> {
  if (groups.length === 0) return [];
  const keys = groups.flatMap((g) => g.map((id) => names.key('claim', scope, id)));
  const result = (await redis.eval(
    CLAIM,
    keys.length,
    ...keys,
    ttlMs,
    ...groups.map((g) => g.length),
  )) as number[];
  return result.map((r) => r === 1);
}
