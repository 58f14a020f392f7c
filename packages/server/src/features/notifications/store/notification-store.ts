/**
 * The notifications feature's store: persistent notifications. The SQLite and PostgreSQL
 * implementations (`sqlite.ts`, `postgres.ts`) pass one contract suite (`notification-store.test.ts`)
 * and hand out the same cursors (`pagination.ts`); SQL never leaves them.
 */

/** Largest page of notifications one query returns (Nakama's limit, 1–100). */
export const MAX_PAGE_LIMIT = 100;

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

/** Persistent notifications. Every method joins the caller's transaction (`db.tx`) when one is open. */
export interface NotificationStore {
  /**
   * Stores notifications all or none, in one transaction (its own, or the caller's): every recipient
   * must exist.
   */
  insertNotifications(notifications: readonly NotificationRecord[]): Promise<void>;
  /**
   * A page of the user's notifications ordered by create time, then id. Throws `InvalidCursorError`
   * (`db/cursor.ts`) and RangeError (limit outside 1–{@link MAX_PAGE_LIMIT}).
   */
  listNotifications(
    userId: string,
    query: { readonly limit: number; readonly cursor?: string | undefined },
  ): Promise<NotificationPage>;
  /** Deletes those of `ids` that belong to `userId`; others are left alone. Returns how many went. */
  deleteNotifications(userId: string, ids: readonly string[]): Promise<number>;
}
