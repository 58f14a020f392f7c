/**
 * `nk.leaderboard*` and `nk.tournament*`: boards, records and tournaments for server code, over the
 * leaderboard feature. Writes from here are authoritative (allowed on authoritative boards).
 * Scores come back as numbers while they are safe integers and as bigints beyond.
 *
 * @packageDocumentation
 */
import type { LeaderboardService } from '../../features/leaderboards/leaderboard-service.ts';
import {
  type Board,
  operatorName,
  type RankedRecord,
  SortOrder,
  toInt64,
} from '../../features/leaderboards/leaderboard-types.ts';
import type { RecordList } from '../../features/leaderboards/record-reads.ts';
import type { TournamentService, TournamentView } from '../../features/leaderboards/tournament-service.ts';

/** The leaderboard feature's services, as the runtime reaches them. */
export interface RuntimeLeaderboards {
  readonly leaderboards: LeaderboardService;
  readonly tournaments: TournamentService;
}

/** A leaderboard as server code sees it. */
export interface Leaderboard {
  readonly id: string;
  readonly authoritative: boolean;
  readonly sortOrder: 'asc' | 'desc';
  readonly operator: 'best' | 'set' | 'incr' | 'decr';
  readonly resetSchedule: string | null;
  /** Unix seconds of the previous and next reset; 0 without a schedule. */
  readonly prevReset: number;
  readonly nextReset: number;
  readonly metadata: Record<string, unknown>;
  /** Unix seconds. */
  readonly createTime: number;
  readonly tournament: boolean;
}

/** A tournament as server code sees it (times in Unix seconds, 0 = none). */
export interface Tournament extends Leaderboard {
  readonly title: string;
  readonly description: string;
  readonly category: number;
  readonly duration: number;
  readonly startTime: number;
  readonly endTime: number;
  /** 0 = unlimited. */
  readonly maxSize: number;
  readonly maxNumScore: number;
  readonly joinRequired: boolean;
  /** Participants in the current period (counted only with a max size). */
  readonly size: number;
  readonly startActive: number;
  readonly endActive: number;
  readonly canEnter: boolean;
}

/** A record as server code sees it. */
export interface LeaderboardRecord {
  readonly leaderboardId: string;
  readonly ownerId: string;
  readonly username: string | null;
  readonly score: number | bigint;
  readonly subscore: number | bigint;
  readonly numScore: number;
  readonly maxNumScore: number;
  readonly metadata: Record<string, unknown>;
  /** Unix seconds. */
  readonly createTime: number;
  readonly updateTime: number;
  /** Unix seconds, or null for a period that never expires. */
  readonly expiryTime: number | null;
  /** Exact 1-based rank. */
  readonly rank: number;
}

/** A page of records. */
export interface LeaderboardRecordList {
  readonly records: LeaderboardRecord[];
  readonly ownerRecords: LeaderboardRecord[];
  readonly nextCursor: string | null;
  readonly prevCursor: string | null;
  readonly rankCount: number;
}

/** Score operator names server code passes. */
export type OperatorName = 'best' | 'set' | 'incr' | 'increment' | 'decr' | 'decrement';
/** A score as server code passes it: a safe integer, a bigint, or decimal text. */
export type ScoreInput = number | bigint | string;

/** Leaderboard and tournament functions of `nk` (Nakama's names and argument order). */
export interface LeaderboardNk {
  /** Creates a leaderboard; an existing id is left as it is. `enableRank` is accepted and ignored: ranks are always exact. */
  leaderboardCreate(
    id: string,
    authoritative?: boolean,
    sortOrder?: 'asc' | 'desc' | 'ascending' | 'descending',
    operator?: OperatorName,
    resetSchedule?: string | null,
    metadata?: Record<string, unknown> | null,
    enableRank?: boolean,
  ): Promise<void>;
  /** Deletes a leaderboard and all its records (idempotent). */
  leaderboardDelete(id: string): Promise<void>;
  /** Leaderboards (not tournaments) by id; `cursor` continues a previous call. */
  leaderboardList(
    limit?: number,
    cursor?: string,
  ): Promise<{ leaderboards: Leaderboard[]; cursor: string | null }>;
  /** The leaderboards among `ids` that exist. */
  leaderboardsGetId(ids: readonly string[]): Promise<Leaderboard[]>;
  /** Writes a record (authoritative), with the board's operator unless `operator` overrides it. */
  leaderboardRecordWrite(
    id: string,
    ownerId: string,
    username?: string | null,
    score?: ScoreInput,
    subscore?: ScoreInput,
    metadata?: Record<string, unknown> | null,
    operator?: OperatorName,
  ): Promise<LeaderboardRecord>;
  /** Deletes an owner's record in the current period. */
  leaderboardRecordDelete(id: string, ownerId: string): Promise<void>;
  /** A page of records (none when `limit` is 0 or absent) and the owners' records. */
  leaderboardRecordsList(
    id: string,
    ownerIds?: readonly string[] | null,
    limit?: number,
    cursor?: string | null,
    overrideExpiry?: number,
  ): Promise<LeaderboardRecordList>;
  /** Records around an owner (`limit` 1–100). */
  leaderboardRecordsHaystack(
    id: string,
    ownerId: string,
    limit?: number,
    cursor?: string | null,
    overrideExpiry?: number,
  ): Promise<LeaderboardRecordList>;
  /** Creates a tournament (see docs/leaderboards.md for every argument). */
  tournamentCreate(
    id: string,
    authoritative?: boolean | null,
    sortOrder?: 'asc' | 'desc' | 'ascending' | 'descending',
    operator?: OperatorName,
    duration?: number,
    resetSchedule?: string | null,
    metadata?: Record<string, unknown> | null,
    title?: string | null,
    description?: string | null,
    category?: number | null,
    startTime?: number | null,
    endTime?: number | null,
    maxSize?: number | null,
    maxNumScore?: number | null,
    joinRequired?: boolean,
    enableRank?: boolean,
  ): Promise<void>;
  /** Deletes a tournament and its records. */
  tournamentDelete(id: string): Promise<void>;
  /** Joins a user to the current period of a tournament that requires joining. */
  tournamentJoin(id: string, userId: string, username?: string | null): Promise<void>;
  /** Gives an owner `count` more (or fewer) attempts in the current period. */
  tournamentAddAttempt(id: string, ownerId: string, count: number): Promise<void>;
  /** Tournaments by category and time window (see the REST list). */
  tournamentList(
    categoryStart?: number | null,
    categoryEnd?: number | null,
    startTime?: number | null,
    endTime?: number | null,
    limit?: number | null,
    cursor?: string | null,
  ): Promise<{ tournaments: Tournament[]; cursor: string | null }>;
  /** The tournaments among `ids` that exist. */
  tournamentsGetId(ids: readonly string[]): Promise<Tournament[]>;
  /** Writes a tournament record (authoritative; the window, joining, size and attempt rules apply). */
  tournamentRecordWrite(
    id: string,
    ownerId: string,
    username?: string | null,
    score?: ScoreInput,
    subscore?: ScoreInput,
    metadata?: Record<string, unknown> | null,
    operator?: OperatorName,
  ): Promise<LeaderboardRecord>;
  /** Records around an owner in a tournament period. */
  tournamentRecordsHaystack(
    id: string,
    ownerId: string,
    limit?: number,
    cursor?: string | null,
    overrideExpiry?: number,
  ): Promise<LeaderboardRecordList>;
}

const SERVER = { authoritative: true } as const;
const opt = <T>(v: T | null | undefined): T | undefined => (v === null ? undefined : v);

/** Builds the leaderboard functions; without the feature they throw "not available". */
export function leaderboardNk(feature: RuntimeLeaderboards | undefined): LeaderboardNk {
  const get = (): RuntimeLeaderboards => {
    if (!feature) throw new Error('Leaderboards are not available on this server');
    return feature;
  };
  const lbOf = (b: Board) => leaderboardOf(get().leaderboards, b);
  const tnOf = async (b: Board) => tournamentOf(get().leaderboards, await get().tournaments.view(b));
  return {
    async leaderboardCreate(id, authoritative, sortOrder, operator, resetSchedule, metadata) {
      await get().leaderboards.createLeaderboard({
        id,
        authoritative,
        sortOrder,
        operator,
        resetSchedule,
        metadata,
      });
    },
    async leaderboardDelete(id) {
      const board = await get().leaderboards.boards.get(id);
      if (board && !board.tournament) await get().leaderboards.deleteBoard(id);
    },
    async leaderboardList(limit = 10, cursor) {
      const page = get().leaderboards.listLeaderboards(limit, cursor);
      return { leaderboards: page.leaderboards.map(lbOf), cursor: page.cursor ?? null };
    },
    async leaderboardsGetId(ids) {
      return (await get().leaderboards.getBoards(ids)).filter((b) => !b.tournament).map(lbOf);
    },
    async leaderboardRecordWrite(id, ownerId, username, score, subscore, metadata, operator) {
      const w = { ownerId, username: opt(username), score, subscore, metadata: opt(metadata), operator };
      return recordOf(await get().leaderboards.writeRecord(id, w, SERVER));
    },
    async leaderboardRecordDelete(id, ownerId) {
      await get().leaderboards.deleteRecord(id, ownerId, SERVER);
    },
    async leaderboardRecordsList(id, ownerIds, limit = 0, cursor, overrideExpiry) {
      const q = { ownerIds: ownerIds ?? [], limit, cursor: opt(cursor), expiry: overrideExpiry };
      return listOf(await get().leaderboards.listRecords(id, q));
    },
    async leaderboardRecordsHaystack(id, ownerId, limit = 10, cursor, overrideExpiry) {
      return listOf(
        await get().leaderboards.haystack(id, ownerId, {
          limit,
          cursor: opt(cursor),
          expiry: overrideExpiry,
        }),
      );
    },
    async tournamentCreate(
      id,
      authoritative,
      sortOrder,
      operator,
      duration,
      resetSchedule,
      metadata,
      title,
      description,
      category,
      startTime,
      endTime,
      maxSize,
      maxNumScore,
      joinRequired,
    ) {
      await get().tournaments.create({
        id,
        authoritative: opt(authoritative),
        sortOrder,
        operator,
        duration: duration as number,
        resetSchedule,
        metadata,
        title: opt(title),
        description: opt(description),
        category: opt(category),
        startTime: opt(startTime),
        endTime: opt(endTime),
        maxSize: opt(maxSize),
        maxNumScore: opt(maxNumScore),
        joinRequired,
      });
    },
    async tournamentDelete(id) {
      await get().tournaments.delete(id);
    },
    async tournamentJoin(id, userId, username) {
      await get().tournaments.join(id, userId, username ?? null);
    },
    async tournamentAddAttempt(id, ownerId, count) {
      await get().tournaments.addAttempt(id, ownerId, count);
    },
    async tournamentList(categoryStart, categoryEnd, startTime, endTime, limit, cursor) {
      const page = await get().tournaments.list({
        categoryStart: opt(categoryStart),
        categoryEnd: opt(categoryEnd),
        startTime: opt(startTime),
        endTime: opt(endTime),
        limit: opt(limit),
        cursor: opt(cursor),
      });
      return {
        tournaments: page.tournaments.map((t) => tournamentOf(get().leaderboards, t)),
        cursor: page.cursor ?? null,
      };
    },
    async tournamentsGetId(ids) {
      const boards = (await get().leaderboards.getBoards(ids)).filter((b) => b.tournament);
      return Promise.all(boards.map(tnOf));
    },
    async tournamentRecordWrite(id, ownerId, username, score, subscore, metadata, operator) {
      const w = { ownerId, username: opt(username), score, subscore, metadata: opt(metadata), operator };
      return recordOf(await get().tournaments.write(id, w, SERVER));
    },
    async tournamentRecordsHaystack(id, ownerId, limit = 10, cursor, overrideExpiry) {
      return listOf(
        await get().tournaments.haystack(id, ownerId, { limit, cursor: opt(cursor), expiry: overrideExpiry }),
      );
    },
  };
}

/** A board as server code sees it. */
export function leaderboardOf(service: LeaderboardService, b: Board): Leaderboard {
  const now = service.nowSec();
  const schedule = b.resetSchedule === null ? undefined : service.boards.schedules.get(b.resetSchedule);
  return {
    id: b.id,
    authoritative: b.authoritative,
    sortOrder: b.sortOrder === SortOrder.DESC ? 'desc' : 'asc',
    operator: operatorName(b.operator),
    resetSchedule: b.resetSchedule,
    prevReset: schedule?.previous(now) ?? 0,
    nextReset: schedule?.next(now) ?? 0,
    metadata: JSON.parse(b.metadata) as Record<string, unknown>,
    createTime: Math.floor(b.createTime.getTime() / 1000),
    tournament: b.tournament,
  };
}

/** A tournament with its current period as server code sees it. */
export function tournamentOf(service: LeaderboardService, t: TournamentView): Tournament {
  const b = t.board;
  return {
    ...leaderboardOf(service, b),
    prevReset: t.window.prevReset,
    nextReset: t.window.expiry,
    title: b.title,
    description: b.description,
    category: b.category,
    duration: b.duration,
    startTime: b.startTime,
    endTime: b.endTime,
    maxSize: b.maxSize,
    maxNumScore: b.maxNumScore,
    joinRequired: b.joinRequired,
    size: t.size,
    startActive: t.window.startActive,
    endActive: t.window.endActive,
    canEnter: t.canEnter,
  };
}

function recordOf(r: RankedRecord): LeaderboardRecord {
  return {
    leaderboardId: r.leaderboardId,
    ownerId: r.ownerId,
    username: r.username,
    score: toInt64(r.score),
    subscore: toInt64(r.subscore),
    numScore: r.numScore,
    maxNumScore: r.maxNumScore,
    metadata: JSON.parse(r.metadata) as Record<string, unknown>,
    createTime: Math.floor(r.createTime / 1000),
    updateTime: Math.floor(r.updateTime / 1000),
    expiryTime: r.expiryTime === 0 ? null : r.expiryTime,
    rank: r.rank,
  };
}

function listOf(l: RecordList): LeaderboardRecordList {
  return {
    records: l.records.map(recordOf),
    ownerRecords: l.ownerRecords.map(recordOf),
    nextCursor: l.nextCursor ?? null,
    prevCursor: l.prevCursor ?? null,
    rankCount: l.rankCount,
  };
}
