/**
 * Groups as Nakama's wire types (proto3 JSON as Nakama's gateway writes it): `api.Group`,
 * `api.GroupList`, `api.GroupUserList` and `api.UserGroupList`. `open` and the list items' `state`
 * are wrapper types: always present, even false or 0.
 */
import { formatTimestamp } from '@tether/protocol';
import { userJson } from '../accounts/account-json.ts';
import type { GroupList, GroupMemberList, UserGroupList } from './group-types.ts';
import type { GroupRecord } from './store/group-store.ts';

/** `api.Group`; empty fields omitted. */
export function groupJson(g: GroupRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: g.id,
    creator_id: g.creatorId ?? undefined,
    name: g.name,
    description: g.description ?? undefined,
    lang_tag: g.langTag,
    metadata: g.metadata,
    avatar_url: g.avatarUrl ?? undefined,
    open: g.open,
    edge_count: g.edgeCount || undefined,
    max_count: g.maxCount,
    create_time: formatTimestamp(g.createTime),
    update_time: formatTimestamp(g.updateTime),
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined && v !== ''));
}

/** `api.GroupList`. */
export function groupListJson(list: GroupList): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (list.groups.length > 0) out.groups = list.groups.map(groupJson);
  if (list.cursor) out.cursor = list.cursor;
  return out;
}

/** `api.GroupUserList`: `{user, state}` items; `user.online` when true. */
export function groupUserListJson(list: GroupMemberList): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (list.members.length > 0) {
    out.group_users = list.members.map((m) => ({
      user: m.online ? { ...userJson(m.user), online: true } : userJson(m.user),
      state: m.state,
    }));
  }
  if (list.cursor) out.cursor = list.cursor;
  return out;
}

/** `api.UserGroupList`: `{group, state}` items. */
export function userGroupListJson(list: UserGroupList): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (list.groups.length > 0) {
    out.user_groups = list.groups.map((g) => ({ group: groupJson(g.group), state: g.state }));
  }
  if (list.cursor) out.cursor = list.cursor;
  return out;
}
