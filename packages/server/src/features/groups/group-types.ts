/**
 * The groups feature's service-level types: who acts, what is created and changed, what lists return,
 * the service's dependencies, and what its parts share.
 */
import type { Db } from '../../db/db.ts';
import type { Clock } from '../../shared/clock.ts';
import type { AccountStore, UserRecord } from '../accounts/store/account-store.ts';
import type { NotificationService } from '../notifications/notification-service.ts';
import type { MembershipChange } from './group-events.ts';
import type { GroupRecord, GroupRole, GroupStore } from './store/group-store.ts';

/** Who acts on a group: a user (permissions apply), or `null` for server code (they do not). */
export type GroupActor = { readonly userId: string; readonly username: string } | null;

/** A new group. Only server code sets `metadata` and `creatorId`. */
export interface CreateGroupInput {
  readonly name: unknown;
  readonly description?: unknown;
  readonly langTag?: unknown;
  readonly avatarUrl?: unknown;
  readonly open?: unknown;
  readonly maxCount?: unknown;
  readonly metadata?: unknown;
  readonly creatorId?: string | undefined;
}

/** A change to a group: absent fields stay. Only server code sets `metadata`, `maxCount`, `creatorId`. */
export type UpdateGroupInput = Partial<Omit<CreateGroupInput, 'name'>> & { readonly name?: unknown };

/** A member as listed: the user, whether they have a socket open, and their state in the group. */
export interface GroupMemberItem {
  readonly user: UserRecord;
  readonly online: boolean;
  readonly state: GroupRole;
}

/** A page of members; `cursor` is null on the last page. */
export interface GroupMemberList {
  readonly members: readonly GroupMemberItem[];
  readonly cursor: string | null;
}

/** A page of a user's groups; `cursor` is null on the last page. */
export interface UserGroupList {
  readonly groups: readonly { readonly group: GroupRecord; readonly state: GroupRole }[];
  readonly cursor: string | null;
}

/** A page of groups; `cursor` is null on the last page. */
export interface GroupList {
  readonly groups: readonly GroupRecord[];
  readonly cursor: string | null;
}

/** Filters of a group listing (Nakama's `ListGroups`). `name` cannot be combined with the others. */
export interface GroupListFilter {
  /** Case-insensitive; a trailing `%` makes it a prefix; leading `%` and spaces are ignored. */
  readonly name?: string | undefined;
  readonly langTag?: string | undefined;
  readonly open?: boolean | undefined;
  /** Groups with at most this many members. */
  readonly members?: number | undefined;
}

/** A paging request: a limit and a cursor from the previous page of the same listing. */
export interface PageQuery {
  readonly limit: number;
  readonly cursor?: string | undefined;
}

/** Dependencies of `GroupService`. */
export interface GroupServiceDeps {
  readonly store: GroupStore;
  readonly db: Pick<Db, 'tx'>;
  /** Users named in requests must exist; member lists show their profiles. */
  readonly users: Pick<AccountStore, 'listUsers'>;
  /** Join request (-5) and added (-4) notifications, stored and pushed with the change. */
  readonly notifications: Pick<NotificationService, 'sendEach'>;
  /** Whether a user has a realtime socket open (Nakama's `online`). */
  readonly isOnline: (userId: string) => boolean;
  readonly clock: Clock;
}

/** What the service shares with its parts (`GroupAdmin`, `GroupLists`). */
export interface GroupInternals {
  readonly deps: GroupServiceDeps;
  /**
   * Runs `fn` in a transaction with the group's row locked (null when it does not exist): the changes
   * of one group take turns, so counts and ranks read inside are still true at the commit.
   */
  locked<T>(groupId: string, fn: (group: GroupRecord | null) => Promise<T>): Promise<T>;
  /** The actor's state in a group; server code counts as a superadmin. */
  rankOf(groupId: string, actor: GroupActor): Promise<GroupRole | undefined>;
  /** Tells the listeners (inside the transaction). */
  announce(changes: readonly MembershipChange[]): Promise<void>;
}
