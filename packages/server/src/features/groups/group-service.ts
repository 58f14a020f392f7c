import { NotificationCode } from '@tether/protocol';
import { DomainError, ErrorKind, invalid, notFound } from '../../shared/domain-error.ts';
import { MonotonicUuidV7 } from '../../shared/monotonic-uuid.ts';
import { GroupAdmin } from './group-admin.ts';
import { type GroupListener, type MembershipChange, MembershipChangeKind } from './group-events.ts';
import { GroupLists } from './group-lists.ts';
import type {
  CreateGroupInput,
  GroupActor,
  GroupList,
  GroupListFilter,
  GroupMemberList,
  GroupServiceDeps,
  PageQuery,
  UpdateGroupInput,
  UserGroupList,
} from './group-types.ts';
import {
  checkBool,
  checkGroupId,
  checkGroupMetadata,
  checkLangTag,
  checkMaxCount,
  checkName,
  checkOptionalText,
  checkUserId,
  DEFAULT_MAX_COUNT,
} from './group-validation.ts';
import { type GroupChange, GroupNameInUseError, type GroupRecord, GroupRole } from './store/group-store.ts';
import { foldName } from './store/pagination.ts';

export type {
  CreateGroupInput,
  GroupActor,
  GroupInternals,
  GroupList,
  GroupListFilter,
  GroupMemberItem,
  GroupMemberList,
  GroupServiceDeps,
  PageQuery,
  UpdateGroupInput,
  UserGroupList,
} from './group-types.ts';

/** Most admins told of one join request (the notification service's per-call bound). */
const MAX_JOIN_REQUEST_RECIPIENTS = 1000;

/**
 * Groups: Nakama's `/v2/group` semantics over a {@link GroupStore}. Every membership change runs in
 * one transaction that first locks the group's row, so concurrent joins of a full group cannot push
 * it past `max_count` and the member count always equals the members. Notifications and the
 * listeners' writes (chat's system messages) join that transaction; their pushes go out after it
 * commits. Admin operations (add, kick, ban, promote, demote) live in {@link GroupAdmin}.
 */
export class GroupService {
  readonly #d: GroupServiceDeps;
  readonly #ids = new MonotonicUuidV7();
  readonly #listeners = new Set<GroupListener>();
  readonly #admin: GroupAdmin;
  readonly #lists: GroupLists;

  constructor(deps: GroupServiceDeps) {
    this.#d = deps;
    this.#lists = new GroupLists(deps);
    this.#admin = new GroupAdmin({
      deps,
      locked: (groupId, fn) => this.#locked(groupId, fn),
      rankOf: (groupId, actor) => this.#rankOf(groupId, actor),
      announce: (changes) => this.#announce(changes),
    });
  }

  /** Registers a {@link GroupListener}; returns the function that removes it. */
  subscribe(listener: GroupListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Creates a group; `creator` becomes its superadmin. A name used by another group is refused. */
  async create(
    creator: { readonly userId: string; readonly username: string },
    input: CreateGroupInput,
  ): Promise<GroupRecord> {
    const name = checkName(input.name, 'Group name must be set.');
    const now = this.#d.clock.now();
    const group: GroupRecord = {
      id: this.#ids.next(now),
      creatorId: input.creatorId ?? creator.userId,
      name,
      description: checkOptionalText('description', input.description) ?? null,
      avatarUrl: checkOptionalText('avatarUrl', input.avatarUrl) ?? null,
      langTag: input.langTag === undefined || input.langTag === '' ? 'en' : checkLangTag(input.langTag),
      metadata: checkGroupMetadata(input.metadata) ?? '{}',
      open: checkBool('Group open', input.open) ?? false,
      edgeCount: 1,
      maxCount: checkMaxCount(input.maxCount) ?? DEFAULT_MAX_COUNT,
      createTime: new Date(now),
      updateTime: new Date(now),
    };
    if ((await this.#d.users.listUsers([creator.userId], [])).length === 0) throw notFound('User not found.');
    return this.#d.db.tx(async () => {
      try {
        await this.#d.store.createGroup(group, foldName(name));
      } catch (err) {
        if (err instanceof GroupNameInUseError)
          throw new DomainError(ErrorKind.ALREADY_EXISTS, 'Group name is in use.');
        throw err;
      }
      await this.#d.store.putMembers([
        {
          groupId: group.id,
          userId: creator.userId,
          state: GroupRole.SUPERADMIN,
          position: now * 1000,
          updateTime: new Date(now),
        },
      ]);
      return group;
    });
  }

  /** Changes a group's fields (admins, or server code). Returns the group as changed. */
  async update(actor: GroupActor, groupId: string, input: UpdateGroupInput): Promise<GroupRecord> {
    const id = checkGroupId(groupId);
    const change: { -readonly [K in keyof GroupChange]: GroupChange[K] } = {};
    if (input.name !== undefined) change.name = checkName(input.name, 'Group name cannot be empty.');
    if (input.langTag !== undefined) change.langTag = checkLangTag(input.langTag);
    const description = checkOptionalText('description', input.description);
    if (description !== undefined) change.description = description;
    const avatarUrl = checkOptionalText('avatarUrl', input.avatarUrl);
    if (avatarUrl !== undefined) change.avatarUrl = avatarUrl;
    const open = checkBool('Group open', input.open);
    if (open !== undefined) change.open = open;
    const metadata = checkGroupMetadata(input.metadata);
    if (metadata !== undefined) change.metadata = metadata;
    const maxCount = checkMaxCount(input.maxCount);
    if (maxCount !== undefined) change.maxCount = maxCount;
    if (input.creatorId !== undefined) change.creatorId = checkUserId(input.creatorId);
    if (Object.keys(change).length === 0) throw invalid('Specify at least one field to update.');
    const denied = () => notFound("Group not found or you're not allowed to update.");
    return this.#locked(id, async (group) => {
      if (!group) throw denied();
      const rank = await this.#rankOf(id, actor);
      if (rank === undefined || rank > GroupRole.ADMIN) throw denied();
      if (change.maxCount !== undefined && change.maxCount < group.edgeCount) {
        throw invalid(`Group max count cannot be below its ${group.edgeCount} members.`);
      }
      try {
        const nameKey = change.name === undefined ? undefined : foldName(change.name);
        const updated = await this.#d.store.updateGroup(id, change, nameKey, new Date(this.#d.clock.now()));
        if (!updated) throw denied();
        return updated;
      } catch (err) {
        if (err instanceof GroupNameInUseError) throw invalid('Group name is in use.');
        throw err;
      }
    });
  }

  /** Deletes a group (its superadmins, or server code, for which a missing group is a no-op). */
  async delete(actor: GroupActor, groupId: string): Promise<void> {
    const id = checkGroupId(groupId);
    const denied = () => invalid("Group not found or you're not allowed to delete.");
    await this.#locked(id, async (group) => {
      if (!group) {
        if (actor) throw denied();
        return;
      }
      if ((await this.#rankOf(id, actor)) !== GroupRole.SUPERADMIN) throw denied();
      await this.#deleteGroup(id);
    });
  }

  /**
   * Joins a group: a member at once if it is open (announced in its channel), a join request its
   * admins are notified of if it is closed. Joining again is a no-op; a full group and a ban refuse.
   */
  async join(actor: { readonly userId: string; readonly username: string }, groupId: string): Promise<void> {
    const id = checkGroupId(groupId);
    await this.#locked(id, async (group) => {
      if (!group) throw notFound('Group not found.');
      // As Nakama: a full group refuses before membership is looked at.
      if (group.edgeCount >= group.maxCount) throw invalid('Group is full.');
      const state = (await this.#d.store.memberStates(id, [actor.userId])).get(actor.userId);
      if (state === GroupRole.BANNED) {
        throw new DomainError(ErrorKind.PERMISSION_DENIED, 'You are banned from this group.');
      }
      if (state !== undefined) return;
      const now = this.#d.clock.now();
      const member = { groupId: id, userId: actor.userId, position: now * 1000, updateTime: new Date(now) };
      if (group.open) {
        await this.#d.store.putMembers([{ ...member, state: GroupRole.MEMBER }]);
        await this.#d.store.addEdgeCount(id, 1, new Date(now));
        await this.#announce([
          { groupId: id, userId: actor.userId, username: actor.username, kind: MembershipChangeKind.JOINED },
        ]);
        return;
      }
      await this.#d.store.putMembers([{ ...member, state: GroupRole.JOIN_REQUEST }]);
      const admins = await this.#d.store.usersInStates(
        id,
        [GroupRole.SUPERADMIN, GroupRole.ADMIN],
        MAX_JOIN_REQUEST_RECIPIENTS,
      );
      await this.#d.notifications.sendEach(
        admins.map((userId) => ({
          userId,
          subject: `User ${actor.username} wants to join your group`,
          content: { group_id: id, username: actor.username },
          code: NotificationCode.GROUP_JOIN_REQUEST,
          senderId: actor.userId,
          persistent: true,
        })),
      );
    });
  }

  /**
   * Leaves a group (or withdraws a join request). Not being a member, or being banned, is a no-op. The
   * last superadmin cannot leave while others remain; if they are the only member the group is deleted.
   */
  async leave(actor: { readonly userId: string; readonly username: string }, groupId: string): Promise<void> {
    const id = checkGroupId(groupId);
    await this.#locked(id, async (group) => {
      if (!group) return;
      const state = (await this.#d.store.memberStates(id, [actor.userId])).get(actor.userId);
      if (state === undefined || state === GroupRole.BANNED) return;
      if (state === GroupRole.SUPERADMIN) {
        const superadmins = await this.#d.store.usersInStates(id, [GroupRole.SUPERADMIN], 2);
        if (superadmins.length < 2) {
          if (group.edgeCount > 1) throw invalid('Cannot leave group when you are the last superadmin.');
          await this.#deleteGroup(id);
          return;
        }
      }
      await this.#d.store.deleteMembers(id, [actor.userId]);
      if (state <= GroupRole.MEMBER) {
        await this.#d.store.addEdgeCount(id, -1, new Date(this.#d.clock.now()));
        await this.#announce([
          { groupId: id, userId: actor.userId, username: actor.username, kind: MembershipChangeKind.LEFT },
        ]);
      }
    });
  }

  /** Adds users as members (admins, or server code); accepts their join requests. See {@link GroupAdmin}. */
  add(actor: GroupActor, groupId: string, userIds: readonly string[]): Promise<void> {
    return this.#admin.add(actor, groupId, userIds);
  }

  /** Removes members, declines join requests, lifts bans. See {@link GroupAdmin}. */
  kick(actor: GroupActor, groupId: string, userIds: readonly string[]): Promise<void> {
    return this.#admin.kick(actor, groupId, userIds);
  }

  /** Bans users: they leave and cannot join again until kicked (unbanned). See {@link GroupAdmin}. */
  ban(actor: GroupActor, groupId: string, userIds: readonly string[]): Promise<void> {
    return this.#admin.ban(actor, groupId, userIds);
  }

  /** Raises members to admin and admins to superadmin. See {@link GroupAdmin}. */
  promote(actor: GroupActor, groupId: string, userIds: readonly string[]): Promise<void> {
    return this.#admin.promote(actor, groupId, userIds);
  }

  /** Lowers admins to member. See {@link GroupAdmin}. */
  demote(actor: GroupActor, groupId: string, userIds: readonly string[]): Promise<void> {
    return this.#admin.demote(actor, groupId, userIds);
  }

  /** A user's state in a group, or null when they have no relationship with it. */
  membership(groupId: string, userId: string): Promise<GroupRole | null> {
    return this.#lists.membership(groupId, userId);
  }

  /** Groups by id (unknown ids are skipped), for server code. */
  getGroups(groupIds: readonly string[]): Promise<GroupRecord[]> {
    return this.#lists.getGroups(groupIds);
  }

  /** A page of a group's members; see {@link GroupLists.listMembers}. */
  listMembers(
    groupId: string,
    query: PageQuery & { readonly state?: number | undefined },
  ): Promise<GroupMemberList> {
    return this.#lists.listMembers(groupId, query);
  }

  /** A page of a user's groups; see {@link GroupLists.listUserGroups}. */
  listUserGroups(
    userId: string,
    query: PageQuery & { readonly state?: number | undefined },
  ): Promise<UserGroupList> {
    return this.#lists.listUserGroups(userId, query);
  }

  /** A page of groups matching a filter; see {@link GroupLists.listGroups}. */
  listGroups(filter: GroupListFilter, query: PageQuery): Promise<GroupList> {
    return this.#lists.listGroups(filter, query);
  }

  /**
   * Removes a user from every group, for account deletion: call it inside the deletion's transaction,
   * before the user row goes (it is an account deletion listener as it stands). A group whose last
   * superadmin this is goes too, as in Nakama: when they are its only member or no other superadmin
   * remains. Elsewhere the user's departure is announced in the group's channel, as a leave.
   */
  async removeUser(userId: string): Promise<void> {
    await this.#d.db.tx(async () => {
      const [user] = await this.#d.users.listUsers([userId], []);
      const username = user?.username ?? '';
      // By group id: every transaction that locks several groups locks them in the same order.
      for (const m of await this.#d.store.groupsOfUser(userId)) {
        await this.#locked(m.groupId, async (group) => {
          if (!group) return;
          if (m.state === GroupRole.SUPERADMIN) {
            const superadmins = await this.#d.store.usersInStates(m.groupId, [GroupRole.SUPERADMIN], 2);
            if (superadmins.length < 2 || group.edgeCount <= 1) {
              await this.#deleteGroup(m.groupId);
              return;
            }
          }
          await this.#d.store.deleteMembers(m.groupId, [userId]);
          if (m.state <= GroupRole.MEMBER) {
            await this.#d.store.addEdgeCount(m.groupId, -1, new Date(this.#d.clock.now()));
            await this.#announce([{ groupId: m.groupId, userId, username, kind: MembershipChangeKind.LEFT }]);
          }
        });
      }
    });
  }

  #locked<T>(groupId: string, fn: (group: GroupRecord | null) => Promise<T>): Promise<T> {
    return this.#d.db.tx(async () => fn(await this.#d.store.lockGroup(groupId)));
  }

  async #rankOf(groupId: string, actor: GroupActor): Promise<GroupRole | undefined> {
    if (actor === null) return GroupRole.SUPERADMIN;
    return (await this.#d.store.memberStates(groupId, [actor.userId])).get(actor.userId);
  }

  async #announce(changes: readonly MembershipChange[]): Promise<void> {
    if (changes.length === 0) return;
    for (const listener of this.#listeners) await listener.membershipChanged(changes);
  }

  async #deleteGroup(groupId: string): Promise<void> {
    await this.#d.store.deleteGroup(groupId);
    for (const listener of this.#listeners) await listener.groupDeleted(groupId);
  }
}
