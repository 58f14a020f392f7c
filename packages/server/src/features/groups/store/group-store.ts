/**
 * The groups feature's store: groups and their members. The SQLite and PostgreSQL implementations
 * (`sqlite.ts`, `postgres.ts`) pass one contract suite (`group-store.test.ts`) and hand out the same
 * cursors (`pagination.ts`); SQL never leaves them.
 */

/** A user's relationship with a group, by rank: lower is more powerful (Nakama's group states). */
export const GroupRole = {
  SUPERADMIN: 0,
  ADMIN: 1,
  MEMBER: 2,
  JOIN_REQUEST: 3,
  BANNED: 4,
} as const;
export type GroupRole = (typeof GroupRole)[keyof typeof GroupRole];

/** Largest page of members, of a user's groups or of groups one query returns. */
export const MAX_GROUP_PAGE = 100;

/** One group. */
export interface GroupRecord {
  /** A time-ordered UUID: listings without a name filter come back in creation order. */
  readonly id: string;
  readonly creatorId: string | null;
  /** Unique regardless of case. */
  readonly name: string;
  readonly description: string | null;
  readonly avatarUrl: string | null;
  readonly langTag: string;
  /** JSON object text (set by server code). */
  readonly metadata: string;
  /** Open groups take anyone who joins; closed ones take join requests. */
  readonly open: boolean;
  /** Superadmins, admins and members; never above `maxCount`. */
  readonly edgeCount: number;
  readonly maxCount: number;
  readonly createTime: Date;
  readonly updateTime: Date;
}

/** A change to a group's fields; absent fields stay. `null` clears description or avatar. */
export interface GroupChange {
  readonly name?: string;
  readonly description?: string | null;
  readonly avatarUrl?: string | null;
  readonly langTag?: string;
  readonly metadata?: string;
  readonly open?: boolean;
  readonly maxCount?: number;
  readonly creatorId?: string;
}

/** One user's relationship with one group. */
export interface GroupMemberRecord {
  readonly groupId: string;
  readonly userId: string;
  readonly state: GroupRole;
  /**
   * Order within a state: when the relationship began, in Unix microseconds, plus the user's index
   * within one request (so a batch keeps its order). Kept across promotions and demotions; ties are
   * broken by user id (or group id in a user's list).
   */
  readonly position: number;
  readonly updateTime: Date;
}

/** A page of members; `cursor` is null on the last page. */
export interface GroupMemberPage {
  readonly members: readonly GroupMemberRecord[];
  readonly cursor: string | null;
}

/** A page of a user's groups with the user's state in each; `cursor` is null on the last page. */
export interface UserGroupPage {
  readonly groups: readonly { readonly group: GroupRecord; readonly state: GroupRole }[];
  readonly cursor: string | null;
}

/** A page of groups; `cursor` is null on the last page. */
export interface GroupPage {
  readonly groups: readonly GroupRecord[];
  readonly cursor: string | null;
}

/** A member or user-group listing: 1–{@link MAX_GROUP_PAGE} rows, one state or states 0–3. */
export interface MemberQuery {
  readonly limit: number;
  /** Only this state; states 0–3 (not bans) when absent. A cursor only works with the same filter. */
  readonly state?: GroupRole | undefined;
  readonly cursor?: string | undefined;
}

/**
 * Which groups a listing returns. With `nameKey` (a lower-case name), groups whose name key equals it,
 * or starts with it when `prefix`, in name order; otherwise every group in creation order, narrowed
 * by the other filters.
 */
export interface GroupFilter {
  readonly nameKey?: string | undefined;
  readonly prefix?: boolean | undefined;
  readonly langTag?: string | undefined;
  readonly open?: boolean | undefined;
  /** Groups with at most this many members. */
  readonly maxEdgeCount?: number | undefined;
}

/** Thrown by a store when a name is already used by another group; nothing was written. */
export class GroupNameInUseError extends Error {
  override readonly name = 'GroupNameInUseError';
}

/**
 * Groups and memberships. Every method joins the caller's transaction (`db.tx`) when one is open.
 * The service changes a group's members only after {@link lockGroup} inside its transaction, so the
 * changes of one group take turns and `edge_count` stays exact under concurrent joins.
 */
export interface GroupStore {
  /** Inserts a group; throws {@link GroupNameInUseError} (and writes nothing) when the name is taken. */
  createGroup(group: GroupRecord, nameKey: string): Promise<void>;
  /**
   * Reads a group. Inside a transaction on PostgreSQL it also locks the group's row until the commit
   * (`FOR UPDATE`): the next transaction that locks it waits and then sees this one's changes. SQLite
   * runs one transaction at a time, which gives the same guarantee.
   */
  lockGroup(groupId: string): Promise<GroupRecord | null>;
  getGroups(groupIds: readonly string[]): Promise<GroupRecord[]>;
  /**
   * Applies a change (with its name key when the name changes) and returns the group, or null when it
   * does not exist. Throws {@link GroupNameInUseError}.
   */
  updateGroup(
    groupId: string,
    change: GroupChange,
    nameKey: string | undefined,
    now: Date,
  ): Promise<GroupRecord | null>;
  /** Deletes a group and its memberships. Returns whether it existed. */
  deleteGroup(groupId: string): Promise<boolean>;
  /** Adds `delta` to the member count; the CHECK constraint refuses going past `max_count` or below 0. */
  addEdgeCount(groupId: string, delta: number, now: Date): Promise<void>;
  /** The states of the listed users in a group; users with no relationship are absent. */
  memberStates(groupId: string, userIds: readonly string[]): Promise<Map<string, GroupRole>>;
  /** Inserts memberships, or updates the state and update time of existing ones (position stays). */
  putMembers(members: readonly GroupMemberRecord[]): Promise<void>;
  /** Deletes the listed users' relationships with a group. */
  deleteMembers(groupId: string, userIds: readonly string[]): Promise<void>;
  /** Users of a group in the given states, at most `limit`, by state then position. */
  usersInStates(groupId: string, states: readonly GroupRole[], limit: number): Promise<string[]>;
  /** Every relationship of a user (bans included), for account deletion. */
  groupsOfUser(userId: string): Promise<GroupMemberRecord[]>;
  /** A page of a group's members. Throws `InvalidCursorError` and RangeError (limit). */
  listMembers(groupId: string, query: MemberQuery): Promise<GroupMemberPage>;
  /** A page of a user's groups (bans never listed). Throws `InvalidCursorError` and RangeError. */
  listUserGroups(userId: string, query: MemberQuery): Promise<UserGroupPage>;
  /** A page of groups. Throws `InvalidCursorError` and RangeError. */
  listGroups(
    filter: GroupFilter,
    query: { readonly limit: number; readonly cursor?: string | undefined },
  ): Promise<GroupPage>;
}
