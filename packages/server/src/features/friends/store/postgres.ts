/**
 * The friend store on the PostgreSQL port. Every query goes through `db.query()`, which uses the
 * caller's transaction client when one is open and the pool otherwise. Does not import `pg`.
 */
import type { PostgresDb } from '../../../db/db.ts';
import { isUuid } from '../../../shared/ids.ts';
import type {
  FriendEdge,
  FriendEdgePage,
  FriendListQuery,
  FriendState,
  FriendStore,
} from './friend-store.ts';
import { type FriendScan, listFriendPage } from './pagination.ts';
import { FRIEND_EDGE_COLUMNS as COLUMNS, edgeFromRow, type FriendEdgeRow } from './rows.ts';

type Row = FriendEdgeRow<Date>;

/** {@link FriendStore} on PostgreSQL. Ids are UUID columns: a non-UUID id simply matches nothing. */
export class PgFriendStore implements FriendStore {
  readonly #db: PostgresDb;
  readonly #scan: FriendScan;

  constructor(db: PostgresDb) {
    this.#db = db;
    this.#scan = async (userId, state, from, limit) => {
      if (!isUuid(userId)) return [];
      const params: unknown[] = [userId, limit];
      let where = '';
      if (state !== null) {
        params.push(state);
        where += ` AND state = $${params.length}`;
      }
      if (from) {
        params.push(...from);
        const n = params.length;
        where += ` AND (state, position, other_id) > ($${n - 2}::smallint, $${n - 1}::bigint, $${n}::uuid)`;
      }
      const rows = await this.#db.rows<Row>(
        `SELECT ${COLUMNS} FROM friend_edges WHERE user_id = $1${where}
         ORDER BY state, position, other_id LIMIT $2`,
        params,
      );
      return rows.map(toEdge);
    };
  }

  async lockUsers(userIds: readonly string[]): Promise<void> {
    const ids = [...new Set(userIds)].sort();
    if (ids.length === 0) return;
    // One lock per user, taken in id order (the ordinality keeps the order the array was sorted in).
    await this.#db.query(
      `SELECT count(pg_advisory_xact_lock(hashtextextended('tether.friends:' || id, 0)))
       FROM (SELECT id FROM unnest($1::text[]) WITH ORDINALITY AS t (id, n) ORDER BY n) AS ordered`,
      [ids],
    );
  }

  async edgesBetween(userId: string, otherIds: readonly string[]): Promise<FriendEdge[]> {
    const others = otherIds.filter(isUuid);
    if (others.length === 0 || !isUuid(userId)) return [];
    const rows = await this.#db.rows<Row>(
      `SELECT ${COLUMNS} FROM friend_edges WHERE user_id = $1 AND other_id = ANY($2::uuid[])
       UNION ALL
       SELECT ${COLUMNS} FROM friend_edges WHERE other_id = $1 AND user_id = ANY($2::uuid[])`,
      [userId, others],
    );
    return rows.map(toEdge);
  }

  async putEdges(edges: readonly FriendEdge[]): Promise<void> {
    if (edges.length === 0) return;
    // One multi-row statement is atomic on its own: all rows or none.
    await this.#db.query(
      `INSERT INTO friend_edges (${COLUMNS})
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::smallint[], $4::bigint[], $5::timestamptz[], $6::text[])
       ON CONFLICT (user_id, other_id) DO UPDATE
         SET state = excluded.state, update_time = excluded.update_time, metadata = excluded.metadata`,
      [
        edges.map((e) => e.userId),
        edges.map((e) => e.otherId),
        edges.map((e) => e.state),
        edges.map((e) => e.position),
        edges.map((e) => e.updateTime),
        edges.map((e) => e.metadata),
      ],
    );
  }

  async deleteEdges(edges: readonly { readonly userId: string; readonly otherId: string }[]): Promise<void> {
    const valid = edges.filter((e) => isUuid(e.userId) && isUuid(e.otherId));
    if (valid.length === 0) return;
    await this.#db.query(
      `DELETE FROM friend_edges AS f USING unnest($1::uuid[], $2::uuid[]) AS d (user_id, other_id)
       WHERE f.user_id = d.user_id AND f.other_id = d.other_id`,
      [valid.map((e) => e.userId), valid.map((e) => e.otherId)],
    );
  }

  async countEdges(userId: string, states: readonly FriendState[]): Promise<number> {
    if (!isUuid(userId)) return 0;
    const row = await this.#db.row<{ n: string }>(
      'SELECT count(*) AS n FROM friend_edges WHERE user_id = $1 AND state = ANY($2::smallint[])',
      [userId, states],
    );
    return Number(row?.n ?? 0);
  }

  listEdges(userId: string, query: FriendListQuery): Promise<FriendEdgePage> {
    return listFriendPage(this.#scan, userId, query);
  }
}

function toEdge(r: Row): FriendEdge {
  return edgeFromRow(r, (time) => time);
}
