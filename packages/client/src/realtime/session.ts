/**
 * The session a player gets from authenticating: the session token (a JWT the server signs), the
 * refresh token, and the claims the client needs (user id, username, expiry).
 *
 * The payload is decoded as base64url (RFC 7519), not plain base64: nakama-js 2.8.0 decoded it with
 * `atob`, which breaks as soon as the payload's encoding contains `-` or `_`. Nothing here checks the
 * signature; only the server can, and it does on every use.
 *
 * @packageDocumentation
 */

import { decodeBase64, decodeUtf8 } from '@tether/protocol';
import { ClientError, ClientErrorCode } from '../errors.ts';

/** The claims Tether (and Nakama) put in session and refresh tokens. */
export interface SessionClaims {
  /** Token id: one per session, shared by the session and refresh tokens. */
  readonly tid?: string;
  /** User id. */
  readonly uid: string;
  /** Username at the time the token was issued. */
  readonly usn: string;
  /** Session variables given at authentication or refresh. */
  readonly vrs?: Readonly<Record<string, string>>;
  /** Expiry, Unix seconds. */
  readonly exp: number;
  /** Issued at (session start), Unix seconds. */
  readonly iat?: number;
}

/**
 * Decodes the claims of a JWT without verifying it. Throws {@link ClientError} INVALID_ARGUMENT when
 * the text is not a JWT or lacks the claims a session needs (`uid`, `usn`, numeric `exp`).
 *
 * @param token - `header.payload.signature`, base64url segments
 */
export function decodeSessionClaims(token: string): SessionClaims {
  const parts = typeof token === 'string' ? token.split('.') : [];
  const bad = (why: string) =>
    new ClientError(ClientErrorCode.INVALID_ARGUMENT, `not a session token: ${why}`);
  if (parts.length !== 3) throw bad('expected three dot-separated segments');
  // decodeBase64 accepts the URL-safe alphabet without padding, which is exactly base64url.
  const bytes = decodeBase64(parts[1]!);
  if (bytes === undefined) throw bad('the payload is not base64url');
  let claims: unknown;
  try {
    claims = JSON.parse(decodeUtf8(bytes));
  } catch {
    throw bad('the payload is not JSON');
  }
  const c = claims as Record<string, unknown> | null;
  if (typeof c !== 'object' || c === null) throw bad('the payload is not a JSON object');
  if (typeof c.uid !== 'string' || typeof c.usn !== 'string' || typeof c.exp !== 'number') {
    throw bad('uid, usn and exp claims are required');
  }
  return c as unknown as SessionClaims;
}

/**
 * An authenticated session. Immutable: refreshing gives a new `Session`.
 *
 * @example
 * ```ts
 * const session = await client.authenticateDevice('my-device-id-0001');
 * if (session.isExpired(Date.now() + 60_000)) session = await client.sessionRefresh(session);
 * ```
 */
export class Session {
  /** The session token (JWT), sent as `Authorization: Bearer` and in the socket URL. */
  readonly token: string;
  /** The refresh token (JWT), exchanged for a new session token by `sessionRefresh`. */
  readonly refreshToken: string;
  /** True when the authentication call created the account. */
  readonly created: boolean;
  /** User id (`uid`). */
  readonly userId: string;
  /** Username (`usn`) when the token was issued. */
  readonly username: string;
  /** Session variables (`vrs`). */
  readonly vars: Readonly<Record<string, string>>;
  /** Session token expiry, milliseconds since the epoch. */
  readonly expiresAt: number;
  /** Refresh token expiry, milliseconds since the epoch (0 when there is no readable refresh token). */
  readonly refreshExpiresAt: number;
  /** Session start (`iat`), milliseconds since the epoch; 0 if absent. */
  readonly issuedAt: number;
  /** Token id (`tid`): identifies the session across refreshes; "" if absent. */
  readonly tokenId: string;

  /**
   * @param token - session token
   * @param refreshToken - refresh token ("" when you only have a session token; refresh then fails)
   * @param created - whether authentication created the account
   * @throws ClientError INVALID_ARGUMENT if `token` is not a session JWT
   */
  constructor(token: string, refreshToken: string, created = false) {
    const claims = decodeSessionClaims(token);
    this.token = token;
    this.refreshToken = refreshToken;
    this.created = created;
    this.userId = claims.uid;
    this.username = claims.usn;
    this.vars = Object.freeze({ ...(claims.vrs ?? {}) });
    this.expiresAt = claims.exp * 1000;
    this.issuedAt = (claims.iat ?? 0) * 1000;
    this.tokenId = claims.tid ?? '';
    let refreshExp = 0;
    if (refreshToken) {
      try {
        refreshExp = decodeSessionClaims(refreshToken).exp * 1000;
      } catch {
        // An unreadable refresh token is the server's business: refreshing reports the real error.
      }
    }
    this.refreshExpiresAt = refreshExp;
  }

  /** Rebuilds a session from stored tokens (e.g. `localStorage`), without a server round trip. */
  static restore(token: string, refreshToken: string): Session {
    return new Session(token, refreshToken);
  }

  /**
   * True when the session token has expired at `nowMs`. Pass a time in the future to ask "will it
   * have expired by then?", e.g. `isExpired(Date.now() + 60_000)` to refresh a minute early.
   *
   * @param nowMs - milliseconds since the epoch (`Date.now()`), not seconds
   */
  isExpired(nowMs: number = Date.now()): boolean {
    return nowMs >= this.expiresAt;
  }

  /**
   * True when the refresh token has expired (or there is none) at `nowMs`: the player must log in
   * again.
   *
   * @param nowMs - milliseconds since the epoch
   */
  isRefreshExpired(nowMs: number = Date.now()): boolean {
    return nowMs >= this.refreshExpiresAt;
  }
}
