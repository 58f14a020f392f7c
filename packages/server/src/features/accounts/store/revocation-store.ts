/**
 * The accounts feature's revocation store: revoked sessions (logout) and users (logout everywhere,
 * bans), read by its session authentication. Implemented in `sqlite.ts` and `postgres.ts`; contract
 * suite in `revocation-store.test.ts`.
 */

/**
 * Revoked sessions and users, kept until every affected token has expired. Every method joins the
 * caller's transaction (`db.tx`) when one is open, so a ban and its revocations commit together.
 */
export interface RevocationStore {
  /**
   * Revokes sessions by token id (`tid`, shared by a session's session and refresh tokens), in one
   * transaction. Revoking an already revoked session keeps the later `expiresAt`.
   */
  revokeSessions(sessions: readonly { tokenId: string; userId: string; expiresAt: Date }[]): Promise<void>;
  /** Revokes every session of a user that started at or before `startedBefore`. */
  revokeUser(userId: string, startedBefore: Date, expiresAt: Date): Promise<void>;
  /** Whether a session is revoked, by its token id or by a revocation of its user. */
  isRevoked(tokenId: string, userId: string, sessionStart: Date): Promise<boolean>;
  /**
   * Ids of the users with a revocation stored (of a session of theirs, or of the user), each once,
   * at most `limit` of them, in no particular order.
   */
  revokedUserIds(limit: number): Promise<string[]>;
  /** Forgets revocations whose tokens have all expired, in one transaction; returns how many were removed. */
  pruneExpired(now: Date): Promise<number>;
}
