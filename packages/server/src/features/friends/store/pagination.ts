/**
 * Keyset pagination of a user's friend edges, shared by both backends: cursor encoding and page
 * assembly. Backends supply one primitive, a bounded scan in `(state, position, other id)` order
 * strictly after a position, and {@link listFriendPage} turns it into pages, so SQLite and PostgreSQL
 * hand out identical cursors. No SQL here.
 */
import { cursorFields, defineCursor } from '../../../db/cursor.ts';
import {
  type FriendEdge,
  type FriendEdgePage,
  type FriendListQuery,
  type FriendState,
  MAX_FRIEND_PAGE,
} from './friend-store.ts';

/** A position in a friend list: the sort values of the last edge returned. */
export type FriendPosition = readonly [state: number, position: number, otherId: string];

/**
 * Reads up to `limit` of `userId`'s edges (only those in `state` when it is not null) strictly after
 * `from` in `(state, position, other id)` order, from the start when `from` is null.
 */
export type FriendScan = (
  userId: string,
  state: FriendState | null,
  from: FriendPosition | null,
  limit: number,
) => Promise<FriendEdge[]>;

/** Bound to the user and the state filter: a cursor of another list or filter is refused. */
const FRIEND_CURSOR = defineCursor('friends.list', [cursorFields.int, cursorFields.int, cursorFields.uuid]);

/**
 * One page of a user's friend list. Reads one edge more than asked to know whether a next page
 * exists, so the last page has no cursor. Throws RangeError for a limit outside
 * 1–{@link MAX_FRIEND_PAGE} and `InvalidCursorError` for a bad cursor.
 */
export async function listFriendPage(
  scan: FriendScan,
  userId: string,
  query: FriendListQuery,
): Promise<FriendEdgePage> {
  const { limit } = query;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_FRIEND_PAGE) {
    throw new RangeError(`page limit must be an integer from 1 to ${MAX_FRIEND_PAGE}, got ${limit}`);
  }
  const state = query.state ?? null;
  const filter = [userId, state ?? -1];
  const from = query.cursor ? FRIEND_CURSOR.decode(query.cursor, filter) : null;
  const rows = await scan(userId, state, from, limit + 1);
  const edges = rows.slice(0, limit);
  const last = edges[edges.length - 1];
  const cursor =
    rows.length > limit && last
      ? FRIEND_CURSOR.encode([last.state, last.position, last.otherId], filter)
      : null;
  return { edges, cursor };
}
