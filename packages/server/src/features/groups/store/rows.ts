/**
 * `groups` and `group_members` rows → records, shared by the SQLite and PostgreSQL stores. They differ
 * in how times come back (a `Date` from PostgreSQL, Unix milliseconds from SQLite), how booleans do
 * (0/1 from SQLite) and how BIGINTs do (text from PostgreSQL), so the row types take the backend's.
 */
import type { GroupMemberRecord, GroupRecord, GroupRole } from './group-store.ts';

/** A `groups` row. */
export interface GroupRow<T> {
  id: string;
  creator_id: string | null;
  name: string;
  description: string | null;
  avatar_url: string | null;
  lang_tag: string;
  metadata: string;
  open: boolean | number;
  edge_count: number;
  max_count: number;
  create_time: T;
  update_time: T;
}

/** A `group_members` row. */
export interface MemberRow<T> {
  group_id: string;
  user_id: string;
  state: number;
  position: number | string;
  update_time: T;
}

/** The `groups` columns every query selects (qualified with `g.`), in {@link GroupRow} order. */
export const GROUP_COLUMNS =
  'g.id, g.creator_id, g.name, g.description, g.avatar_url, g.lang_tag, g.metadata, g.open, g.edge_count, g.max_count, g.create_time, g.update_time';

/** The `group_members` columns (qualified with `m.`), in {@link MemberRow} order. */
export const MEMBER_COLUMNS = 'm.group_id, m.user_id, m.state, m.position, m.update_time';

/** A `group_members` row joined with its `groups` row (member columns prefixed `m_`). */
export type UserGroupRow<T> = GroupRow<T> & {
  m_user_id: string;
  m_state: number;
  m_position: number | string;
  m_update_time: T;
};

/** The columns of a {@link UserGroupRow}. */
export const USER_GROUP_COLUMNS = `m.user_id AS m_user_id, m.state AS m_state, m.position AS m_position,
  m.update_time AS m_update_time, ${GROUP_COLUMNS}`;

/** A membership and its group from a joined row. */
export function userGroupFromRow<T>(
  r: UserGroupRow<T>,
  time: (t: T) => Date,
): { member: GroupMemberRecord; group: GroupRecord } {
  return {
    member: {
      groupId: r.id,
      userId: r.m_user_id,
      state: r.m_state as GroupRole,
      position: Number(r.m_position),
      updateTime: time(r.m_update_time),
    },
    group: groupFromRow(r, time),
  };
}

/** A {@link GroupRecord} from a row, with the backend's time conversion. */
export function groupFromRow<T>(r: GroupRow<T>, time: (t: T) => Date): GroupRecord {
  return {
    id: r.id,
    creatorId: r.creator_id,
    name: r.name,
    description: r.description,
    avatarUrl: r.avatar_url,
    langTag: r.lang_tag,
    metadata: r.metadata,
    open: r.open === true || r.open === 1,
    edgeCount: r.edge_count,
    maxCount: r.max_count,
    createTime: time(r.create_time),
    updateTime: time(r.update_time),
  };
}

/** A {@link GroupMemberRecord} from a row, with the backend's time conversion. */
export function memberFromRow<T>(r: MemberRow<T>, time: (t: T) => Date): GroupMemberRecord {
  return {
    groupId: r.group_id,
    userId: r.user_id,
    state: r.state as GroupRole,
    position: Number(r.position),
    updateTime: time(r.update_time),
  };
}
