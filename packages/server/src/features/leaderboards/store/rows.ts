/**
 * Rows of `leaderboards` and `leaderboard_records` → {@link Board} and {@link LeaderboardRecord},
 * shared by both stores. They differ in how values come back: SQLite gives booleans as 0/1, times as
 * Unix milliseconds and (with `safeIntegers`) integers as bigint; PostgreSQL gives booleans, `Date`s,
 * and BIGINT as text. The converters take whatever arrived and normalise it.
 */
import type { Board, LeaderboardRecord, Operator, ScannedRecord, SortOrder } from '../leaderboard-types.ts';

/** A SQL integer as a driver returns it. */
type SqlInt = number | bigint | string;
/** A SQL time as a driver returns it. */
type SqlTime = number | bigint | Date;

/** A `leaderboards` row. */
export interface BoardRow {
  id: string;
  authoritative: boolean | number | bigint;
  sort_order: SqlInt;
  operator: SqlInt;
  reset_schedule: string | null;
  metadata: string;
  create_time: SqlTime;
  tournament: boolean | number | bigint;
  category: SqlInt;
  title: string;
  description: string;
  duration: SqlInt;
  start_time: SqlInt;
  end_time: SqlInt;
  max_size: SqlInt;
  max_num_score: SqlInt;
  join_required: boolean | number | bigint;
}

/** A `leaderboard_records` row. */
export interface RecordRow {
  leaderboard_id: string;
  expiry_time: SqlInt;
  owner_id: string;
  username: string | null;
  score: SqlInt;
  subscore: SqlInt;
  num_score: SqlInt;
  max_num_score: SqlInt;
  metadata: string;
  create_time: SqlTime;
  update_time: SqlTime;
}

/** The record columns, in the order both stores select them. */
export const RECORD_COLUMNS =
  'leaderboard_id, expiry_time, owner_id, username, score, subscore, num_score, max_num_score, metadata, create_time, update_time';

/** The board columns, in the order both stores select them. */
export const BOARD_COLUMNS =
  'id, authoritative, sort_order, operator, reset_schedule, metadata, create_time, tournament, category, title, description, duration, start_time, end_time, max_size, max_num_score, join_required';

const num = (v: SqlInt): number => Number(v);
const bool = (v: boolean | number | bigint): boolean => v === true || Number(v) === 1;
const time = (v: SqlTime): Date => (v instanceof Date ? v : new Date(Number(v)));
const ms = (v: SqlTime): number => (v instanceof Date ? v.getTime() : Number(v));

/** A {@link Board} from a row of either backend. */
export function boardFromRow(r: BoardRow): Board {
  return {
    id: r.id,
    authoritative: bool(r.authoritative),
    sortOrder: num(r.sort_order) as SortOrder,
    operator: num(r.operator) as Operator,
    resetSchedule: r.reset_schedule,
    metadata: r.metadata,
    createTime: time(r.create_time),
    tournament: bool(r.tournament),
    category: num(r.category),
    title: r.title,
    description: r.description,
    duration: num(r.duration),
    startTime: num(r.start_time),
    endTime: num(r.end_time),
    maxSize: num(r.max_size),
    maxNumScore: num(r.max_num_score),
    joinRequired: bool(r.join_required),
  };
}

/** A {@link LeaderboardRecord} from a row of either backend; scores stay exact (bigint). */
export function recordFromRow(r: RecordRow): LeaderboardRecord {
  return {
    leaderboardId: r.leaderboard_id,
    ownerId: r.owner_id,
    username: r.username,
    score: BigInt(r.score),
    subscore: BigInt(r.subscore),
    numScore: num(r.num_score),
    maxNumScore: num(r.max_num_score),
    metadata: r.metadata,
    createTime: ms(r.create_time),
    updateTime: ms(r.update_time),
    expiryTime: num(r.expiry_time),
  };
}

/**
 * The comparison and ordering of a keyset scan: rank order is descending key order on a descending
 * board; going backward flips both.
 */
export function scanDirection(
  descending: boolean,
  backward: boolean,
): { cmp: '<' | '>'; dir: 'ASC' | 'DESC' } {
  const downward = descending !== backward;
  return downward ? { cmp: '<', dir: 'DESC' } : { cmp: '>', dir: 'ASC' };
}

/**
 * One record of a scan, rank 0 until the reader ranks it, from values each store has already
 * normalised (scores as bigint, counts as numbers, times as Unix milliseconds). Every field is set in
 * one literal, in one order, so both stores' records share one shape.
 */
export function scannedRecord(
  leaderboardId: string,
  expiryTime: number,
  ownerId: string,
  username: string | null,
  score: bigint,
  subscore: bigint,
  numScore: number,
  maxNumScore: number,
  metadata: string,
  createTime: number,
  updateTime: number,
): ScannedRecord {
  return {
    leaderboardId,
    ownerId,
    username,
    score,
    subscore,
    numScore,
    maxNumScore,
    metadata,
    createTime,
    updateTime,
    expiryTime,
    rank: 0,
  };
}
