import { addressKey } from '../../../shared/client-address.ts';
import type { Clock } from '../../../shared/clock.ts';
import { DomainError, ErrorKind } from '../../../shared/domain-error.ts';
import { OldestFirst } from '../../../shared/oldest-first.ts';

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
 * Counts failures per key in fixed windows that start at a key's first failure, plus the attempts
 * in flight. Memory is bounded by `maxKeys`: the map keeps keys in order of their last failure and
 * drops the oldest when full (an attacker cycling through more than `maxKeys` addresses can make us
 * forget some, never make us run out of memory). Attempts in flight are held per key only while their
 * request runs, so they are bounded by the requests being served.
 *
 * An attempt that needs slow work (an Argon2 verification) {@link reserve}s its place first and
 * {@link settle}s it afterwards: a key is blocked when its failures plus its attempts in flight reach
 * `maxFailures`, so a burst of N parallel guesses gets at most `maxFailures` of them checked.
 */
export class FailureCounter {
  readonly #limit: FailureLimit;
  readonly #clock: Clock;
  readonly #entries = new Map<string, Entry>();
  readonly #oldest = new OldestFirst(this.#entries);
  readonly #inFlight = new Map<string, number>();

  constructor(limit: FailureLimit, clock: Clock) {
    this.#limit = limit;
    this.#clock = clock;
  }

  /**
   * Milliseconds until `key` may try again, or 0 when it may try now. A key blocked only by attempts
   * still in flight may try again once they settle: that is reported as 1000 ms.
   */
  blockedForMs(key: string): number {
    const e = this.#live(key);
    const failures = e?.failures ?? 0;
    if (e && failures >= this.#limit.maxFailures) {
      return e.windowStart + this.#limit.windowMs - this.#clock.now();
    }
    return failures + (this.#inFlight.get(key) ?? 0) >= this.#limit.maxFailures ? IN_FLIGHT_RETRY_MS : 0;
  }

  /** Holds a place for one attempt of `key` (call only when {@link blockedForMs} is 0). */
  reserve(key: string): void {
    this.#inFlight.set(key, (this.#inFlight.get(key) ?? 0) + 1);
  }

  /** Ends a {@link reserve}d attempt: a failure is recorded, a success or a no-result is not. */
  settle(key: string, failed: boolean): void {
    const n = (this.#inFlight.get(key) ?? 0) - 1;
    if (n > 0) this.#inFlight.set(key, n);
    else this.#inFlight.delete(key);
    if (failed) this.fail(key);
  }

  /** Records one failure of `key`. */
  fail(key: string): void {
    const now = this.#clock.now();
    const e = this.#live(key) ?? { failures: 0, windowStart: now };
    e.failures++;
    // Re-inserting moves the key to the end: iteration order is least recently failed first.
    this.#entries.delete(key);
    this.#entries.set(key, e);
    while (this.#entries.size > this.#limit.maxKeys) this.#oldest.evict();
  }

  /** Forgets `key`'s failures (after a success); its attempts in flight stay counted. */
  reset(key: string): void {
    this.#entries.delete(key);
  }

  /** Keys currently remembered. */
  get size(): number {
    return this.#entries.size;
  }

  /** Attempts reserved and not yet settled, over every key. */
  get inFlight(): number {
    let n = 0;
    for (const v of this.#inFlight.values()) n += v;
    return n;
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

/** Retry-After for a key blocked only by attempts in flight: they settle within a verification. */
const IN_FLIGHT_RETRY_MS = 1000;

/**
 * One authentication attempt that holds its place in the limits while it runs (see
 * {@link AuthThrottle.begin}). Exactly one of the three settles it; later calls are no-ops, so
 * `release()` in a `finally` is always safe.
 */
export interface AuthAttempt {
  /** The credentials were wrong: counts against the address and the account. */
  fail(): void;
  /** The credentials were right: releases the place and clears the account's failures. */
  succeed(): void;
  /** Neither (no such account, a new account, an unrelated error): releases the place only. */
  release(): void;
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
 *
 * Checks whose verdict takes time (a password hash, a token lookup) go through {@link begin}, which
 * reserves the attempt before the verification, so parallel requests cannot all pass the check
 * before any of them has failed: attempts in flight count as failures until they settle.
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

  /**
   * Reserves one attempt of `address` (and `account` if given) before a slow verification; throws
   * RESOURCE_EXHAUSTED when the failures plus the attempts in flight already reach a limit. Settle
   * the returned attempt when the verdict is known (and `release()` it in a `finally`).
   */
  begin(address: string, account?: string): AuthAttempt {
    this.check(address, account);
    const key = addressKey(address);
    this.#addresses.reserve(key);
    if (account !== undefined) this.#accounts.reserve(account);
    let open = true;
    const settle = (failed: boolean) => {
      if (!open) return false;
      open = false;
      this.#addresses.settle(key, failed);
      if (account !== undefined) this.#accounts.settle(account, failed);
      return true;
    };
    return {
      fail: () => void settle(true),
      succeed: () => {
        if (settle(false) && account !== undefined) this.#accounts.reset(account);
      },
      release: () => void settle(false),
    };
  }

  /** Attempts begun and not yet settled (per address; for tests and metrics). */
  get inFlight(): number {
    return this.#addresses.inFlight;
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
