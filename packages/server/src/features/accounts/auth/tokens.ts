import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';
import { compactVerify, errors } from 'jose';
import { DomainError, ErrorKind } from '../../../shared/domain-error.ts';
import { OldestFirst } from '../../../shared/oldest-first.ts';
import { readClaims } from './claims.ts';

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

const HEADER = { alg: 'HS256', typ: 'JWT' } as const;
/** The protected header as every token signed here carries it (as jose's `CompactSign` writes it). */
const HEADER_SEGMENT = Buffer.from(JSON.stringify(HEADER), 'utf8').toString('base64url');
/** Length of an HMAC-SHA256 signature in unpadded base64url. */
const SIGNATURE_CHARS = 43;
/**
 * Tokens whose signature and claims were checked, remembered so that the next request with the same
 * token skips the HMAC (through WebCrypto it cost about a third of the CPU of a small authenticated
 * request: bench/storage-http.ts). Bounded, per kind; the oldest entry goes first.
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
  /** HMAC keys for node:crypto's synchronous HMAC (the hot path). */
  readonly #secrets: Record<TokenKind, KeyObject>;
  /** The same keys for jose, imported on first use: only tokens with another header need it. */
  readonly #secretBytes: Record<TokenKind, Uint8Array<ArrayBuffer>>;
  readonly #joseKeys: Partial<Record<TokenKind, Promise<CryptoKey>>> = {};
  /**
   * Claims of tokens already verified, by kind and token text. A token's signature and claims never
   * change, so a hit is as good as checking again; expiry is still checked on every call.
   */
  /** Decodes payloads (one decoder for every call: it keeps no state between whole-input decodes). */
  readonly #utf8 = new TextDecoder();
  readonly #verified: Record<TokenKind, VerifiedTokens> = {
    session: verifiedTokens(),
    refresh: verifiedTokens(),
  };

  constructor(keys: { sessionKey: string; refreshKey: string }) {
    this.#secretBytes = {
      session: new TextEncoder().encode(keys.sessionKey),
      refresh: new TextEncoder().encode(keys.refreshKey),
    };
    this.#secrets = {
      session: createSecretKey(this.#secretBytes.session),
      refresh: createSecretKey(this.#secretBytes.refresh),
    };
  }

  /**
   * Signs claims with the key of `kind`: the compact JWS that jose's `CompactSign` writes for the
   * same header and payload, byte for byte, but with node:crypto's HMAC, which is synchronous and
   * costs about 2 µs, where WebCrypto's (what jose uses) costs tens of µs of CPU and a trip
   * through the thread pool. Each authentication signs two tokens.
   */
  async sign(kind: TokenKind, claims: SessionClaims): Promise<string> {
    return this.#signJson(kind, asciiSafeJson(claims));
  }

  /**
   * Signs a session's two tokens at once, synchronously: the same claims but `exp` (written in the
   * order {@link sign} writes them, so each token is byte for byte what `sign` gives), with the
   * claims' JSON text built once for both.
   */
  signPair(
    claims: Omit<SessionClaims, 'exp'>,
    sessionExp: number,
    refreshExp: number,
  ): { token: string; refreshToken: string } {
    const { iat, ...shared } = claims;
    // `{"tid":..,"uid":..,"usn":..[,"vrs":{..}]` and then `,"exp":N,"iat":N}`: what JSON.stringify
    // writes for the whole object, numbers being plain integers.
    const head = asciiSafeJson(shared).slice(0, -1);
    const tail = (exp: number) => `${head},"exp":${JSON.stringify(exp)},"iat":${JSON.stringify(iat)}}`;
    return {
      token: this.#signJson(TokenKind.SESSION, tail(sessionExp)),
      refreshToken: this.#signJson(TokenKind.REFRESH, tail(refreshExp)),
    };
  }

  #signJson(kind: TokenKind, json: string): string {
    const payload = Buffer.from(json, 'utf8').toString('base64url');
    // Defence in depth: the escaping makes this impossible; fail loudly rather than hand a client
    // a token it cannot decode.
    if (/[-_]/.test(payload)) throw new Error('token payload is not base64-safe');
    const input = `${HEADER_SEGMENT}.${payload}`;
    return `${input}.${this.#mac(kind, input)}`;
  }

  /**
   * Checks the signature, the algorithm and the claims' shape, and (unless `ignoreExpiry`) that
   * `exp` is after `nowMs`. Throws an UNAUTHENTICATED {@link DomainError} whose message says what
   * was wrong ("Auth token expired", "Refresh token invalid: signature does not match", ...).
   */
  async verify(kind: TokenKind, token: string, nowMs: number, ignoreExpiry = false): Promise<SessionClaims> {
    const verified = this.#verified[kind];
    const claims = verified.claims.get(token) ?? (await this.#check(kind, token));
    if (!verified.claims.has(token)) {
      if (verified.claims.size >= VERIFIED_CACHE_SIZE) verified.oldest.evict();
      // A copy of the token's text: it is often a slice of a longer string (the upgrade URL of a
      // socket, about 340 bytes with its query), which a cached slice would keep alive.
      verified.claims.set(Buffer.from(token, 'latin1').toString('latin1'), claims);
    }
    if (!ignoreExpiry && claims.exp * 1000 <= nowMs) {
      throw new DomainError(ErrorKind.UNAUTHENTICATED, `${LABEL[kind]} expired`);
    }
    return claims;
  }

  /** HMAC-SHA256 of `input` with the key of `kind`, in base64url. */
  #mac(kind: TokenKind, input: string): string {
    return createHmac('sha256', this.#secrets[kind]).update(input, 'utf8').digest('base64url');
  }

  /** Signature, algorithm and claims' shape, without the expiry. */
  async #check(kind: TokenKind, token: string): Promise<SessionClaims> {
    const label = LABEL[kind];
    const payload = token.startsWith(`${HEADER_SEGMENT}.`)
      ? this.#checkOwn(kind, token, label)
      : await this.#checkJose(kind, token, label);
    let raw: unknown;
    try {
      raw = JSON.parse(this.#utf8.decode(payload));
    } catch (err) {
      throw new DomainError(ErrorKind.UNAUTHENTICATED, `${label} invalid: payload is not JSON`, {
        cause: err,
      });
    }
    const claims = readClaims(raw);
    if (typeof claims === 'string') {
      const field = claims || 'claims';
      throw new DomainError(ErrorKind.UNAUTHENTICATED, `${label} invalid: bad or missing claim '${field}'`);
    }
    return claims;
  }

  /**
   * A token with the header this signer writes: the signature must be exactly the base64url HMAC
   * of header and payload (compared in constant time), and the payload base64url.
   */
  #checkOwn(kind: TokenKind, token: string, label: string): Uint8Array {
    const dot = token.lastIndexOf('.');
    const payload = token.slice(HEADER_SEGMENT.length + 1, dot);
    if (dot <= HEADER_SEGMENT.length || !/^[A-Za-z0-9_-]*$/.test(payload)) {
      throw new DomainError(ErrorKind.UNAUTHENTICATED, `${label} invalid: not a well-formed JWT`);
    }
    const given = Buffer.from(token.slice(dot + 1), 'latin1');
    const expected = Buffer.from(this.#mac(kind, token.slice(0, dot)), 'latin1');
    if (given.length !== SIGNATURE_CHARS || !timingSafeEqual(given, expected)) {
      throw new DomainError(ErrorKind.UNAUTHENTICATED, `${label} invalid: signature does not match`);
    }
    return Buffer.from(payload, 'base64url');
  }

  /** Any other token goes through jose, which says what is wrong with it (algorithm, form, ...). */
  async #checkJose(kind: TokenKind, token: string, label: string): Promise<Uint8Array> {
    this.#joseKeys[kind] ??= hmacKey(this.#secretBytes[kind]);
    try {
      return (await compactVerify(token, await this.#joseKeys[kind], { algorithms: ['HS256'] })).payload;
    } catch (err) {
      throw new DomainError(ErrorKind.UNAUTHENTICATED, `${label} invalid: ${joseReason(err)}`, {
        cause: err,
      });
    }
  }
}

/** One kind's verified tokens: claims by token text, oldest first. */
interface VerifiedTokens {
  readonly claims: Map<string, SessionClaims>;
  readonly oldest: OldestFirst<string>;
}

function verifiedTokens(): VerifiedTokens {
  const claims = new Map<string, SessionClaims>();
  return { claims, oldest: new OldestFirst(claims) };
}

/** JSON whose text contains only ASCII other than `>`, `?`, `~` and DEL (see {@link TokenSigner}). */
export function asciiSafeJson(value: unknown): string {
  // Those characters can only occur inside JSON strings, where a \u escape means the same thing.
  return JSON.stringify(value).replace(
    /[>?~\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function hmacKey(secret: Uint8Array<ArrayBuffer>): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
}

function joseReason(err: unknown): string {
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'signature does not match';
  if (err instanceof errors.JOSEAlgNotAllowed) return 'algorithm must be HS256';
  if (err instanceof errors.JWSInvalid) return 'not a well-formed JWT';
  return 'cannot be verified';
}
