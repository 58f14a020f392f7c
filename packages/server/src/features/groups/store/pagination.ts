/**
 * Keyset pagination of members, of a user's groups and of groups, shared by both backends: cursor
 * encoding and page assembly. Backends supply bounded scans strictly after a position; these
 * functions turn them into pages, so SQLite and PostgreSQL hand out identical cursors. No SQL here.
 */
import { type CursorCodec, type CursorFilterValue, cursorFields, defineCursor } from '../../../db/cursor.ts';
import {
  type GroupFilter,
  type GroupMemberPage,
  type GroupMemberRecord,
  type GroupPage,
  type GroupRecord,
  type GroupRole,
  MAX_GROUP_PAGE,
  type MemberQuery,
  type UserGroupPage,
} from './group-store.ts';

/** A position in a member list or a user's group list: `(state, position, other id)`. */
export type MemberPosition = readonly [state: number, position: number, id: string];

/**
 * Reads up to `limit` relationships of one group (or one user) strictly after `from` in
 * `(state, position, other id)` order; only `state` when it is not null, else states 0–3.
 */
export type MemberScan = (
  ownerId: string,
  state: GroupRole | null,
  from: MemberPosition | null,
  limit: number,
) => Promise<GroupMemberRecord[]>;

/** The same over a user's groups, each row with its group. */
export type UserGroupScan = (
  userId: string,
  state: GroupRole | null,
  from: MemberPosition | null,
  limit: number,
) => Promise<{ readonly member: GroupMemberRecord; readonly group: GroupRecord }[]>;

/**
 * Reads up to `limit` groups strictly after `from`: in `(name key, id)` order when the filter has a
 * name key, in id order otherwise.
 */
export type GroupScan = (
  filter: GroupFilter,
  from: readonly [string, string] | readonly [string] | null,
  limit: number,
) => Promise<GroupRecord[]>;

const MEMBER_POSITION = [cursorFields.int, cursorFields.int, cursorFields.uuid] as const;
const MEMBERS_CURSOR = defineCursor('groups.members', MEMBER_POSITION);
const USER_GROUPS_CURSOR = defineCursor('groups.of-user', MEMBER_POSITION);
const BY_NAME_CURSOR = defineCursor('groups.by-name', [cursorFields.text(1024), cursorFields.uuid]);
const BY_ID_CURSOR = defineCursor('groups.by-id', [cursorFields.uuid]);

/** A page of a group's members. */
export async function listMemberPage(
  scan: MemberScan,
  groupId: string,
  query: MemberQuery,
): Promise<GroupMemberPage> {
  const { rows, cursor } = await paged(
    MEMBERS_CURSOR,
    [groupId, query.state ?? -1],
    query,
    (from, limit) => scan(groupId, query.state ?? null, from, limit),
    (m): MemberPosition => [m.state, m.position, m.userId],
  );
  return { members: rows, cursor };
}

/** A page of a user's groups. */
export async function listUserGroupPage(
  scan: UserGroupScan,
  userId: string,
  query: MemberQuery,
): Promise<UserGroupPage> {
  const { rows, cursor } = await paged(
    USER_GROUPS_CURSOR,
    [userId, query.state ?? -1],
    query,
    (from, limit) => scan(userId, query.state ?? null, from, limit),
    (r): MemberPosition => [r.member.state, r.member.position, r.group.id],
  );
  return { groups: rows.map((r) => ({ group: r.group, state: r.member.state })), cursor };
}

/** A page of groups. */
export async function listGroupPage(
  scan: GroupScan,
  filter: GroupFilter,
  query: { readonly limit: number; readonly cursor?: string | undefined },
): Promise<GroupPage> {
  if (filter.nameKey !== undefined) {
    const { rows, cursor } = await paged(
      BY_NAME_CURSOR,
      [filter.nameKey, filter.prefix === true],
      query,
      (from, limit) => scan(filter, from, limit),
      (g): readonly [string, string] => [foldName(g.name), g.id],
    );
    return { groups: rows, cursor };
  }
  const { rows, cursor } = await paged(
    BY_ID_CURSOR,
    [filter.langTag ?? null, filter.open ?? null, filter.maxEdgeCount ?? null],
    query,
    (from, limit) => scan(filter, from, limit),
    (g): readonly [string] => [g.id],
  );
  return { groups: rows, cursor };
}

/** The name key of a group name: names are unique, and searched, regardless of case. */
export function foldName(name: string): string {
  return name.toLowerCase();
}

/**
 * Runs a scan for one page: checks the limit, decodes the cursor (bound to `filter`), reads one row
 * more than asked to know whether a next page exists, and encodes the last row's position.
 */
async function paged<P extends readonly unknown[], R>(
  codec: CursorCodec<P>,
  filter: readonly CursorFilterValue[],
  query: { readonly limit: number; readonly cursor?: string | undefined },
  scan: (from: P | null, limit: number) => Promise<R[]>,
  positionOf: (row: R) => P,
): Promise<{ rows: R[]; cursor: string | null }> {
  const { limit } = query;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_GROUP_PAGE) {
    throw new RangeError(`page limit must be an integer from 1 to ${MAX_GROUP_PAGE}, got ${limit}`);
  }
  const from = query.cursor ? codec.decode(query.cursor, filter) : null;
  const found = await scan(from, limit + 1);
  const rows = found.slice(0, limit);
  const last = rows[rows.length - 1];
  return { rows, cursor: found.length > limit && last ? codec.encode(positionOf(last), filter) : null };
}
