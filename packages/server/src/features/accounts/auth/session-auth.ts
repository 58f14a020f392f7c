import type { Logger } from 'pino';
import {
  RevocationCause,
  type RevocationListener,
  type SessionVerifier,
  type VerifiedSession,
} from '../../../session/verifier.ts';
import type { Clock } from '../../../shared/clock.ts';
import { DomainError, ErrorKind } from '../../../shared/domain-error.ts';
import { newUuidV7 } from '../../../shared/ids.ts';
import type { RevocationService } from './revocations.ts';

export type { VerifiedSession } from '../../../session/verifier.ts';

import { type SessionClaims, TokenKind, type TokenSigner } from './tokens.ts';

/** A session token and its refresh token, as `POST /v2/account/authenticate/*` returns them. */
export interface IssuedTokens {
  readonly token: string;
  readonly refreshToken: string;
}

/** Settings of {@link SessionAuth}. */
export interface SessionAuthOptions {
  readonly signer: TokenSigner;
  readonly revocations: RevocationService;
  readonly clock: Clock;
  readonly tokenExpirySec: number;
  readonly refreshTokenExpirySec: number;
  /** How often expired revocations are pruned; 0 disables the timer. Default one hour. */
  readonly pruneIntervalMs?: number;
  readonly logger?: Logger;
}

/**
 * Session tokens: issuing, refreshing, verifying and revoking them. The socket layer calls
 * {@link verifySessionToken} before upgrading a connection and subscribes with {@link onRevoked} to
 * close the sockets of a session (or user) that logged out.
 */
export class SessionAuth implements SessionVerifier {
  readonly #o: SessionAuthOptions;
  readonly #timer: NodeJS.Timeout | undefined;
  #pruning: Promise<unknown> = Promise.resolve();

  constructor(options: SessionAuthOptions) {
    this.#o = options;
    this.#prune();
    const every = options.pruneIntervalMs ?? 3_600_000;
    // unref: pruning alone must never keep the process alive.
    this.#timer = every > 0 ? setInterval(() => this.#prune(), every).unref() : undefined;
  }

  /** Starts a new session for a user. */
  issue(
    user: { id: string; username: string },
    vars: Readonly<Record<string, string>> = {},
  ): Promise<IssuedTokens> {
    const now = this.#o.clock.now();
    return this.#sign({
      tid: newUuidV7(now),
      uid: user.id,
      usn: user.username,
      vars,
      iatSec: Math.floor(now / 1000),
    });
  }

  /**
   * Checks a session token: HS256 signature with the session key, well-formed claims, not expired,
   * session not revoked (logout) and user not revoked (logout everywhere). Returns who it belongs to;
   * throws an UNAUTHENTICATED {@link DomainError} saying which check failed.
   */
  async verifySessionToken(token: string): Promise<VerifiedSession> {
    const c = await this.#o.signer.verify(TokenKind.SESSION, token, this.#o.clock.now());
    await this.#assertNotRevoked(c, 'Auth token');
    return {
      userId: c.uid,
      username: c.usn,
      tokenId: c.tid,
      expiresAt: c.exp,
      issuedAt: c.iat,
      vars: c.vrs ?? {},
    };
  }

  /**
   * The same checks as {@link verifySessionToken}, for a refresh token (refresh key). `precheck`
   * runs on the claims after the signature and expiry checks and before the revocation check, so a
   * caller can refuse with a more precise reason than "revoked" (a banned user's sessions are
   * revoked too, and "User account banned." tells the client more).
   */
  async verifyRefreshToken(
    token: string,
    precheck?: (claims: SessionClaims) => Promise<void>,
  ): Promise<SessionClaims> {
    const c = await this.#o.signer.verify(TokenKind.REFRESH, token, this.#o.clock.now());
    await precheck?.(c);
    await this.#assertNotRevoked(c, 'Refresh token');
    return c;
  }

  /**
   * New tokens for an existing session (refresh): same `tid` and `iat`, new expiry, the user's
   * current username, and `vars` when given (else the session's own).
   */
  reissue(
    claims: SessionClaims,
    username: string,
    vars?: Readonly<Record<string, string>>,
  ): Promise<IssuedTokens> {
    return this.#sign({
      tid: claims.tid,
      uid: claims.uid,
      usn: username,
      vars: vars ?? claims.vrs ?? {},
      iatSec: claims.iat,
    });
  }

  /**
   * Logs out. With tokens, revokes their sessions (both the session and the refresh token of each);
   * they must belong to the caller, and may already be expired. With neither, revokes every session
   * of the caller, as Nakama does for an empty logout.
   */
  async logout(caller: VerifiedSession, tokens: { token?: string; refreshToken?: string }): Promise<void> {
    const now = this.#o.clock.now();
    const presented: SessionClaims[] = [];
    if (tokens.token) presented.push(await this.#owned(TokenKind.SESSION, tokens.token, caller, now));
    if (tokens.refreshToken)
      presented.push(await this.#owned(TokenKind.REFRESH, tokens.refreshToken, caller, now));
    if (presented.length === 0) {
      await this.#o.revocations.revokeUser(caller.userId, RevocationCause.LOGOUT);
      return;
    }
    const byTid = new Map<string, number>();
    for (const c of presented) byTid.set(c.tid, Math.max(byTid.get(c.tid) ?? 0, c.exp));
    await this.#o.revocations.revokeSessions(
      [...byTid].map(([tokenId, latestExpSec]) => ({ tokenId, userId: caller.userId, latestExpSec })),
    );
  }

  /**
   * Revokes every session of a user started up to now, for a reason other than the user's own
   * logout (a ban). Listeners get `{userId, tokenId: null, cause}`.
   */
  revokeUser(userId: string, cause: RevocationCause): Promise<void> {
    return this.#o.revocations.revokeUser(userId, cause);
  }

  /** Subscribes to revocations (logout, logout everywhere, bans); returns the unsubscribe function. */
  onRevoked(listener: RevocationListener): () => void {
    return this.#o.revocations.onRevoked(listener);
  }

  /** Stops the pruning timer and waits for a running prune. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#pruning;
  }

  async #owned(kind: TokenKind, token: string, caller: VerifiedSession, now: number): Promise<SessionClaims> {
    const label = kind === TokenKind.SESSION ? 'Session token' : 'Refresh token';
    let c: SessionClaims;
    try {
      c = await this.#o.signer.verify(kind, token, now, true);
    } catch (err) {
      throw new DomainError(ErrorKind.INVALID_ARGUMENT, `${label} invalid: ${(err as Error).message}`, {
        cause: err,
      });
    }
    if (c.uid !== caller.userId) {
      throw new DomainError(ErrorKind.INVALID_ARGUMENT, `${label} invalid: it belongs to another user`);
    }
    return c;
  }

  async #assertNotRevoked(c: SessionClaims, label: string): Promise<void> {
    if (await this.#o.revocations.isRevoked(c.tid, c.uid, c.iat)) {
      throw new DomainError(ErrorKind.UNAUTHENTICATED, `${label} revoked: the session was logged out`);
    }
  }

  #sign(s: {
    tid: string;
    uid: string;
    usn: string;
    vars: Readonly<Record<string, string>>;
    iatSec: number;
  }): Promise<IssuedTokens> {
    const nowSec = Math.floor(this.#o.clock.now() / 1000);
    // `vrs` is omitted when empty, as Nakama does (omitempty).
    const claims =
      Object.keys(s.vars).length > 0
        ? { tid: s.tid, uid: s.uid, usn: s.usn, vrs: s.vars, iat: s.iatSec }
        : { tid: s.tid, uid: s.uid, usn: s.usn, iat: s.iatSec };
    try {
      return Promise.resolve(
        this.#o.signer.signPair(
          claims,
          nowSec + this.#o.tokenExpirySec,
          nowSec + this.#o.refreshTokenExpirySec,
        ),
      );
    } catch (err) {
      return Promise.reject(err);
    }
  }

  #prune(): void {
    this.#pruning = this.#o.revocations
      .pruneExpired()
      .then((n) => {
        if (n > 0) this.#o.logger?.debug({ pruned: n }, 'pruned expired revocations');
      })
      .catch((err: unknown) => this.#o.logger?.warn({ err }, 'pruning expired revocations failed'));
  }
}
