/**
 * The group store on the PostgreSQL port. Every query goes through `db.query()`, which uses the
 * caller's transaction client when one is open and the pool otherwise. Does not import `pg`.
 */
import type { PostgresDb } from '../../../db/db.ts';
import { isUuid } from '../../../shared/ids.ts';
import {
  type GroupChange,
  type GroupFilter,
  type GroupMemberPage,
  type GroupMemberRecord,
  GroupNameInUseError,
  type GroupPage,
  type GroupRecord,
  type GroupRole,
  type GroupStore,
  type MemberQuery,
  type UserGroupPage,
} from './group-store.ts';
import {
  type GroupScan,
  listGroupPage,
  listMemberPage,
  listUserGroupPage,
  type MemberScan,
  type UserGroupScan,
} from './pagination.ts';
import {
  GROUP_COLUMNS,
  type GroupRow,
  groupFromRow,
  MEMBER_COLUMNS,
  type MemberRow,
  memberFromRow,
  USER_GROUP_COLUMNS,
  type UserGroupRow,
  userGroupFromRow,
} from './rows.ts';

type GRow = GroupRow<Date>;
type MRow = MemberRow<Date>;
/** Above every other code point in byte order (`name_key` is COLLATE "C"): bounds a prefix scan. */
const MAX_CHAR = '\u{10FFFF}';

/** {@link GroupStore} on PostgreSQL. Ids are UUID columns: a non-UUID id simply matches nothing. */
export class PgGroupStore implements GroupStore {
  readonly #db: PostgresDb;
  readonly #memberScan: MemberScan;
  readonly #userGroupScan: UserGroupScan;
  readonly #groupScan: GroupScan;

  constructor(db: PostgresDb) {
    this.#db = db;
    this.#memberScan = async (groupId, state, from, limit) => {
      if (!isUuid(groupId)) return [];
      const q = new Params(groupId);
      const rows = await this.#db.rows<MRow>(
        `SELECT ${MEMBER_COLUMNS} FROM group_members m WHERE m.group_id = $1
         AND ${state === null ? 'm.state <= 3' : `m.state = ${q.add(state)}`}
         ${from ? `AND (m.state, m.position, m.user_id) > (${q.add(from[0])}::smallint, ${q.add(from[1])}::bigint, ${q.add(from[2])}::uuid)` : ''}
         ORDER BY m.state, m.position, m.user_id LIMIT ${q.add(limit)}`,
        q.values,
      );
      return rows.map(toMember);
    };
    this.#userGroupScan = async (userId, state, from, limit) => {
      if (!isUuid(userId)) return [];
      const q = new Params(userId);
      const rows = await this.#db.rows<UserGroupRow<Date>>(
        `SELECT ${USER_GROUP_COLUMNS} FROM group_members m JOIN groups g ON g.id = m.group_id
         WHERE m.user_id = $1 AND ${state === null ? 'm.state <= 3' : `m.state = ${q.add(state)}`}
         ${from ? `AND (m.state, m.position, m.group_id) > (${q.add(from[0])}::smallint, ${q.add(from[1])}::bigint, ${q.add(from[2])}::uuid)` : ''}
         ORDER BY m.state, m.position, m.group_id LIMIT ${q.add(limit)}`,
        q.values,
      );
      return rows.map((r) => userGroupFromRow(r, (t) => t));
    };
    this.#groupScan = async (filter, from, limit) => {
      const q = new Params();
      const where: string[] = [];
      let order = 'g.id';
      if (filter.nameKey !== undefined) {
        order = 'g.name_key, g.id';
        if (filter.prefix) {
          where.push(
            `g.name_key >= ${q.add(filter.nameKey)} AND g.name_key < ${q.add(filter.nameKey + MAX_CHAR)}`,
          );
        } else {
          where.push(`g.name_key = ${q.add(filter.nameKey)}`);
        }
        if (from) where.push(`(g.name_key, g.id) > (${q.add(from[0])}, ${q.add(from[1])}::uuid)`);
      } else {
        if (filter.langTag !== undefined) where.push(`g.lang_tag = ${q.add(filter.langTag)}`);
        if (filter.open !== undefined) where.push(`g.open = ${q.add(filter.open)}`);
        if (filter.maxEdgeCount !== undefined) where.push(`g.edge_count <= ${q.add(filter.maxEdgeCount)}`);
        if (from) where.push(`g.id > ${q.add(from[0])}::uuid`);
      }
      const rows = await this.#db.rows<GRow>(
        `SELECT ${GROUP_COLUMNS} FROM groups g ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY ${order} LIMIT ${q.add(limit)}`,
        q.values,
      );
      return rows.map(toGroup);
    };
  }

  async createGroup(g: GroupRecord, nameKey: string): Promise<void> {
    await this.#write(
      `INSERT INTO groups (id, creator_id, name, name_key, description, avatar_url, lang_tag, metadata, open,
         edge_count, max_count, create_time, update_time)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
      [
        g.id,
        g.creatorId,
        g.name,
        nameKey,
        g.description,
        g.avatarUrl,
        g.langTag,
        g.metadata,
        g.open,
        g.edgeCount,
        g.maxCount,
        g.createTime,
        g.updateTime,
      ],
    );
  }

  async lockGroup(groupId: string): Promise<GroupRecord | null> {
    if (!isUuid(groupId)) return null;
    const row = await this.#db.row<GRow>(`SELECT ${GROUP_COLUMNS} FROM groups g WHERE g.id = $1 FOR UPDATE`, [
      groupId,
    ]);
    return row ? toGroup(row) : null;
  }

  async getGroups(groupIds: readonly string[]): Promise<GroupRecord[]> {
    const ids = groupIds.filter(isUuid);
    if (ids.length === 0) return [];
    const rows = await this.#db.rows<GRow>(
      `SELECT ${GROUP_COLUMNS} FROM groups g WHERE g.id = ANY($1::uuid[])`,
      [ids],
    );
    return rows.map(toGroup);
  }

  async updateGroup(
    groupId: string,
    change: GroupChange,
    nameKey: string | undefined,
    now: Date,
  ): Promise<GroupRecord | null> {
    if (!isUuid(groupId)) return null;
    const q = new Params(groupId);
    const sets = [`update_time = ${q.add(now)}`];
    const set = (column: string, value: unknown) => sets.push(`${column} = ${q.add(value)}`);
    if (change.name !== undefined) {
      set('name', change.name);
      set('name_key', nameKey ?? change.name.toLowerCase());
    }
    if (change.description !== undefined) set('description', change.description);
    if (change.avatarUrl !== undefined) set('avatar_url', change.avatarUrl);
    if (change.langTag !== undefined) set('lang_tag', change.langTag);
    if (change.metadata !== undefined) set('metadata', change.metadata);
    if (change.open !== undefined) set('open', change.open);
    if (change.maxCount !== undefined) set('max_count', change.maxCount);
    if (change.creatorId !== undefined) set('creator_id', change.creatorId);
    const rows = await this.#write(
      `UPDATE groups AS g SET ${sets.join(', ')} WHERE g.id = $1 RETURNING ${GROUP_COLUMNS}`,
      q.values,
    );
    const row = rows[0];
    return row ? toGroup(row) : null;
  }

  async deleteGroup(groupId: string): Promise<boolean> {
    if (!isUuid(groupId)) return false;
    // Memberships go with it (foreign key cascade).
    const { rowCount } = await this.#db.query('DELETE FROM groups WHERE id = $1', [groupId]);
    return rowCount > 0;
  }

  async addEdgeCount(groupId: string, delta: number, now: Date): Promise<void> {
    if (delta === 0) return;
    await this.#db.query('UPDATE groups SET edge_count = edge_count + $2, update_time = $3 WHERE id = $1', [
      groupId,
      delta,
      now,
    ]);
  }

  async memberStates(groupId: string, userIds: readonly string[]): Promise<Map<string, GroupRole>> {
    const ids = userIds.filter(isUuid);
    if (ids.length === 0 || !isUuid(groupId)) return new Map();
    const rows = await this.#db.rows<{ user_id: string; state: number }>(
      'SELECT user_id, state FROM group_members WHERE group_id = $1 AND user_id = ANY($2::uuid[])',
      [groupId, ids],
    );
    return new Map(rows.map((r) => [r.user_id, r.state as GroupRole]));
  }

  async putMembers(members: readonly GroupMemberRecord[]): Promise<void> {
    if (members.length === 0) return;
    // One multi-row statement is atomic on its own: all rows or none.
    await this.#db.query(
      `INSERT INTO group_members (group_id, user_id, state, position, update_time)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::smallint[], $4::bigint[], $5::timestamptz[])
       ON CONFLICT (group_id, user_id) DO UPDATE SET state = excluded.state, update_time = excluded.update_time`,
      [
        members.map((m) => m.groupId),
        members.map((m) => m.userId),
        members.map((m) => m.state),
        members.map((m) => m.position),
        members.map((m) => m.updateTime),
      ],
    );
  }

  async deleteMembers(groupId: string, userIds: readonly string[]): Promise<void> {
    const ids = userIds.filter(isUuid);
    if (ids.length === 0 || !isUuid(groupId)) return;
    await this.#db.query('DELETE FROM group_members WHERE group_id = $1 AND user_id = ANY($2::uuid[])', [
      groupId,
      ids,
    ]);
  }

  async usersInStates(groupId: string, states: readonly GroupRole[], limit: number): Promise<string[]> {
    if (!isUuid(groupId)) return [];
    const rows = await this.#db.rows<{ user_id: string }>(
      `SELECT user_id FROM group_members WHERE group_id = $1 AND state = ANY($2::smallint[])
       ORDER BY state, position, user_id LIMIT $3`,
      [groupId, states, limit],
    );
    return rows.map((r) => r.user_id);
  }

  async groupsOfUser(userId: string): Promise<GroupMemberRecord[]> {
    if (!isUuid(userId)) return [];
    const rows = await this.#db.rows<MRow>(
      `SELECT ${MEMBER_COLUMNS} FROM group_members m WHERE m.user_id = $1 ORDER BY m.group_id`,
      [userId],
    );
    return rows.map(toMember);
  }

  listMembers(groupId: string, query: MemberQuery): Promise<GroupMemberPage> {
    return listMemberPage(this.#memberScan, groupId, query);
  }

  listUserGroups(userId: string, query: MemberQuery): Promise<UserGroupPage> {
    return listUserGroupPage(this.#userGroupScan, userId, query);
  }

  listGroups(
    filter: GroupFilter,
    query: { readonly limit: number; readonly cursor?: string | undefined },
  ): Promise<GroupPage> {
    return listGroupPage(this.#groupScan, filter, query);
  }

  /** Runs a write; a duplicate name becomes {@link GroupNameInUseError}. */
  async #write(sql: string, params: readonly unknown[]): Promise<GRow[]> {
    try {
      return await this.#db.rows<GRow>(sql, params);
    } catch (err) {
      const e = err as { code?: string; constraint?: string };
      if (e.code === '23505' && e.constraint === 'groups_name_key') {
        throw new GroupNameInUseError('group name in use', { cause: err });
      }
      throw err;
    }
  }
}

/** Numbered statement parameters (`$1`, `$2`, ...) collected as a query is built. */
class Params {
  readonly values: unknown[];

  constructor(...initial: unknown[]) {
    this.values = [...initial];
  }

  /** Adds a value and returns its placeholder. */
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

function toGroup(r: GRow): GroupRecord {
  return groupFromRow(r, (t) => t);
}

function toMember(r: MRow): GroupMemberRecord {
  return memberFromRow(r, (t) => t);
}
