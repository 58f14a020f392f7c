/**
 * The friend store on the SQLite port; times are Unix milliseconds. Statements are prepared once and
 * run through `db.run()`, so they wait while another request's transaction is open and join the
 * caller's own transaction when there is one.
 */
import type { SqliteDb, SqliteStatement } from '../../../db/db.ts';
import type {
  FriendEdge,
  FriendEdgePage,
  FriendListQuery,
  FriendState,
  FriendStore,
} from './friend-store.ts';
import { type FriendScan, listFriendPage } from './pagination.ts';
import { FRIEND_EDGE_COLUMNS as COLUMNS, edgeFromRow, type FriendEdgeRow } from './rows.ts';

type Row = FriendEdgeRow<number>;
type EdgeParams = {
  user_id: string;
  other_id: string;
  state: number;
  position: number;
  update_time: number;
  metadata: string;
};

/** {@link FriendStore} on SQLite. */
export class SqliteFriendStore implements FriendStore {
  readonly #db: SqliteDb;
  readonly #between: SqliteStatement<[string, string, string, string], Row>;
  readonly #put: SqliteStatement<EdgeParams, unknown>;
  readonly #delete: SqliteStatement<[string, string], unknown>;
  readonly #count: SqliteStatement<[string, string], { n: number }>;
  /** Scans keyed by whether they filter on one state and whether they start at a position. */
  readonly #scans: Record<'any' | 'one', Record<'all' | 'from', SqliteStatement<unknown[], Row>>>;
  readonly #scan: FriendScan;

  /** `db` must be migrated (the friend table exists) before stores are built. */
  constructor(db: SqliteDb) {
    this.#db = db;
    // Two index lookups (by owner, by other end) rather than one OR the planner might scan for.
    this.#between = db.prepare<[string, string, string, string], Row>(
      `SELECT ${COLUMNS} FROM friend_edges WHERE user_id = ? AND other_id IN (SELECT value FROM json_each(?))
       UNION ALL
       SELECT ${COLUMNS} FROM friend_edges WHERE other_id = ? AND user_id IN (SELECT value FROM json_each(?))`,
    );
    this.#put = db.prepare<EdgeParams>(
      `INSERT INTO friend_edges (${COLUMNS})
       VALUES (@user_id, @other_id, @state, @position, @update_time, @metadata)
       ON CONFLICT (user_id, other_id) DO UPDATE
         SET state = excluded.state, update_time = excluded.update_time, metadata = excluded.metadata`,
    );
    this.#delete = db.prepare<[string, string]>(
      'DELETE FROM friend_edges WHERE user_id = ? AND other_id = ?',
    );
    this.#count = db.prepare<[string, string], { n: number }>(
      `SELECT count(*) AS n FROM friend_edges
       WHERE user_id = ? AND state IN (SELECT value FROM json_each(?))`,
    );
    const scan = (oneState: boolean, from: boolean) =>
      db.prepare<unknown[], Row>(
        `SELECT ${COLUMNS} FROM friend_edges WHERE user_id = ?
         ${oneState ? 'AND state = ?' : ''}
         ${from ? 'AND (state, position, other_id) > (?, ?, ?)' : ''}
         ORDER BY state, position, other_id LIMIT ?`,
      );
    this.#scans = {
      any: { all: scan(false, false), from: scan(false, true) },
      one: { all: scan(true, false), from: scan(true, true) },
    };
    this.#scan = (userId, state, from, limit) => {
      const params: unknown[] = [userId];
      if (state !== null) params.push(state);
      if (from) params.push(...from);
      params.push(limit);
      const statement = this.#scans[state === null ? 'any' : 'one'][from ? 'from' : 'all'];
      return this.#db.run(() => statement.all(...params).map(toEdge));
    };
  }

  async lockUsers(_userIds: readonly string[]): Promise<void> {
    // One transaction at a time (BEGIN IMMEDIATE): a transaction is already alone.
  }

  edgesBetween(userId: string, otherIds: readonly string[]): Promise<FriendEdge[]> {
    if (otherIds.length === 0) return Promise.resolve([]);
    const others = JSON.stringify(otherIds);
    return this.#db.run(() => this.#between.all(userId, others, userId, others).map(toEdge));
  }

  async putEdges(edges: readonly FriendEdge[]): Promise<void> {
    if (edges.length === 0) return;
    // All or none: its own transaction, or part of the caller's.
    await this.#db.tx(() =>
      this.#db.run(() => {
        for (const e of edges) {
          this.#put.run({
            user_id: e.userId,
            other_id: e.otherId,
            state: e.state,
            position: e.position,
            update_time: e.updateTime.getTime(),
            metadata: e.metadata,
          });
        }
      }),
    );
  }

  async deleteEdges(edges: readonly { readonly userId: string; readonly otherId: string }[]): Promise<void> {
    if (edges.length === 0) return;
    await this.#db.tx(() =>
      this.#db.run(() => {
        for (const e of edges) this.#delete.run(e.userId, e.otherId);
      }),
    );
  }

  countEdges(userId: string, states: readonly FriendState[]): Promise<number> {
    return this.#db.run(() => this.#count.get(userId, JSON.stringify(states))?.n ?? 0);
  }

  listEdges(userId: string, query: FriendListQuery): Promise<FriendEdgePage> {
    return listFriendPage(this.#scan, userId, query);
  }
}

function toEdge(r: Row): FriendEdge {
  return edgeFromRow(r, (ms) => new Date(ms));
}
