/**
 * The accounts feature's identity store: linking and unlinking the ways a user logs in (devices, a
 * custom id, an email and password) after the account exists. Implemented in `identity-sqlite.ts` and
 * `identity-postgres.ts`; contract suite in `identity-store.test.ts`. An identity belongs to one user;
 * a user keeps at least one (unlinking the last is refused).
 */

/**
 * Links and unlinks identities. Every method joins the caller's transaction (`db.tx`) when one is
 * open, otherwise runs in one of its own; each bumps the user's update time when it changes
 * something. "Refused" results change nothing.
 */
export interface IdentityStore {
  /**
   * Links a device to the user (a user may have many); linking its own device again only bumps the
   * update time. Throws `StorageConflictError` (device) when another user has it. Returns false when
   * the user does not exist.
   */
  linkDevice(userId: string, deviceId: string, now: Date): Promise<boolean>;
  /** Sets (replaces) the custom id. Throws `StorageConflictError` (custom_id). False: no such user. */
  linkCustomId(userId: string, customId: string, now: Date): Promise<boolean>;
  /** Sets (replaces) the email and password hash. Throws `StorageConflictError` (email). False: no such user. */
  linkEmail(userId: string, email: string, passwordHash: string, now: Date): Promise<boolean>;
  /**
   * Unlinks one of the user's devices, unless it is the user's last identity. False (refused) when the
   * device is not the user's, or nothing else would be left to log in with.
   */
  unlinkDevice(userId: string, deviceId: string, now: Date): Promise<boolean>;
  /**
   * Clears the custom id (when `customId` is given, only if it is the user's), unless it is the last
   * identity. False when refused.
   */
  unlinkCustomId(userId: string, customId: string | null, now: Date): Promise<boolean>;
  /**
   * Clears the email and password (when `email`, lower-case, is given, only if it is the user's),
   * unless it is the last identity. False when refused.
   */
  unlinkEmail(userId: string, email: string | null, now: Date): Promise<boolean>;
}
