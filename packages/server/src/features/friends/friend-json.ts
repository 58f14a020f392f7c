/**
 * Friend lists as Nakama's wire types (proto3 JSON as Nakama's gateway writes it): `api.FriendList`
 * with `api.Friend {user, state, update_time, metadata}`. `state` is an `Int32Value`: always present,
 * even 0.
 */
import { formatTimestamp } from '@tether/protocol';
import { userJson } from '../accounts/account-json.ts';
import type { UserRecord } from '../accounts/store/account-store.ts';
import type { FriendItem, FriendList } from './friend-service.ts';

/** `api.User` with `online` (omitted when false, as proto3 omits false). */
export function onlineUserJson(user: UserRecord, online: boolean): Record<string, unknown> {
  return online ? { ...userJson(user), online: true } : userJson(user);
}

/** `api.Friend`. */
export function friendJson(f: FriendItem): Record<string, unknown> {
  return {
    user: onlineUserJson(f.user, f.online),
    state: f.state,
    update_time: formatTimestamp(f.updateTime),
    metadata: f.metadata,
  };
}

/** `api.FriendList`: empty fields omitted (`{}` for an empty list). */
export function friendListJson(list: FriendList): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (list.friends.length > 0) out.friends = list.friends.map(friendJson);
  if (list.cursor) out.cursor = list.cursor;
  return out;
}
