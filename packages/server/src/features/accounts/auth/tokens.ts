import { CompactSign, compactVerify, errors } from 'jose';
import { z } from 'zod';
import { DomainError, ErrorKind } from '../../../shared/domain-error.ts';

/**
 * The claims of Tether's session and refresh tokens: Nakama's `SessionTokenClaims`, which nakama-js
 * decodes itself (`exp`, `uid`, `usn`, `vrs`). A session's session token and refresh token share
 * `tid` and `iat`; refreshing changes only `exp` (and `usn`/`vrs` when they changed).
 */
export interface SessionClaims {
  /** Token id: identifies the session (login) across refreshes; a version 7 UUID. */
  readonly tid: string;
  /** User id. */
  readonly uid: string;
  /** Username when the token was issued. */
  readonly usn: string;
  /** Client-supplied session variables. */
  readonly vrs?: Readonly<Record<string, string>>;
  /** Expiry, Unix seconds. */
  readonly exp: number;
  /** When the session started, Unix seconds. */
  readonly iat: number;
}

/** Which key and lifetime a token uses. */
export const TokenKind = { SESSION: 'session', REFRESH: 'refresh' } as const;
export type TokenKind = (typeof TokenKind)[keyof typeof TokenKind];

const ClaimsSchema = z.object({
  tid: z.uuid(),
  uid: z.uuid(),
  usn: z.string(),
  vrs: z.record(z.string(), z.string()).optional(),
  exp: z.number().int(),
  iat: z.number().int(),
});

const HEADER = { alg: 'HS256', typ: 'JWT' } as const;
/**
 * Tokens whose signature and claims were checked, remembered so that the next request with the same
 * token skips the HMAC (through WebCrypto it cost about a third of the CPU of a small authenticated
 * request: bench/storage-http.ts). Bounded; the oldest entry goes first.
 */
const VERIFIED_CACHE_SIZE = 10_000;
const LABEL: Record<TokenKind, string> = { session: 'Auth token', refresh: 'Refresh token' };

/**
 * Signs and checks HS256 JWTs with the session and refresh keys from the configuration.
 *
 * nakama-js 2.8.0 decodes the payload with plain base64 `atob`, which fails when the base64url text
 * contains `-` or `_`. For ASCII JSON that happens only for the bytes `>`, `?`, `~` and DEL, so the
 * payload is written with those (and every non-ASCII character) as `\uXXXX` escapes: any username
 * or var then yields a segment nakama-js can read, and standard JWT libraries decode the same claims.
 */
export class TokenSigner {
  readonly #keys: Record<TokenKind, Promise<CryptoKey>>;
  /**
   * Claims of tokens already verified, by kind and token text. A token's signature and claims never
   * change, so a hit is as good as checking again; expiry is still checked on every call.
   */
  readonly #verified = new Map<string, SessionClaims>();

  constructor(keys: { sessionKey: string; refreshKey: string }) {
    // Imported once: handing jose raw bytes makes it import the key on every call, which made
    // signing about 3x slower in measurements (bench/accounts-auth.ts).
    this.#keys = { session: hmacKey(keys.sessionKey), refresh: hmacKey(keys.refreshKey) };
  }

  /** Signs claims with the key of `kind`. */
  async sign(kind: TokenKind, claims: SessionClaims): Promise<string> {
    const payload = new TextEncoder().encode(asciiSafeJson(claims));
    const token = await new CompactSign(payload).setProtectedHeader(HEADER).sign(await this.#keys[kind]);
    // Defence in depth: the escaping above makes this impossible; fail loudly rather than hand a
    // client a token it cannot decode.
    if (/[-_]/.test(token.split('.')[1] ?? '')) throw new Error('token payload is not base64-safe');
    return token;
  }

  /**
   * Checks the signature, the algorithm and the claims' shape, and (unless `ignoreExpiry`) that
   * `exp` is after `nowMs`. Throws an UNAUTHENTICATED {@link DomainError} whose message says what
   * was wrong ("Auth token expired", "Refresh token invalid: signature does not match", ...).
   */
  async verify(kind: TokenKind, token: string, nowMs: number, ignoreExpiry = false): Promise<SessionClaims> {
    const cacheKey = `${kind} ${token}`;
    const claims = this.#verified.get(cacheKey) ?? (await this.#check(kind, token));
    if (!this.#verified.has(cacheKey)) {
      if (this.#verified.size >= VERIFIED_CACHE_SIZE)
        this.#verified.delete(this.#verified.keys().next().value!);
      this.#verified.set(cacheKey, claims);
    }
    if (!ignoreExpiry && claims.exp * 1000 <= nowMs) {
      throw new DomainError(ErrorKind.UNAUTHENTICATED, `${LABEL[kind]} expired`);
    }
    return claims;
  }

  /** Signature, algorithm and claims' shape, without the expiry. */
  async #check(kind: TokenKind, token: string): Promise<SessionClaims> {
    const label = LABEL[kind];
    let payload: Uint8Array;
    try {
      ({ payload } = await compactVerify(token, await this.#keys[kind], { algorithms: ['HS256'] }));
    } catch (err) {
      throw new DomainError(ErrorKind.UNAUTHENTICATED, `${label} invalid: ${joseReason(err)}`, {
        cause: err,
      });
    }
    let raw: unknown;
    try {
      raw = JSON.parse(new TextDecoder().decode(payload));
    } catch (err) {
      throw new DomainError(ErrorKind.UNAUTHENTICATED, `${label} invalid: payload is not JSON`, {
        cause: err,
      });
    }
    const parsed = ClaimsSchema.safeParse(raw);
    if (!parsed.success) {
      const field = parsed.error.issues[0]?.path.join('.') || 'claims';
      throw new DomainError(ErrorKind.UNAUTHENTICATED, `${label} invalid: bad or missing claim '${field}'`);
    }
    return parsed.data;
  }
}

/** JSON whose text contains only ASCII other than `>`, `?`, `~` and DEL (see {@link TokenSigner}). */
export function asciiSafeJson(value: unknown): string {
  // Those characters can only occur inside JSON strings, where a \u escape means the same thing.
  return JSON.stringify(value).replace(
    /[>?~\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function hmacKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign', 'verify'],
  );
}

function joseReason(err: unknown): string {
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'signature does not match';
  if (err instanceof errors.JOSEAlgNotAllowed) return 'algorithm must be HS256';
  if (err instanceof errors.JWSInvalid) return 'not a well-formed JWT';
  return 'cannot be verified';
}
