/**
 * The admin console's login: one administrator (`--console-username`, `--console-password`), console
 * tokens kept in memory and separate from game session tokens.
 *
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import { constantTimeEqual } from '../api/auth-headers.ts';
import { AuthThrottle } from '../features/accounts/auth/rate-limiter.ts';
import type { Clock } from '../shared/clock.ts';
import { DomainError, ErrorKind, unauthenticated } from '../shared/domain-error.ts';
import { OldestFirst } from '../shared/oldest-first.ts';

/** Settings of {@link ConsoleAuth}. */
export interface ConsoleAuthOptions {
  readonly username: string;
  readonly password: string;
  /** Lifetime of a console token. */
  readonly tokenExpirySec: number;
  /** Failed logins allowed per address per window. */
  readonly failuresPerAddress: number;
  readonly failureWindowSec: number;
  /** Most addresses the failure counter remembers. */
  readonly failureTrackedKeys: number;
  /** Most live console tokens; logging in beyond it ends the oldest login. */
  readonly maxTokens?: number;
}

/** A console login. */
export interface ConsoleLogin {
  readonly token: string;
  /** Unix seconds. */
  readonly expiresAt: number;
}

/** Who a verified console token belongs to. */
export interface ConsoleAdmin {
  readonly username: string;
}

const DEFAULT_MAX_TOKENS = 1000;

/**
 * Checks console credentials and the tokens it issues. Tokens are random (256 bits), valid for
 * `tokenExpirySec`, held in a bounded in-memory map (a restart logs every administrator out) and
 * never accepted as game session tokens, nor game tokens here. Both credentials are compared in
 * constant time; failures are counted per address (the {@link AuthThrottle} of game logins), and a
 * locked-out address is refused with RESOURCE_EXHAUSTED (429) even with the right password until its
 * window ends. There is no lockout of the account itself: an attacker spreading guesses over many
 * addresses must not be able to lock the administrator out during an incident.
 */
export class ConsoleAuth {
  readonly #o: ConsoleAuthOptions;
  readonly #clock: Clock;
  readonly #throttle: AuthThrottle;
  /** Token → expiry (ms) and user, in issue order (the oldest is evicted first). */
  readonly #tokens = new Map<string, { expiresAtMs: number; admin: ConsoleAdmin }>();
  readonly #oldest = new OldestFirst(this.#tokens);

  constructor(options: ConsoleAuthOptions, clock: Clock) {
    this.#o = options;
    this.#clock = clock;
    this.#throttle = new AuthThrottle(
      {
        perAddress: options.failuresPerAddress,
        perAccount: options.failuresPerAddress,
        windowSec: options.failureWindowSec,
        maxKeys: options.failureTrackedKeys,
      },
      clock,
    );
  }

  /** Logs in; UNAUTHENTICATED for wrong credentials, RESOURCE_EXHAUSTED while locked out. */
  login(username: string, password: string, address: string): ConsoleLogin {
    this.#throttle.check(address);
    // Both comparisons always run, so the time taken does not tell which one failed.
    const userOk = constantTimeEqual(username, this.#o.username);
    const passwordOk = constantTimeEqual(password, this.#o.password);
    if (!(userOk && passwordOk)) {
      this.#throttle.fail(address);
      throw unauthenticated('Invalid console username or password.');
    }
    this.#prune();
    const maxTokens = this.#o.maxTokens ?? DEFAULT_MAX_TOKENS;
    while (this.#tokens.size >= maxTokens) this.#oldest.evict();
    const token = randomBytes(32).toString('base64url');
    const expiresAtMs = this.#clock.now() + this.#o.tokenExpirySec * 1000;
    this.#tokens.set(token, { expiresAtMs, admin: { username } });
    return { token, expiresAt: Math.floor(expiresAtMs / 1000) };
  }

  /** The administrator of a live token; UNAUTHENTICATED for an unknown or expired one. */
  verify(token: string): ConsoleAdmin {
    const entry = this.#tokens.get(token);
    if (!entry) throw unauthenticated('Console login required.');
    if (entry.expiresAtMs <= this.#clock.now()) {
      this.#tokens.delete(token);
      throw new DomainError(ErrorKind.UNAUTHENTICATED, 'Console login expired: log in again.');
    }
    return entry.admin;
  }

  /** Ends a login (a no-op for an unknown token). */
  logout(token: string): void {
    this.#tokens.delete(token);
  }

  /** Live tokens (for tests and the status page). */
  get size(): number {
    return this.#tokens.size;
  }

  /** Drops expired tokens; they are in issue order, and every token lives equally long. */
  #prune(): void {
    const now = this.#clock.now();
    for (const [token, entry] of this.#tokens) {
      if (entry.expiresAtMs > now) break;
      this.#tokens.delete(token);
    }
  }
}
