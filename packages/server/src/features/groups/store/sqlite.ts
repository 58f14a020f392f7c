/**
 * The group store on the SQLite port; times are Unix milliseconds. Statements are prepared once (the
 * group listings, whose filters vary, once per filter combination, a fixed small set) and run through
 * `db.run()`, so they wait while another request's transaction is open and join the caller's own.
 */
import type { SqliteDb, SqliteStatement } from '../../../db/db.ts';
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

type GRow = GroupRow<number>;
type MRow = MemberRow<number>;
/** Above every other code point in UTF-8 byte order: `key < prefix + MAX_CHAR` bounds a prefix scan. */
const MAX_CHAR = '\u{10FFFF}';

/** {@link GroupStore} on SQLite. */
export class SqliteGroupStore implements GroupStore {
  readonly #db: SqliteDb;
  readonly #statements = new Map<string, SqliteStatement<unknown[], unknown>>();
  readonly #memberScan: MemberScan;
  readonly #userGroupScan: UserGroupScan;
  readonly #groupScan: GroupScan;

  /** `db` must be migrated (the group tables exist) before stores are built. */
  constructor(db: SqliteDb) {
    this.#db = db;
    this.#memberScan = (groupId, state, from, limit) => {
      const sql = `SELECT ${MEMBER_COLUMNS} FROM group_members m WHERE m.group_id = ?
        AND ${state === null ? 'm.state <= 3' : 'm.state = ?'}
        ${from ? 'AND (m.state, m.position, m.user_id) > (?, ?, ?)' : ''}
        ORDER BY m.state, m.position, m.user_id LIMIT ?`;
      return this.#all<MRow>(sql, [groupId, ...(state === null ? [] : [state]), ...(from ?? []), limit]).then(
        (rows) => rows.map(toMember),
      );
    };
    this.#userGroupScan = (userId, state, from, limit) => {
      const sql = `SELECT ${USER_GROUP_COLUMNS}
        FROM group_members m JOIN groups g ON g.id = m.group_id WHERE m.user_id = ?
        AND ${state === null ? 'm.state <= 3' : 'm.state = ?'}
        ${from ? 'AND (m.state, m.position, m.group_id) > (?, ?, ?)' : ''}
        ORDER BY m.state, m.position, m.group_id LIMIT ?`;
      const params = [userId, ...(state === null ? [] : [state]), ...(from ?? []), limit];
      return this.#all<UserGroupRow<number>>(sql, params).then((rows) =>
        rows.map((r) => userGroupFromRow(r, (ms) => new Date(ms))),
      );
    };
    this.#groupScan = (filter, from, limit) => {
      const where: string[] = [];
      const params: unknown[] = [];
      let order = 'g.id';
      if (filter.nameKey !== undefined) {
        order = 'g.name_key, g.id';
        if (filter.prefix) {
          where.push('g.name_key >= ? AND g.name_key < ?');
          params.push(filter.nameKey, filter.nameKey + MAX_CHAR);
        } else {
          where.push('g.name_key = ?');
          params.push(filter.nameKey);
        }
        if (from) {
          where.push('(g.name_key, g.id) > (?, ?)');
          params.push(...from);
        }
      } else {
        if (filter.langTag !== undefined) {
          where.push('g.lang_tag = ?');
          params.push(filter.langTag);
        }
        if (filter.open !== undefined) {
          where.push('g.open = ?');
          params.push(filter.open ? 1 : 0);
        }
        if (filter.maxEdgeCount !== undefined) {
          where.push('g.edge_count <= ?');
          params.push(filter.maxEdgeCount);
        }
        if (from) {
          where.push('g.id > ?');
          params.push(from[0]);
        }
      }
      const sql = `SELECT ${GROUP_COLUMNS} FROM groups g
        ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order} LIMIT ?`;
      return this.#all<GRow>(sql, [...params, limit]).then((rows) => rows.map(toGroup));
    };
  }

  async createGroup(g: GroupRecord, nameKey: string): Promise<void> {
    await this.#write(
      `INSERT INTO groups (id, creator_id, name, name_key, description, avatar_url, lang_tag, metadata, open,
         edge_count, max_count, create_time, update_time)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        g.id,
        g.creatorId,
        g.name,
        nameKey,
        g.description,
        g.avatarUrl,
        g.langTag,
        g.metadata,
        g.open ? 1 : 0,
        g.edgeCount,
        g.maxCount,
        g.createTime.getTime(),
        g.updateTime.getTime(),
      ],
    );
  }

  async lockGroup(groupId: string): Promise<GroupRecord | null> {
    // One transaction at a time on SQLite: reading inside it is enough.
    return (await this.getGroups([groupId]))[0] ?? null;
  }

  async getGroups(groupIds: readonly string[]): Promise<GroupRecord[]> {
    if (groupIds.length === 0) return [];
    const rows = await this.#all<GRow>(
      `SELECT ${GROUP_COLUMNS} FROM groups g WHERE g.id IN (SELECT value FROM json_each(?))`,
      [JSON.stringify(groupIds)],
    );
    return rows.map(toGroup);
  }

  async updateGroup(
    groupId: string,
    change: GroupChange,
    nameKey: string | undefined,
    now: Date,
  ): Promise<GroupRecord | null> {
    const sets = ['update_time = ?'];
    const params: unknown[] = [now.getTime()];
    const set = (column: string, value: unknown) => {
      sets.push(`${column} = ?`);
      params.push(value);
    };
    if (change.name !== undefined) {
      set('name', change.name);
      set('name_key', nameKey ?? change.name.toLowerCase());
    }
    if (change.description !== undefined) set('description', change.description);
    if (change.avatarUrl !== undefined) set('avatar_url', change.avatarUrl);
    if (change.langTag !== undefined) set('lang_tag', change.langTag);
    if (change.metadata !== undefined) set('metadata', change.metadata);
    if (change.open !== undefined) set('open', change.open ? 1 : 0);
    if (change.maxCount !== undefined) set('max_count', change.maxCount);
    if (change.creatorId !== undefined) set('creator_id', change.creatorId);
    const changed = await this.#write(`UPDATE groups SET ${sets.join(', ')} WHERE id = ?`, [
      ...params,
      groupId,
    ]);
    return changed === 0 ? null : await this.lockGroup(groupId);
  }

  async deleteGroup(groupId: string): Promise<boolean> {
    // Memberships go with it (foreign key cascade).
    return (await this.#write('DELETE FROM groups WHERE id = ?', [groupId])) > 0;
  }

  async addEdgeCount(groupId: string, delta: number, now: Date): Promise<void> {
    if (delta === 0) return;
    await this.#write('UPDATE groups SET edge_count = edge_count + ?, update_time = ? WHERE id = ?', [
      delta,
      now.getTime(),
      groupId,
    ]);
  }

  async memberStates(groupId: string, userIds: readonly string[]): Promise<Map<string, GroupRole>> {
    if (userIds.length === 0) return new Map();
    const rows = await this.#all<{ user_id: string; state: number }>(
      `SELECT user_id, state FROM group_members
       WHERE group_id = ? AND user_id IN (SELECT value FROM json_each(?))`,
      [groupId, JSON.stringify(userIds)],
    );
    return new Map(rows.map((r) => [r.user_id, r.state as GroupRole]));
  }

  async putMembers(members: readonly GroupMemberRecord[]): Promise<void> {
    if (members.length === 0) return;
    const sql = `INSERT INTO group_members (group_id, user_id, state, position, update_time) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (group_id, user_id) DO UPDATE SET state = excluded.state, update_time = excluded.update_time`;
    const statement = this.#statement(sql);
    await this.#db.tx(() =>
      this.#db.run(() => {
        for (const m of members) {
          statement.run(m.groupId, m.userId, m.state, m.position, m.updateTime.getTime());
        }
      }),
    );
  }

  async deleteMembers(groupId: string, userIds: readonly string[]): Promise<void> {
    if (userIds.length === 0) return;
    await this.#write(
      'DELETE FROM group_members WHERE group_id = ? AND user_id IN (SELECT value FROM json_each(?))',
      [groupId, JSON.stringify(userIds)],
    );
  }

  async usersInStates(groupId: string, states: readonly GroupRole[], limit: number): Promise<string[]> {
    const rows = await this.#all<{ user_id: string }>(
      `SELECT user_id FROM group_members WHERE group_id = ? AND state IN (SELECT value FROM json_each(?))
       ORDER BY state, position, user_id LIMIT ?`,
      [groupId, JSON.stringify(states), limit],
    );
    return rows.map((r) => r.user_id);
  }

  async groupsOfUser(userId: string): Promise<GroupMemberRecord[]> {
    const rows = await this.#all<MRow>(
      `SELECT ${MEMBER_COLUMNS} FROM group_members m WHERE m.user_id = ? ORDER BY m.group_id`,
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

  /** The prepared statement for `sql`, prepared on first use (the set of statements is fixed). */
  #statement(sql: string): SqliteStatement<unknown[], unknown> {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.#db.prepare<unknown[], unknown>(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #all<R>(sql: string, params: readonly unknown[]): Promise<R[]> {
    const statement = this.#statement(sql);
    return this.#db.run(() => statement.all(...params) as R[]);
  }

  /** Runs a write; returns the rows changed. A duplicate name becomes {@link GroupNameInUseError}. */
  async #write(sql: string, params: readonly unknown[]): Promise<number> {
    const statement = this.#statement(sql);
    try {
      return await this.#db.run(() => statement.run(...params).changes);
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE' && /name_key/.test(String(err))) {
        throw new GroupNameInUseError('group name in use', { cause: err });
      }
      throw err;
    }
  }
}

function toGroup(r: GRow): GroupRecord {
  return groupFromRow(r, (ms) => new Date(ms));
}

function toMember(r: MRow): GroupMemberRecord {
  return memberFromRow(r, (ms) => new Date(ms));
}
