/**
 * The vocabulary of leaderboards and tournaments: boards, records, sort orders, operators, and the
 * int64 rules scores follow. Values carry Nakama's meaning (see docs/leaderboards.md).
 *
 * @packageDocumentation
 */
import { invalid } from '../../shared/domain-error.ts';
import type { Int64 } from './rank-key.ts';

/** Sort order as stored (Nakama's numbers): rank 1 is the lowest score on `asc`, the highest on `desc`. */
export const SortOrder = { ASC: 0, DESC: 1 } as const;
export type SortOrder = (typeof SortOrder)[keyof typeof SortOrder];

/** Score operator as stored (Nakama's internal numbers; the API enum is this plus one). */
export const Operator = { BEST: 0, SET: 1, INCR: 2, DECR: 3 } as const;
export type Operator = (typeof Operator)[keyof typeof Operator];

/** Largest score or subscore: int64's maximum. Scores are never negative (Nakama's CHECK constraint). */
export const MAX_SCORE = 2n ** 63n - 1n;
/** Default attempts per period on a tournament (Nakama's column default). */
export const DEFAULT_MAX_NUM_SCORE = 1_000_000;
/** Tournament `max_size` meaning "unlimited" is stored as 0 here (Nakama stores 2^31 - 1). */
export const UNLIMITED_SIZE = 0;

/** A leaderboard, or a tournament (`tournament` true), as the server holds it. */
export interface Board {
  readonly id: string;
  readonly authoritative: boolean;
  readonly sortOrder: SortOrder;
  readonly operator: Operator;
  /** Cron expression (UTC), or null for a board that never resets. */
  readonly resetSchedule: string | null;
  /** JSON text of an object. */
  readonly metadata: string;
  readonly createTime: Date;
  readonly tournament: boolean;
  /** 0–127 (tournaments). */
  readonly category: number;
  readonly title: string;
  readonly description: string;
  /** Seconds a tournament period stays open for scores; 0 for leaderboards. */
  readonly duration: number;
  /** Unix seconds: when a tournament opens (its creation time when not given). */
  readonly startTime: number;
  /** Unix seconds, 0 = never ends. */
  readonly endTime: number;
  /** Participants per period; 0 = unlimited. */
  readonly maxSize: number;
  /** Scores a participant may submit per period. */
  readonly maxNumScore: number;
  readonly joinRequired: boolean;
}

/** One record: an owner's score in one period (expiry bucket) of a board. */
export interface LeaderboardRecord {
  readonly leaderboardId: string;
  /** A lower-case UUID (a user, or any owner server code names). */
  readonly ownerId: string;
  readonly username: string | null;
  readonly score: bigint;
  readonly subscore: bigint;
  readonly numScore: number;
  readonly maxNumScore: number;
  /** JSON text of an object. */
  readonly metadata: string;
  /** Unix milliseconds (a number rather than a `Date`: a page of records made 200 of them). */
  readonly createTime: number;
  /** Unix milliseconds. */
  readonly updateTime: number;
  /** Unix seconds when the record's period ends; 0 = never. */
  readonly expiryTime: number;
}

/** A record with its 1-based rank (0 when not known, as Nakama answers for ranks it has not cached). */
export interface RankedRecord extends LeaderboardRecord {
  readonly rank: number;
}

/**
 * A record as a store's scan returns it: with a rank slot (0) that the reader fills in place, so a
 * page of records is not copied once more to add ranks (~11 KB a 100-record read).
 */
export interface ScannedRecord extends LeaderboardRecord {
  rank: number;
}

/**
 * `r` with its rank. Spelled out rather than `{ ...r, rank }`: V8 clones through its slow path when
 * the copy gains a property, about 1 µs a record, which a 100-record page felt (bench leaderboards-http).
 */
export function withRank(r: LeaderboardRecord, rank: number): RankedRecord {
  return {
    leaderboardId: r.leaderboardId,
    ownerId: r.ownerId,
    username: r.username,
    score: r.score,
    subscore: r.subscore,
    numScore: r.numScore,
    maxNumScore: r.maxNumScore,
    metadata: r.metadata,
    createTime: r.createTime,
    updateTime: r.updateTime,
    expiryTime: r.expiryTime,
    rank,
  };
}

/** A position in rank order: what a page continues from. */
export interface RecordKey {
  readonly score: bigint;
  readonly subscore: bigint;
  readonly ownerId: string;
}

/** Nakama's sort-order names (runtime argument), or undefined for an unknown name. */
export function parseSortOrder(value: unknown): SortOrder | undefined {
  if (value === undefined || value === null || value === '') return SortOrder.DESC;
  const v = String(value).toLowerCase();
  if (v === 'desc' || v === 'descending') return SortOrder.DESC;
  if (v === 'asc' || v === 'ascending') return SortOrder.ASC;
  return undefined;
}

/** Nakama's operator names (runtime argument), or undefined for an unknown name. */
export function parseOperator(value: unknown): Operator | undefined {
  if (value === undefined || value === null || value === '') return Operator.BEST;
  switch (String(value).toLowerCase()) {
    case 'best':
      return Operator.BEST;
    case 'set':
      return Operator.SET;
    case 'incr':
    case 'increment':
      return Operator.INCR;
    case 'decr':
    case 'decrement':
      return Operator.DECR;
    default:
      return undefined;
  }
}

/** The runtime name of an operator. */
export function operatorName(op: Operator): 'best' | 'set' | 'incr' | 'decr' {
  return (['best', 'set', 'incr', 'decr'] as const)[op];
}

/**
 * A score or subscore from a client or server code: a safe integer, a bigint, or decimal text
 * (proto3 JSON sends int64 as strings). Refuses fractions, text that is not an integer, and values
 * outside 0…2^63-1 with a clear INVALID_ARGUMENT.
 */
export function parseScore(value: unknown, what: 'score' | 'subscore', allowNegative = false): bigint {
  let v: bigint;
  if (value === undefined || value === null || value === '') return 0n;
  if (typeof value === 'bigint') v = value;
  else if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      throw invalid(
        `Invalid ${what}: ${value} is not an integer within ±(2^53 - 1); send larger values as text.`,
      );
    }
    v = BigInt(value);
  } else if (typeof value === 'string' && /^-?\d{1,19}$/.test(value.trim())) {
    v = BigInt(value.trim());
  } else {
    throw invalid(`Invalid ${what}: expected an integer, got ${JSON.stringify(String(value).slice(0, 32))}.`);
  }
  const min = allowNegative ? -MAX_SCORE : 0n;
  if (v < min || v > MAX_SCORE) {
    throw invalid(
      allowNegative
        ? `Invalid ${what}: ${v} is outside the int64 range.`
        : `Invalid ${what}: ${v} is outside 0…9223372036854775807 (scores are never negative).`,
    );
  }
  return v;
}

/** A bigint as the rank index takes it: a number while it is safe, the bigint beyond. */
export function toInt64(v: bigint): Int64 {
  return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
}

/**
 * Metadata from a client or server code: JSON text or an object, which must be a JSON object.
 * Returns the JSON text, or undefined when absent (the stored metadata is then kept).
 */
export function parseMetadata(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      throw invalid('Metadata value must be JSON, if provided.');
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalid('Metadata value must be JSON, if provided.');
  }
  return JSON.stringify(parsed);
}
