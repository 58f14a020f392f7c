/**
 * The chat feature's store: persisted channel history. The SQLite and PostgreSQL implementations
 * (`sqlite.ts`, `postgres.ts`) pass one contract suite (`chat-store.test.ts`) and hand out the same
 * cursors (`pagination.ts`); SQL never leaves them.
 */

/** Largest page of history one query returns (Nakama's limit, 1–100). */
export const MAX_PAGE_LIMIT = 100;

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

/** Persisted chat history. Every method joins the caller's transaction (`db.tx`) when one is open. */
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
   * A page of a channel's history ordered by create time, then id. Throws `InvalidCursorError`
   * (`db/cursor.ts`) for a bad cursor and RangeError for a limit outside 1–{@link MAX_PAGE_LIMIT}.
   */
  listMessages(channelId: string, query: ChatHistoryQuery): Promise<ChatHistoryPage>;
  /** Deletes every message a user sent, in every channel (account deletion). Returns how many went. */
  removeMessagesBySender(senderId: string): Promise<number>;
}
