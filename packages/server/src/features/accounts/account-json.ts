import { formatTimestamp } from '@tether/protocol';
import type { AccountRecord, UserRecord } from './store/account-store.ts';

/**
 * Nakama's JSON for accounts and users: proto3 JSON as Nakama's gateway writes it (snake_case
 * names, zero values and empty lists omitted, timestamps as RFC 3339 in whole seconds, metadata
 * and wallet as JSON text).
 */

/** `api.User`. */
export function userJson(u: UserRecord): Record<string, unknown> {
  return compact({
    id: u.id,
    username: u.username,
    display_name: u.displayName,
    avatar_url: u.avatarUrl,
    lang_tag: u.langTag,
    location: u.location,
    timezone: u.timezone,
    metadata: u.metadata,
    create_time: formatTimestamp(u.createTime),
    update_time: formatTimestamp(u.updateTime),
    // `online` (false until sockets exist) and `edge_count` (0 until friends exist) are zero: omitted.
  });
}

/**
 * `api.Account`. `disable_time` (when the account was banned) only when set; `api.User` has no such
 * field, so {@link userJson} never shows it.
 */
export function accountJson(a: AccountRecord): Record<string, unknown> {
  return compact({
    user: userJson(a.user),
    wallet: a.wallet,
    email: a.email,
    devices: a.devices.length > 0 ? a.devices.map((id) => ({ id })) : null,
    custom_id: a.customId,
    disable_time: a.user.disableTime && formatTimestamp(a.user.disableTime),
  });
}

/** `api.Users`: `{}` when empty, as proto3 omits an empty repeated field. */
export function usersJson(users: readonly UserRecord[]): Record<string, unknown> {
  return users.length > 0 ? { users: users.map(userJson) } : {};
}

function compact(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined && v !== ''));
}
