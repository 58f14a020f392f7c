/**
 * `friend_edges` rows → {@link FriendEdge}, shared by the SQLite and PostgreSQL stores. They differ
 * in how a time comes back (a `Date` from PostgreSQL, Unix milliseconds from SQLite) and in how a
 * BIGINT does (text from PostgreSQL), so the row type takes the backend's types.
 */
import type { FriendEdge, FriendState } from './friend-store.ts';

/** A `friend_edges` row. */
export interface FriendEdgeRow<T> {
  user_id: string;
  other_id: string;
  state: number;
  position: number | string;
  update_time: T;
  metadata: string;
}

/** The columns every query selects, in {@link FriendEdgeRow} order. */
export const FRIEND_EDGE_COLUMNS = 'user_id, other_id, state, position, update_time, metadata';

/** A {@link FriendEdge} from a row, with the backend's time conversion. */
export function edgeFromRow<T>(r: FriendEdgeRow<T>, time: (t: T) => Date): FriendEdge {
  return {
    userId: r.user_id,
    otherId: r.other_id,
    state: r.state as FriendState,
    position: Number(r.position),
    updateTime: time(r.update_time),
    metadata: r.metadata,
  };
}
