/**
 * Reading records: pages in rank order (keyset, with next/prev cursors), owners' records, and the
 * "around owner" window (Nakama's haystack). Rows come from the database through the rank-ordered
 * index on it (O(log n + page)); ranks come from the in-memory rank index when the period is held
 * (O(log n) each), and otherwise from the page's position, as Nakama does for pages.
 *
 * @packageDocumentation
 */
import { type CursorCodec, cursorFields, defineCursor } from '../../db/cursor.ts';
import { type Board, type RankedRecord, type ScannedRecord, withRank } from './leaderboard-types.ts';
import type { RankIndex } from './rank-index.ts';
import type { RecordDeps } from './record-writes.ts';
import type { Period } from './store/leaderboard-store.ts';

/** A page of records, Nakama's `LeaderboardRecordList`. */
export interface RecordList {
  readonly records: RankedRecord[];
  readonly ownerRecords: RankedRecord[];
  readonly nextCursor?: string | undefined;
  readonly prevCursor?: string | undefined;
  /** Records in the period. */
  readonly rankCount: number;
}

/** `[forward, score, subscore, owner id, rank]` of the record a page continues from. */
type RecordPosition = readonly [boolean, bigint, bigint, string, number];

/** The cursor of record pages; bound to the board and the period (a cursor of another is refused). */
export const RECORD_CURSOR: CursorCodec<RecordPosition> = defineCursor('leaderboard.records', [
  cursorFields.bool,
  cursorFields.int64,
  cursorFields.int64,
  cursorFields.uuid,
  cursorFields.int,
] as const);

/** What a page asks for. */
export interface PageQuery {
  /** Owners whose records come back in `ownerRecords`. */
  readonly ownerIds?: readonly string[] | undefined;
  /** Records per page; 0 for no page (owner records only). */
  readonly limit: number;
  readonly cursor?: string | undefined;
}

/** A page of one period in rank order, plus the owners' records. Throws `InvalidCursorError`. */
export async function listRecords(
  deps: RecordDeps,
  board: Board,
  expiry: number,
  query: PageQuery,
): Promise<RecordList> {
  const period: Period = { leaderboardId: board.id, expiryTime: expiry };
  const filter = [board.id, expiry];
  const position = query.cursor ? RECORD_CURSOR.decode(query.cursor, filter) : null;
  let records: RankedRecord[] = [];
  let nextCursor: string | undefined;
  let prevCursor: string | undefined;
  if (query.limit > 0) {
    const forward = position === null || position[0];
    const after = position ? { score: position[1], subscore: position[2], ownerId: position[3] } : undefined;
    const rows = await deps.store.scanRecords({
      ...period,
      order: board.sortOrder,
      after,
      backward: !forward,
      limit: query.limit + 1,
    });
    const more = rows.length > query.limit;
    const page = rows.slice(0, query.limit);
    if (!forward) page.reverse();
    // Positional ranks continue from the cursor's record; the index replaces them when it holds the period.
    const firstRank = position === null ? 1 : forward ? position[4] + 1 : position[4] - page.length;
    records = rankPage(deps, period, page, firstRank);
    const first = records[0];
    const last = records[records.length - 1];
    if (first && last) {
      const hasNext = forward ? more : true;
      const hasPrev = forward ? position !== null : more;
      if (hasNext) nextCursor = RECORD_CURSOR.encode(positionOf(true, last), filter);
      if (hasPrev) prevCursor = RECORD_CURSOR.encode(positionOf(false, first), filter);
    }
  }
  return {
    records,
    ownerRecords: await ownerRecords(deps, board, period, query.ownerIds ?? []),
    nextCursor,
    prevCursor,
    rankCount: await deps.ranks.size(period),
  };
}

/**
 * Records around an owner: up to `limit` above and `limit / 2` below (more below when few are
 * above), then a `limit`-sized window that favours the end. Empty when the owner has no record.
 */
export async function haystack(
  deps: RecordDeps,
  board: Board,
  expiry: number,
  ownerId: string,
  limit: number,
): Promise<RecordList> {
  const period: Period = { leaderboardId: board.id, expiryTime: expiry };
  const index = deps.ranks.held(period);
  if (index !== undefined) return haystackByIndex(deps, board, period, index, ownerId, limit);
  const owner = await deps.store.getRecord(period, ownerId);
  if (owner === null) return { records: [], ownerRecords: [], rankCount: 0 };
  const scan = { ...period, order: board.sortOrder, after: owner };
  const above = (await deps.store.scanRecords({ ...scan, backward: true, limit: limit + 1 })).reverse();
  const moreAbove = above.length > limit;
  if (moreAbove) above.shift();
  const half = Math.floor(limit / 2);
  const belowWanted = above.length < half ? limit - above.length : half;
  const below = await deps.store.scanRecords({ ...scan, limit: belowWanted + 1 });
  const moreBelow = below.length > belowWanted;
  if (moreBelow) below.pop();
  const all = [...above, withRank(owner, 0) as ScannedRecord, ...below];
  const start = above.length < half ? 0 : Math.max(0, all.length - limit);
  const window = all.slice(start, start + limit);
  const ownerRank = await deps.ranks.rankOf(board, owner);
  const records = rankPage(deps, period, window, ownerRank - above.length + start);
  const filter = [board.id, expiry];
  const first = records[0]!;
  const last = records[records.length - 1]!;
  return {
    records,
    ownerRecords: [],
    prevCursor: start > 0 || moreAbove ? RECORD_CURSOR.encode(positionOf(false, first), filter) : undefined,
    nextCursor:
      start + window.length < all.length || moreBelow
        ? RECORD_CURSOR.encode(positionOf(true, last), filter)
        : undefined,
    rankCount: await deps.ranks.size(period),
  };
}

/**
 * {@link haystack} when the period's rank index is held: the window is worked out in ranks (the
 * same rule), and only its `limit` rows are read, in one keyset scan from the record ranked just
 * above it.
 */
async function haystackByIndex(
  deps: RecordDeps,
  board: Board,
  period: Period,
  index: RankIndex,
  ownerId: string,
  limit: number,
): Promise<RecordList> {
  const rank = index.rankOf(ownerId);
  if (rank === 0) return { records: [], ownerRecords: [], rankCount: 0 };
  const size = index.size;
  const half = Math.floor(limit / 2);
  const above = Math.min(limit, rank - 1);
  const below = Math.min(above < half ? limit - above : half, size - rank);
  const total = above + 1 + below;
  const start = above < half ? 0 : Math.max(0, total - limit);
  const firstRank = rank - above + start;
  const count = Math.min(limit, total - start);
  const before = firstRank > 1 ? index.at(firstRank - 1) : undefined;
  const after = before && {
    ownerId: before.ownerId,
    score: BigInt(before.score),
    subscore: BigInt(before.subscore),
  };
  const rows = await deps.store.scanRecords({ ...period, order: board.sortOrder, after, limit: count });
  for (let i = 0; i < rows.length; i++) rows[i]!.rank = firstRank + i;
  const records: RankedRecord[] = rows;
  const filter = [board.id, period.expiryTime];
  const first = records[0];
  const last = records[records.length - 1];
  return {
    records,
    ownerRecords: [],
    prevCursor: first && firstRank > 1 ? RECORD_CURSOR.encode(positionOf(false, first), filter) : undefined,
    nextCursor:
      last && firstRank + records.length - 1 < size
        ? RECORD_CURSOR.encode(positionOf(true, last), filter)
        : undefined,
    rankCount: size,
  };
}

/** Owners' records in board order with their ranks. */
async function ownerRecords(
  deps: RecordDeps,
  board: Board,
  period: Period,
  ownerIds: readonly string[],
): Promise<RankedRecord[]> {
  if (ownerIds.length === 0) return [];
  const rows = await deps.store.getRecords(period, [...new Set(ownerIds.map((id) => id.toLowerCase()))]);
  const ranked = await Promise.all(rows.map(async (r) => withRank(r, await deps.ranks.rankOf(board, r))));
  return ranked.sort((a, b) => a.rank - b.rank);
}

/**
 * Ranks a run of records consecutive in rank order, in place. When the period's index is held, the
 * first record's rank comes from it (one O(log n) look-up; the rest follow by position, as the rows
 * are consecutive in the same order); otherwise ranks count from `firstRank`.
 */
function rankPage(
  deps: RecordDeps,
  period: Period,
  rows: ScannedRecord[],
  firstRank: number,
): RankedRecord[] {
  const first = rows[0];
  const held = first === undefined ? 0 : (deps.ranks.held(period)?.rankOf(first.ownerId) ?? 0);
  const start = held > 0 ? held : firstRank;
  for (let i = 0; i < rows.length; i++) rows[i]!.rank = Math.max(0, start + i);
  return rows;
}

function positionOf(forward: boolean, r: RankedRecord): RecordPosition {
  return [forward, r.score, r.subscore, r.ownerId, r.rank];
}
