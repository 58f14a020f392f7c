/**
 * The accounts feature's account store: users, their identities (device, custom id, email + password
 * hash) and profiles, shaped by what the feature needs rather than by any database's API. The SQLite
 * and PostgreSQL implementations (`sqlite.ts`, `postgres.ts`) pass one contract suite
 * (`account-store.test.ts`); SQL never leaves them.
 */

/** A user's public profile, as `GET /v2/user` shows it. */
export interface UserRecord {
  readonly id: string;
  readonly username: string;
  readonly displayName: string | null;
  readonly avatarUrl: string | null;
  /** BCP-47 language tag; `en` unless the user set one. */
  readonly langTag: string;
  readonly location: string | null;
  readonly timezone: string | null;
  /** A JSON object, as text. */
  readonly metadata: string;
  readonly createTime: Date;
  readonly updateTime: Date;
  /**
   * When the account was banned (Nakama's `disable_time`); `null` when it is not. Not part of the
   * public profile: `GET /v2/user` leaves it out, `GET /v2/account` shows it when set.
   */
  readonly disableTime: Date | null;
}

/** Everything the owner of an account sees (`GET /v2/account`). */
export interface AccountRecord {
  readonly user: UserRecord;
  readonly email: string | null;
  readonly customId: string | null;
  /** Linked device ids, sorted. */
  readonly devices: readonly string[];
  /** A JSON object, as text. */
  readonly wallet: string;
}

/** The identity an account is created with and later found by. */
export type Identity =
  | { readonly kind: 'device'; readonly id: string }
  | { readonly kind: 'custom'; readonly id: string }
  | { readonly kind: 'email'; readonly email: string; readonly passwordHash: string };

/** A new account: one user row plus its first identity, written together or not at all. */
export interface NewAccount {
  readonly id: string;
  readonly username: string;
  readonly identity: Identity;
  readonly now: Date;
}

/**
 * A change to a profile. An absent field is left alone; `null` clears an optional field (a cleared
 * `langTag` goes back to `en`).
 */
export interface ProfileUpdate {
  readonly username?: string;
  readonly displayName?: string | null;
  readonly avatarUrl?: string | null;
  readonly langTag?: string | null;
  readonly location?: string | null;
  readonly timezone?: string | null;
  readonly metadata?: string;
}

/** Which unique value a write collided with. */
export const ConflictField = {
  USERNAME: 'username',
  DEVICE: 'device',
  CUSTOM_ID: 'custom_id',
  EMAIL: 'email',
} as const;
export type ConflictField = (typeof ConflictField)[keyof typeof ConflictField];

/** Thrown by a store when a write would duplicate a unique value; nothing was written. */
export class StorageConflictError extends Error {
  override readonly name = 'StorageConflictError';
  constructor(
    readonly field: ConflictField,
    options?: { cause?: unknown },
  ) {
    super(`duplicate ${field}`, options);
  }
}

/**
 * Accounts, their identities (device, custom id, email + password hash) and profiles. Every method
 * joins the caller's transaction (`db.tx`) when one is open. A conflict inside a caller's transaction
 * dooms that transaction, as any failed statement does: callers that retry on a conflict (a
 * generated username) call outside one.
 */
export interface AccountStore {
  /**
   * Creates a user and its identity in one transaction (its own, or the caller's). Throws
   * {@link StorageConflictError}.
   */
  createAccount(account: NewAccount): Promise<UserRecord>;
  findByDevice(deviceId: string): Promise<UserRecord | null>;
  findByCustomId(customId: string): Promise<UserRecord | null>;
  /** The account with this (lower-case) email and its password hash. */
  findByEmail(email: string): Promise<{ user: UserRecord; passwordHash: string } | null>;
  getUser(userId: string): Promise<UserRecord | null>;
  getAccount(userId: string): Promise<AccountRecord | null>;
  /** Users matching any of the ids or (case-insensitively) any of the usernames; each user once. */
  listUsers(ids: readonly string[], usernames: readonly string[]): Promise<UserRecord[]>;
  /**
   * Applies a profile change and returns the new profile, or `null` when the user does not exist.
   * Throws {@link StorageConflictError} (username) and then changes nothing.
   */
  updateProfile(userId: string, update: ProfileUpdate, now: Date): Promise<UserRecord | null>;
  /**
   * Bans users: sets their disable time to `at`, in one statement. A user who is already banned keeps
   * the time of the first ban (it says since when). The update time is left alone: a ban is not a
   * profile change. `userIds` are lower-case UUIDs. Returns the ids (any order) of the users that
   * exist; unknown ids are skipped.
   */
  banUsers(userIds: readonly string[], at: Date): Promise<string[]>;
  /** Lifts bans: clears the disable time. Returns the ids of the users that exist, as {@link banUsers}. */
  unbanUsers(userIds: readonly string[]): Promise<string[]>;
  /**
   * Locks a user's row until the caller's transaction ends (PostgreSQL `FOR UPDATE`: writes that
   * reference the user wait, then see it gone if it is deleted). Returns whether the user exists.
   * Call inside `db.tx`.
   */
  lockUser(userId: string): Promise<boolean>;
  /**
   * Deletes a user; rows that reference it (devices, and other features' rows with a foreign key)
   * go with it. With `tombstoneAt`, records the deletion (Nakama's `user_tombstone`). Returns whether
   * the user existed.
   */
  deleteUser(userId: string, tombstoneAt: Date | null): Promise<boolean>;
  /** When the user's deletion was recorded, or `null`. */
  deletionTime(userId: string): Promise<Date | null>;
}
