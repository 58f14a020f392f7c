/**
 * `nk.group*` and `nk.userGroupsList`: groups, over the groups feature. Server code acts with every
 * right unless it names a caller (`callerId`, or the `userId` of `groupUpdate`), whose rank then
 * applies as for a client.
 *
 * @packageDocumentation
 */
import type { GroupActor, GroupService } from '../../features/groups/group-service.ts';
import { type RuntimeGroup, type RuntimeUser, runtimeGroup, runtimeUser, userIdArg } from './social-types.ts';

/** What the group functions need (the groups feature's `GroupService` provides it). */
export type RuntimeGroups = Pick<
  GroupService,
  | 'create'
  | 'update'
  | 'delete'
  | 'join'
  | 'leave'
  | 'add'
  | 'kick'
  | 'ban'
  | 'promote'
  | 'demote'
  | 'getGroups'
  | 'listGroups'
  | 'listMembers'
  | 'listUserGroups'
>;

/** Group functions of `nk`. Failures throw an `Error` (a service error) saying what was wrong. */
export interface GroupNk {
  /**
   * Creates a group with `userId` as its superadmin. `creatorId` defaults to `userId`, `lang` to
   * `en`, `open` to false, `limit` (max members) to 100.
   */
  groupCreate(
    userId: string,
    name: string,
    creatorId?: string | null,
    lang?: string | null,
    description?: string | null,
    avatarUrl?: string | null,
    open?: boolean | null,
    metadata?: Record<string, unknown> | null,
    limit?: number | null,
  ): Promise<RuntimeGroup>;
  /**
   * Changes a group; `null`/absent arguments stay. With a `userId` the user must be an admin; `null`
   * acts as the server. `limit` cannot go below the current member count.
   */
  groupUpdate(
    groupId: string,
    userId: string | null,
    name?: string | null,
    creatorId?: string | null,
    lang?: string | null,
    description?: string | null,
    avatarUrl?: string | null,
    open?: boolean | null,
    metadata?: Record<string, unknown> | null,
    limit?: number | null,
  ): Promise<void>;
  /** Deletes a group (a missing one is a no-op). */
  groupDelete(groupId: string): Promise<void>;
  /** Groups by id; unknown ids are skipped. */
  groupsGetId(groupIds: readonly string[]): Promise<RuntimeGroup[]>;
  /** As `GET /v2/group`: `name` (a trailing `%` for a prefix) cannot be combined with the others; `limit` 1–100. */
  groupsList(
    name?: string | null,
    langTag?: string | null,
    open?: boolean | null,
    members?: number | null,
    limit?: number,
    cursor?: string | null,
  ): Promise<{ groups: RuntimeGroup[]; cursor?: string }>;
  /** A page of a group's members (`limit` 1–100, `state` 0–4; without it bans are left out). */
  groupUsersList(
    groupId: string,
    limit?: number,
    state?: number | null,
    cursor?: string | null,
  ): Promise<{ groupUsers: { user: RuntimeUser; state: number }[]; cursor?: string }>;
  /** A page of a user's groups. */
  userGroupsList(
    userId: string,
    limit?: number,
    state?: number | null,
    cursor?: string | null,
  ): Promise<{ userGroups: { group: RuntimeGroup; state: number }[]; cursor?: string }>;
  /** Adds users (or accepts their join requests); as `callerId` when given, else with every right. */
  groupUsersAdd(groupId: string, userIds: readonly string[], callerId?: string | null): Promise<void>;
  /** Kicks users (declines join requests, lifts bans). */
  groupUsersKick(groupId: string, userIds: readonly string[], callerId?: string | null): Promise<void>;
  /** Bans users. */
  groupUsersBan(groupId: string, userIds: readonly string[], callerId?: string | null): Promise<void>;
  /** Promotes users one rank. */
  groupUsersPromote(groupId: string, userIds: readonly string[], callerId?: string | null): Promise<void>;
  /** Demotes users one rank. */
  groupUsersDemote(groupId: string, userIds: readonly string[], callerId?: string | null): Promise<void>;
  /** Joins a group as the user would (a join request for a closed group). */
  groupUserJoin(groupId: string, userId: string, username: string): Promise<void>;
  /** Leaves a group as the user would. */
  groupUserLeave(groupId: string, userId: string, username: string): Promise<void>;
}

/** Builds the group functions; without a group service they throw "not available". */
export function groupNk(service: RuntimeGroups | undefined): GroupNk {
  const groups = (): RuntimeGroups => {
    if (!service) throw new Error('Groups are not available on this server');
    return service;
  };
  const actor = (userId: string | null | undefined): GroupActor =>
    userId ? { userId: userIdArg(userId), username: '' } : null;
  const opt = <T>(v: T | null | undefined): T | undefined => (v === null ? undefined : v);
  return {
    async groupCreate(userId, name, creatorId, lang, description, avatarUrl, open, metadata, limit) {
      const group = await groups().create(
        { userId: userIdArg(userId), username: '' },
        {
          name,
          creatorId: creatorId ? userIdArg(creatorId) : undefined,
          langTag: opt(lang),
          description: opt(description),
          avatarUrl: opt(avatarUrl),
          open: opt(open),
          metadata: opt(metadata),
          maxCount: opt(limit),
        },
      );
      return runtimeGroup(group);
    },
    async groupUpdate(groupId, userId, name, creatorId, lang, description, avatarUrl, open, metadata, limit) {
      await groups().update(actor(userId), groupId, {
        name: opt(name),
        creatorId: opt(creatorId),
        langTag: opt(lang),
        description: opt(description),
        avatarUrl: opt(avatarUrl),
        open: opt(open),
        metadata: opt(metadata),
        maxCount: opt(limit),
      });
    },
    async groupDelete(groupId) {
      await groups().delete(null, groupId);
    },
    async groupsGetId(groupIds) {
      return (await groups().getGroups(groupIds)).map(runtimeGroup);
    },
    async groupsList(name, langTag, open, members, limit = 100, cursor) {
      const page = await groups().listGroups(
        { name: opt(name), langTag: opt(langTag), open: opt(open), members: opt(members) },
        { limit, cursor: cursor || undefined },
      );
      return { groups: page.groups.map(runtimeGroup), ...(page.cursor ? { cursor: page.cursor } : {}) };
    },
    async groupUsersList(groupId, limit = 100, state, cursor) {
      const page = await groups().listMembers(groupId, {
        limit,
        state: opt(state),
        cursor: cursor || undefined,
      });
      return {
        groupUsers: page.members.map((m) => ({ user: runtimeUser(m.user, m.online), state: m.state })),
        ...(page.cursor ? { cursor: page.cursor } : {}),
      };
    },
    async userGroupsList(userId, limit = 100, state, cursor) {
      const page = await groups().listUserGroups(userId, {
        limit,
        state: opt(state),
        cursor: cursor || undefined,
      });
      return {
        userGroups: page.groups.map((g) => ({ group: runtimeGroup(g.group), state: g.state })),
        ...(page.cursor ? { cursor: page.cursor } : {}),
      };
    },
    async groupUsersAdd(groupId, userIds, callerId) {
      await groups().add(actor(callerId), groupId, userIds);
    },
    async groupUsersKick(groupId, userIds, callerId) {
      await groups().kick(actor(callerId), groupId, userIds);
    },
    async groupUsersBan(groupId, userIds, callerId) {
      await groups().ban(actor(callerId), groupId, userIds);
    },
    async groupUsersPromote(groupId, userIds, callerId) {
      await groups().promote(actor(callerId), groupId, userIds);
    },
    async groupUsersDemote(groupId, userIds, callerId) {
      await groups().demote(actor(callerId), groupId, userIds);
    },
    async groupUserJoin(groupId, userId, username) {
      await groups().join({ userId: userIdArg(userId), username }, groupId);
    },
    async groupUserLeave(groupId, userId, username) {
      await groups().leave({ userId: userIdArg(userId), username }, groupId);
    },
  };
}
