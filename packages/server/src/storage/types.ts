/**
 * Storage interfaces, shaped by what the domain needs (accounts, devices, revocations; chat and
 * notifications later) rather than by any database's API. Implementations live in `sqlite/` and
 * `postgres/`; both pass the contract suite in `contract.ts`. SQL never leaves those folders.
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

/** Accounts, their identities (device, custom id, email + password hash) and profiles. */
export interface AccountStore {
  /** Creates a user and its identity in one transaction. Throws {@link StorageConflictError}. */
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
}

/** Revoked sessions (logout) and users (logout everywhere), kept until every affected token has expired. */
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
  /** Forgets revocations whose tokens have all expired; returns how many were removed. */
  pruneExpired(now: Date): Promise<number>;
}

/** One storage backend. `close()` flushes and releases it (SQLite checkpoint, pool end). */
export interface Storage {
  readonly backend: 'sqlite' | 'postgres';
  readonly accounts: AccountStore;
  readonly revocations: RevocationStore;
  close(): Promise<void>;
}
