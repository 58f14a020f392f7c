import type { Logger } from 'pino';
import type { Db } from '../../../db/db.ts';
import { RevocationCause, type RevocationEvent, type RevocationListener } from '../../../session/verifier.ts';
import type { Clock } from '../../../shared/clock.ts';
import { uuidV7Time } from '../../../shared/ids.ts';
import type { RevocationStore } from '../store/revocation-store.ts';
import { RevocationVerdicts } from './revocation-cache.ts';
import { RevokedUsers } from './revoked-users.ts';

export { RevocationCause, type RevocationEvent, type RevocationListener } from '../../../session/verifier.ts';

/** Dependencies and settings of {@link RevocationService}. */
export interface RevocationServiceOptions {
  readonly store: RevocationStore;
  /** Listeners hear of a revocation once it has committed (`afterCommit`). */
  readonly db: Pick<Db, 'afterCommit'>;
  readonly clock: Clock;
  /** The longest token lifetime: how long a revocation must be kept. */
  readonly maxLifetimeSec: number;
  /**
   * How long a "not revoked" verdict is remembered, ms (0: every check reads the database). Only
   * for a process that makes every revocation of its database itself: a single node.
   */
  readonly verdictCacheMs?: number;
  /**
   * Most verdicts remembered; also the most users with revocations known in memory (with the
   * verdict cache on, a user known to have none is never looked up: `revoked-users.ts`).
   */
  readonly verdictCacheEntries?: number;
  readonly logger?: Logger;
}

/**
 * Revokes sessions durably (in the database, so revocations survive restarts and are seen by every
 * node sharing a PostgreSQL database) and tells listeners once the revocation has committed: inside a
 * caller's transaction (a ban), after that transaction's commit, and never if it rolls back. A
 * revocation is kept until every token it covers has expired (`maxLifetimeSec` after it is made),
 * then pruned.
 */
export class RevocationService {
  readonly #store: RevocationStore;
  readonly #db: Pick<Db, 'afterCommit'>;
  readonly #clock: Clock;
  readonly #maxLifetimeMs: number;
  readonly #log: Logger | undefined;
  readonly #listeners = new Set<RevocationListener>();
  readonly #verdicts: RevocationVerdicts;
  /** With the verdict cache on: the users with a revocation stored (the others need no lookup). */
  readonly #revokedUsers: RevokedUsers | undefined;

  constructor(opts: RevocationServiceOptions) {
    this.#store = opts.store;
    this.#db = opts.db;
    this.#clock = opts.clock;
    this.#maxLifetimeMs = opts.maxLifetimeSec * 1000;
    this.#log = opts.logger;
    this.#verdicts = new RevocationVerdicts({
      ttlMs: opts.verdictCacheMs ?? 0,
      maxEntries: opts.verdictCacheEntries ?? 100_000,
      clock: opts.clock,
    });
    // Sound on the verdict cache's terms (this process makes every revocation), so on with it.
    this.#revokedUsers = this.#verdicts.enabled
      ? new RevokedUsers({
          load: (limit) => this.#store.revokedUserIds(limit),
          maxUsers: opts.verdictCacheEntries ?? 100_000,
        })
      : undefined;
  }

  /**
   * Revokes sessions by token id. `latestExpSec` is the latest `exp` seen among the tokens presented
   * (a token minted under an older, longer lifetime setting must stay revoked until it expires).
   */
  async revokeSessions(
    sessions: readonly { tokenId: string; userId: string; latestExpSec: number }[],
  ): Promise<void> {
    if (sessions.length === 0) return;
    const now = this.#clock.now();
    this.#verdicts.invalidate();
    for (const s of sessions) this.#revokedUsers?.named(s.userId);
    await this.#store.revokeSessions(
      sessions.map((s) => ({
        tokenId: s.tokenId,
        userId: s.userId,
        expiresAt: new Date(Math.max(now + this.#maxLifetimeMs, s.latestExpSec * 1000)),
      })),
    );
    this.#db.afterCommit(() => {
      this.#verdicts.invalidate();
      for (const s of sessions) this.#revokedUsers?.named(s.userId);
      for (const s of sessions)
        this.#emit({ userId: s.userId, tokenId: s.tokenId, cause: RevocationCause.LOGOUT });
    });
  }

  /** Revokes every session of `userId` started up to now ("log out everywhere", or a ban). */
  async revokeUser(userId: string, cause: RevocationCause): Promise<void> {
    const now = this.#clock.now();
    this.#verdicts.invalidate();
    this.#revokedUsers?.named(userId);
    await this.#store.revokeUser(userId, new Date(now), new Date(now + this.#maxLifetimeMs));
    this.#db.afterCommit(() => {
      this.#verdicts.invalidate();
      this.#revokedUsers?.named(userId);
      this.#emit({ userId, tokenId: null, cause });
    });
  }

  /**
   * Whether the session `tokenId` of `userId` is revoked. The session's start comes from the
   * version 7 token id (millisecond precision); `issuedAtSec` is the fallback for other ids. With the
   * verdict cache on, a session found not revoked is not looked up again for `verdictCacheMs`
   * unless a revocation happens meanwhile (any revocation forgets every verdict), and the session
   * of a user known to have no revocation stored is not looked up at all.
   */
  async isRevoked(tokenId: string, userId: string, issuedAtSec: number): Promise<boolean> {
    if (this.#verdicts.notRevoked(tokenId, userId) || this.#revokedUsers?.clear(userId)) return false;
    const generation = this.#verdicts.begin();
    const start = uuidV7Time(tokenId) ?? issuedAtSec * 1000;
    const revoked = await this.#store.isRevoked(tokenId, userId, new Date(start));
    if (!revoked) this.#verdicts.remember(generation, tokenId, userId);
    return revoked;
  }

  /** "Not revoked" verdicts remembered now (0 when the cache is off). */
  get cachedVerdicts(): number {
    return this.#verdicts.size;
  }

  /** Deletes revocations whose tokens have all expired (then reads the users that still have some). */
  async pruneExpired(): Promise<number> {
    const pruned = await this.#store.pruneExpired(new Date(this.#clock.now()));
    await this.#revokedUsers?.reload();
    return pruned;
  }

  /** Users known to have a revocation stored (undefined: not known, every check reads storage). */
  get revokedUsersKnown(): number | undefined {
    return this.#revokedUsers?.size;
  }

  /** Subscribes to revocations; returns the unsubscribe function. */
  onRevoked(listener: RevocationListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(event: RevocationEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (err) {
        // A failing subscriber must not undo or fail a revocation that is already stored.
        this.#log?.error({ err, event }, 'revocation listener failed');
      }
    }
  }
}
