/**
 * Match tokens: the short-lived JWT a `matchmaker_matched` push carries when no server hook chose a
 * match, and which a client redeems with `match_join{token}`.
 *
 * Format, as Nakama's: HS256 signed with the **session** encryption key, claims `{"mid": "<match id>",
 * "exp": <unix seconds>}`, valid 30 seconds. Signing is synchronous (node:crypto HMAC), so the
 * matchmaker can mint tokens and `match_join` can check them without an `await` before the join is
 * tracked.
 *
 * @packageDocumentation
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { RealtimeError } from '@tether/protocol';
import { type Clock, systemClock } from '../../shared/clock.ts';
import { type DomainError, invalid } from '../../shared/domain-error.ts';

/** Lifetime of a match token (Nakama: 30 s). */
export const MATCH_TOKEN_TTL_SEC = 30;

/** `{"alg":"HS256","typ":"JWT"}`, base64url: the only header Tether issues or accepts. */
const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

/** Settings of {@link MatchTokens}. */
export interface MatchTokenOptions {
  /** The session encryption key (`config.sessionEncryptionKey`). */
  readonly key: string;
  readonly clock?: Clock;
  /** Token lifetime in seconds; default {@link MATCH_TOKEN_TTL_SEC}. */
  readonly ttlSec?: number;
}

/**
 * Issues and checks match tokens. One instance per server (built by the match feature and shared
 * with the matchmaker); it holds no state besides its key, so building another with the same key is
 * equivalent.
 */
export class MatchTokens {
  readonly #key: string;
  readonly #clock: Clock;
  readonly #ttlSec: number;

  constructor(options: MatchTokenOptions) {
    this.#key = options.key;
    this.#clock = options.clock ?? systemClock;
    this.#ttlSec = options.ttlSec ?? MATCH_TOKEN_TTL_SEC;
  }

  /**
   * A token for match `mid` (`"<uuid>."` for a relayed match the redeemer may create, or an
   * authoritative match id), valid for the configured lifetime from now.
   */
  createMatchToken(mid: string): string {
    const exp = Math.floor(this.#clock.now() / 1000) + this.#ttlSec;
    // Match ids are ASCII, so the payload never needs nakama-js's base64 workaround (see tokens.ts).
    const payload = Buffer.from(JSON.stringify({ mid, exp })).toString('base64url');
    return `${HEADER}.${payload}.${this.#sign(`${HEADER}.${payload}`)}`;
  }

  /**
   * Checks a token's header, signature and expiry and returns its match id. Throws a BAD_INPUT
   * {@link RealtimeError} "Invalid match token: <why>" otherwise (Nakama answers "Invalid match token").
   */
  verifyMatchToken(token: string): string {
    const parts = token.split('.');
    if (parts.length !== 3) throw invalidToken('not a well-formed JWT');
    const [header, payload, signature] = parts as [string, string, string];
    const expected = Buffer.from(this.#sign(`${header}.${payload}`));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw invalidToken('signature does not match');
    }
    let claims: unknown;
    let alg: unknown;
    try {
      alg = (JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg?: unknown }).alg;
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    } catch {
      throw invalidToken('not a well-formed JWT');
    }
    if (alg !== 'HS256') throw invalidToken('algorithm must be HS256');
    const { mid, exp } = (claims ?? {}) as { mid?: unknown; exp?: unknown };
    if (typeof mid !== 'string' || mid === '') throw invalidToken("missing claim 'mid'");
    if (typeof exp !== 'number') throw invalidToken("missing claim 'exp'");
    if (exp * 1000 <= this.#clock.now()) throw invalidToken('expired');
    return mid;
  }

  #sign(input: string): string {
    return createHmac('sha256', this.#key).update(input).digest('base64url');
  }
}

function invalidToken(why: string): DomainError {
  return invalid(`Invalid match token: ${why}`);
}
