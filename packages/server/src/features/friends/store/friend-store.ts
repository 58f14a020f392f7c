/**
 * The friends feature's store: directed friend edges (Nakama's `user_edge`). The SQLite and
 * PostgreSQL implementations (`sqlite.ts`, `postgres.ts`) pass one contract suite
 * (`friend-store.test.ts`) and hand out the same cursors (`pagination.ts`); SQL never leaves them.
 */

/** Nakama's friend states (`api.Friend.State`), the state of an edge as its owner sees it. */
export const FriendState = {
  /** Both users agreed. */
  FRIEND: 0,
  /** The owner invited the other user, who has not answered. */
  INVITE_SENT: 1,
  /** The other user invited the owner. */
  INVITE_RECEIVED: 2,
  /** The owner blocked the other user. */
  BLOCKED: 3,
} as const;
export type FriendState = (typeof FriendState)[keyof typeof FriendState];

/** Largest friend page one query returns (Nakama's limit, 1–1000). */
export const MAX_FRIEND_PAGE = 1000;

/** One directed edge: how `userId` relates to `otherId`. */
export interface FriendEdge {
  readonly userId: string;
  readonly otherId: string;
  readonly state: FriendState;
  /**
   * Order within a state: when the edge was first created, in Unix microseconds, plus the target's
   * index within one request (so a batch keeps its order). Kept when the state changes (Nakama's
   * `position`); ties are broken by `otherId`.
   */
  readonly position: number;
  readonly updateTime: Date;
  /** JSON object text: the owner's notes on this relationship (set by server code). */
  readonly metadata: string;
}

/** A page of a user's edges and the cursor of the next page (null on the last page). */
export interface FriendEdgePage {
  readonly edges: readonly FriendEdge[];
  readonly cursor: string | null;
}

/** A friend-list query. */
export interface FriendListQuery {
  /** 1 to {@link MAX_FRIEND_PAGE}. */
  readonly limit: number;
  /** Only edges in this state; all states when absent. A cursor only works with the same filter. */
  readonly state?: FriendState | undefined;
  readonly cursor?: string | undefined;
}

/**
 * Friend edges. Every method joins the caller's transaction (`db.tx`) when one is open. The service
 * runs each read-decide-write sequence in one transaction that first takes {@link lockUsers} for
 * everyone involved, so two users adding each other at once cannot both see "no edge".
 */
export interface FriendStore {
  /**
   * Inside a transaction, makes every other transaction that locks one of these users wait for this
   * one to end, so what it reads about their edges stays true until it commits. PostgreSQL takes a
   * transaction-scoped advisory lock per user, in id order (so two transactions never wait on each
   * other in a cycle); SQLite runs one transaction at a time and needs nothing.
   */
  lockUsers(userIds: readonly string[]): Promise<void>;
  /** Every edge between `userId` and each of `otherIds`, in both directions. */
  edgesBetween(userId: string, otherIds: readonly string[]): Promise<FriendEdge[]>;
  /**
   * Inserts edges, or updates the state, update time and metadata of existing ones (their position
   * stays: an accepted invite keeps its place in the list).
   */
  putEdges(edges: readonly FriendEdge[]): Promise<void>;
  /** Deletes the edges `userId → otherId` listed; missing ones are ignored. */
  deleteEdges(edges: readonly { readonly userId: string; readonly otherId: string }[]): Promise<void>;
  /** How many edges `userId` owns in the given states. */
  countEdges(userId: string, states: readonly FriendState[]): Promise<number>;
  /**
   * A page of `userId`'s edges ordered by state, position, then the other user's id. Throws
   * `InvalidCursorError` (`db/cursor.ts`) for a bad cursor or one of another filter, and RangeError
   * for a limit outside 1–{@link MAX_FRIEND_PAGE}.
   */
  listEdges(userId: string, query: FriendListQuery): Promise<FriendEdgePage>;
}
