import { InvalidCursorError } from '../../db/cursor.ts';
import { invalid, notFound } from '../../shared/domain-error.ts';
import type {
  GroupList,
  GroupListFilter,
  GroupMemberItem,
  GroupMemberList,
  GroupServiceDeps,
  PageQuery,
  UserGroupList,
} from './group-types.ts';
import { checkGroupId, checkUserId } from './group-validation.ts';
import { type GroupRecord, GroupRole, MAX_GROUP_PAGE } from './store/group-store.ts';
import { foldName } from './store/pagination.ts';

/**
 * The read side of groups: memberships, groups by id, and the three listings (a group's members, a
 * user's groups, groups by filter), each a keyset page with Nakama's limits and errors.
 */
export class GroupLists {
  readonly #d: GroupServiceDeps;

  constructor(deps: GroupServiceDeps) {
    this.#d = deps;
  }

  /** A user's state in a group, or null when they have no relationship with it. */
  async membership(groupId: string, userId: string): Promise<GroupRole | null> {
    return (await this.#d.store.memberStates(groupId, [userId])).get(userId) ?? null;
  }

  /** Groups by id (unknown ids are skipped), for server code. */
  async getGroups(groupIds: readonly string[]): Promise<GroupRecord[]> {
    if (!Array.isArray(groupIds)) throw invalid('Group IDs must be an array of group IDs.');
    return this.#d.store.getGroups([...new Set(groupIds.map(checkGroupId))]);
  }

  /**
   * A page of a group's members by state (superadmins first), then by when they joined. Without
   * `state`, bans are left out. `limit` is 1–100.
   */
  async listMembers(
    groupId: string,
    query: PageQuery & { readonly state?: number | undefined },
  ): Promise<GroupMemberList> {
    const id = checkGroupId(groupId);
    checkPage(query.limit, query.state, 4);
    const page = await cursorErrors('Cursor is invalid.', () =>
      this.#d.store.listMembers(id, {
        limit: query.limit,
        state: query.state as GroupRole | undefined,
        cursor: query.cursor,
      }),
    );
    // A group always has a superadmin, so only an empty page needs to ask whether the group exists.
    if (page.members.length === 0 && (await this.#d.store.getGroups([id])).length === 0) {
      throw notFound('Group not found.');
    }
    const users = new Map(
      (
        await this.#d.users.listUsers(
          page.members.map((m) => m.userId),
          [],
        )
      ).map((u) => [u.id, u]),
    );
    const members: GroupMemberItem[] = [];
    for (const m of page.members) {
      const user = users.get(m.userId);
      if (user) members.push({ user, online: this.#d.isOnline(user.id), state: m.state });
    }
    return { members, cursor: page.cursor };
  }

  /** A page of a user's groups (bans are never listed), ordered as {@link listMembers}. */
  async listUserGroups(
    userId: string,
    query: PageQuery & { readonly state?: number | undefined },
  ): Promise<UserGroupList> {
    const id = checkUserId(userId);
    checkPage(query.limit, query.state, 4);
    const page: UserGroupList =
      query.state === GroupRole.BANNED
        ? { groups: [], cursor: null }
        : await cursorErrors('Cursor is invalid.', () =>
            this.#d.store.listUserGroups(id, {
              limit: query.limit,
              state: query.state as GroupRole | undefined,
              cursor: query.cursor,
            }),
          );
    // Only an empty page needs to ask whether the user exists.
    if (page.groups.length === 0 && (await this.#d.users.listUsers([id], [])).length === 0) {
      throw notFound('User not found.');
    }
    return page;
  }

  /** A page of groups matching a filter; see {@link GroupListFilter}. `limit` is 1–100. */
  async listGroups(filter: GroupListFilter, query: PageQuery): Promise<GroupList> {
    checkPage(query.limit, undefined, 0);
    const { langTag, open, members } = filter;
    const name = (filter.name ?? '').replace(/^[%\s]+/, '');
    if (name !== '' && (langTag !== undefined || open !== undefined || members !== undefined)) {
      throw invalid('name filter cannot be combined with any other filter');
    }
    if (members !== undefined && (!Number.isInteger(members) || members < 0)) {
      throw invalid('Invalid members - must be >= 0.');
    }
    const prefix = name.endsWith('%');
    const storeFilter =
      name !== ''
        ? { nameKey: foldName(name.replace(/%+$/, '')), prefix }
        : { langTag, open, maxEdgeCount: members };
    return cursorErrors('Malformed cursor was used.', () => this.#d.store.listGroups(storeFilter, query));
  }
}

/** Checks a page limit (1–100) and an optional state filter (0–`maxState`). */
function checkPage(limit: number, state: number | undefined, maxState: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_GROUP_PAGE) {
    throw invalid(`Invalid limit - limit must be between 1 and ${MAX_GROUP_PAGE}.`);
  }
  if (state !== undefined && (!Number.isInteger(state) || state < 0 || state > maxState)) {
    throw invalid(`Invalid state - state must be between 0 and ${maxState}.`);
  }
}

/** Runs a listing, turning a bad cursor into a 400 with `message`. */
async function cursorErrors<T>(message: string, list: () => Promise<T>): Promise<T> {
  try {
    return await list();
  } catch (err) {
    if (err instanceof InvalidCursorError) throw invalid(message);
    throw err;
  }
}
