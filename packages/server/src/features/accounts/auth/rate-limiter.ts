import { isIPv6 } from 'node:net';
import type { Clock } from '../../../shared/clock.ts';
import { DomainError, ErrorKind } from '../../../shared/domain-error.ts';

/** Limits of one {@link FailureCounter}. */
export interface FailureLimit {
  /** Failures allowed inside one window; the next attempt is refused until the window ends. */
  readonly maxFailures: number;
  /** Window length, ms, counted from the first failure. */
  readonly windowMs: number;
  /** Most keys remembered; when full, the least recently failed key is forgotten. */
  readonly maxKeys: number;
}

interface Entry {
  failures: number;
  windowStart: number;
}

/**
 * Counts failures per key in fixed windows that start at a key's first failure. Memory is bounded
 * by `maxKeys`: the map keeps keys in order of their last failure and drops the oldest when full
 * (an attacker cycling through more than `maxKeys` addresses can make us forget some, never make us
 * run out of memory).
 */
export class FailureCounter {
  readonly #limit: FailureLimit;
  readonly #clock: Clock;
  readonly #entries = new Map<string, Entry>();

  constructor(limit: FailureLimit, clock: Clock) {
    this.#limit = limit;
    this.#clock = clock;
  }

  /** Milliseconds until `key` may try again, or 0 when it may try now. */
  blockedForMs(key: string): number {
    const e = this.#live(key);
    if (!e || e.failures < this.#limit.maxFailures) return 0;
    return e.windowStart + this.#limit.windowMs - this.#clock.now();
  }

  /** Records one failure of `key`. */
  fail(key: string): void {
    const now = this.#clock.now();
    const e = this.#live(key) ?? { failures: 0, windowStart: now };
    e.failures++;
    // Re-inserting moves the key to the end: iteration order is least recently failed first.
    this.#entries.delete(key);
    this.#entries.set(key, e);
    while (this.#entries.size > this.#limit.maxKeys) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
  }

  /** Forgets `key`'s failures (after a success). */
  reset(key: string): void {
    this.#entries.delete(key);
  }

  /** Keys currently remembered. */
  get size(): number {
    return this.#entries.size;
  }

  #live(key: string): Entry | undefined {
    const e = this.#entries.get(key);
    if (e && this.#clock.now() - e.windowStart >= this.#limit.windowMs) {
      this.#entries.delete(key);
      return undefined;
    }
    return e;
  }
}

/** Settings of {@link AuthThrottle}. */
export interface AuthThrottleOptions {
  readonly perAddress: number;
  readonly perAccount: number;
  readonly windowSec: number;
  readonly maxKeys: number;
}

/**
 * The policy on failed authentications (wrong server key, wrong password, bad refresh token):
 * at most `perAddress` failures per client address and `perAccount` per account (email) within
 * `windowSec`; further attempts are refused with RESOURCE_EXHAUSTED (HTTP 429) until the window that
 * started at the first failure ends, even with correct credentials. A successful login clears the
 * account's count (not the address's, so one valid account cannot launder guesses at others).
 */
export class AuthThrottle {
  readonly #addresses: FailureCounter;
  readonly #accounts: FailureCounter;

  constructor(options: AuthThrottleOptions, clock: Clock) {
    const windowMs = options.windowSec * 1000;
    this.#addresses = new FailureCounter(
      { maxFailures: options.perAddress, windowMs, maxKeys: options.maxKeys },
      clock,
    );
    this.#accounts = new FailureCounter(
      { maxFailures: options.perAccount, windowMs, maxKeys: options.maxKeys },
      clock,
    );
  }

  /** Throws RESOURCE_EXHAUSTED when the address, or the account if given, is locked out. */
  check(address: string, account?: string): void {
    const byAddress = this.#addresses.blockedForMs(addressKey(address));
    if (byAddress > 0) throw tooMany('from this address', byAddress);
    const byAccount = account === undefined ? 0 : this.#accounts.blockedForMs(account);
    if (byAccount > 0) throw tooMany('for this account', byAccount);
  }

  /** Records a failed authentication. */
  fail(address: string, account?: string): void {
    this.#addresses.fail(addressKey(address));
    if (account !== undefined) this.#accounts.fail(account);
  }

  /** Records a successful authentication of `account`. */
  succeed(account: string): void {
    this.#accounts.reset(account);
  }
}

function tooMany(scope: string, ms: number): DomainError {
  const sec = Math.max(1, Math.ceil(ms / 1000));
  return new DomainError(
    ErrorKind.RESOURCE_EXHAUSTED,
    `Too many failed authentication attempts ${scope}; try again in ${sec} s.`,
    { retryAfterSec: sec },
  );
}

/**
 * The unit an address is limited by: an IPv4 address, or an IPv6 /64 (one customer's network: a
 * single host can use any address inside it). IPv4-mapped IPv6 addresses count as IPv4.
 */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!isIPv6(address)) return address;
  const [head = '', tail = ''] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = address.includes('::')
    ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g || '0', 16).toString(16))
    .join(':')}::/64`;
}
