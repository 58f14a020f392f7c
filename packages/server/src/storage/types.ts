/**
 * Storage interfaces, shaped by what the domain needs (accounts, devices, revocations, chat
 * history, notifications) rather than by any database's API. Implementations live in `sqlite/` and
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
  /**
   * Bans users: sets their disable time to `at`, in one statement. A user who is already banned keeps
   * the time of the first ban (it says since when). The update time is left alone: a ban is not a
   * profile change. `userIds` are lower-case UUIDs. Returns the ids (any order) of the users that
   * exist; unknown ids are skipped.
   */
  banUsers(userIds: readonly string[], at: Date): Promise<string[]>;
  /** Lifts bans: clears the disable time. Returns the ids of the users that exist, as {@link banUsers}. */
  unbanUsers(userIds: readonly string[]): Promise<string[]>;
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

/** Largest page of chat history or notifications one query returns (Nakama's limit, 1–100). */
export const MAX_PAGE_LIMIT = 100;

/** Thrown by a list query for a cursor that is malformed or belongs to another listing (now in `db/`). */
export { InvalidCursorError } from '../db/cursor.ts';

/** One stored chat message. `channelId` is Nakama's channel id (`2...lobby`, `4.<uidA>.<uidB>.`). */
export interface ChatMessageRecord {
  /** A UUID (time-ordered ones keep history in send order within one millisecond). */
  readonly id: string;
  readonly channelId: string;
  /** 0 chat; other codes are system messages (group events, later). Updates keep the stored code. */
  readonly code: number;
  readonly senderId: string;
  /** The sender's username when the message was last written. */
  readonly username: string;
  /** JSON text of an object. */
  readonly content: string;
  readonly createTime: Date;
  readonly updateTime: Date;
}

/** Identifies a message for an edit: only its sender may change it, and only in its own channel. */
export interface ChatMessageKey {
  readonly channelId: string;
  readonly id: string;
  readonly senderId: string;
}

/** A history query. `cursor` is one of the opaque cursors of an earlier page of the same channel. */
export interface ChatHistoryQuery {
  /** 1 to {@link MAX_PAGE_LIMIT}. */
  readonly limit: number;
  /** True lists oldest first; false newest first. A cursor only works in the direction it came from. */
  readonly forward: boolean;
  readonly cursor?: string | undefined;
}

/** One page of history, in the query's direction, and the cursors around it (null when there is none). */
export interface ChatHistoryPage {
  readonly messages: readonly ChatMessageRecord[];
  /** Continues in the query's direction; null when this page reached the end. */
  readonly nextCursor: string | null;
  /** Goes back toward where the previous cursor came from; only for pages reached through a cursor. */
  readonly prevCursor: string | null;
  /**
   * A forward cursor placed after the newest message of this page (or at the cursor's position for
   * an empty page): keep it, and later list forward with it to get only what arrived since.
   */
  readonly cacheableCursor: string | null;
}

/** Persisted chat history. */
export interface ChatStore {
  insertMessage(message: ChatMessageRecord): Promise<void>;
  /**
   * Replaces the content (and username) of the sender's own message and sets its update time; the
   * code and create time stay. Returns the stored message, or null when no message matches `key`.
   */
  updateMessage(
    key: ChatMessageKey,
    change: { readonly content: string; readonly username: string; readonly updateTime: Date },
  ): Promise<ChatMessageRecord | null>;
  /** Deletes the sender's own message; returns it, or null when no message matches `key`. */
  removeMessage(key: ChatMessageKey): Promise<ChatMessageRecord | null>;
  getMessage(id: string): Promise<ChatMessageRecord | null>;
  /**
   * A page of a channel's history ordered by create time, then id. Throws {@link InvalidCursorError}
   * for a bad cursor and RangeError for a limit outside 1–{@link MAX_PAGE_LIMIT}.
   */
  listMessages(channelId: string, query: ChatHistoryQuery): Promise<ChatHistoryPage>;
}

/** One stored notification. */
export interface NotificationRecord {
  /** A UUID (time-ordered, so a cacheable cursor never skips a later insert). */
  readonly id: string;
  /** The recipient, an existing user. */
  readonly userId: string;
  readonly subject: string;
  /** JSON text of an object. */
  readonly content: string;
  readonly code: number;
  /** Null for notifications from the system. */
  readonly senderId: string | null;
  readonly createTime: Date;
}

/** One page of a user's notifications, oldest first. */
export interface NotificationPage {
  readonly notifications: readonly NotificationRecord[];
  /**
   * Where the next listing continues: after the last notification returned (or where the given
   * cursor pointed, or the beginning). It stays valid as new notifications arrive, which come after.
   */
  readonly cacheableCursor: string;
}

/** Persistent notifications. */
export interface NotificationStore {
  /** Stores notifications in one transaction: all or none (every recipient must exist). */
  insertNotifications(notifications: readonly NotificationRecord[]): Promise<void>;
  /**
   * A page of the user's notifications ordered by create time, then id. Throws
   * {@link InvalidCursorError} and RangeError (limit outside 1–{@link MAX_PAGE_LIMIT}).
   */
  listNotifications(
    userId: string,
    query: { readonly limit: number; readonly cursor?: string | undefined },
  ): Promise<NotificationPage>;
  /** Deletes those of `ids` that belong to `userId`; others are left alone. Returns how many went. */
  deleteNotifications(userId: string, ids: readonly string[]): Promise<number>;
}

/** One storage backend. `close()` flushes and releases it (SQLite checkpoint, pool end). */
export interface Storage {
  readonly backend: 'sqlite' | 'postgres';
  readonly accounts: AccountStore;
  readonly revocations: RevocationStore;
  readonly chat: ChatStore;
  readonly notifications: NotificationStore;
  close(): Promise<void>;
}
