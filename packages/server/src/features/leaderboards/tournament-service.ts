/**
 * Tournaments: leaderboards with an active window per period (start time, duration, reset schedule,
 * end time), optional joining, a cap on participants and on scores per participant. Nakama's checks,
 * codes and messages (docs/leaderboards.md, "Tournaments").
 *
 * @packageDocumentation
 */
import { cursorFields, defineCursor, InvalidCursorError } from '../../db/cursor.ts';
import { DomainError, ErrorKind, invalid, notFound } from '../../shared/domain-error.ts';
import type { TournamentCreateParams } from './board-registry.ts';
import {
  type LeaderboardService,
  MAX_HAYSTACK_LIMIT,
  ownerIdOf,
  parseWrite,
  type RecordWrite,
  type Writer,
} from './leaderboard-service.ts';
import type { Board, RankedRecord } from './leaderboard-types.ts';
import type { PageQuery, RecordList } from './record-reads.ts';
import { deleteRecord, joinRecord, writeRecord } from './record-writes.ts';
import { type TournamentWindow, tournamentWindow } from './schedule.ts';

/** Largest page of tournament records and of the tournament list. */
export const MAX_TOURNAMENT_LIMIT = 100;

/** A tournament with its current period, as lists and the runtime show it. */
export interface TournamentView {
  readonly board: Board;
  readonly window: TournamentWindow;
  /** Participants in the current period (counted only when there is a max size). */
  readonly size: number;
  readonly canEnter: boolean;
}

/** Filters of the tournament list (Nakama's query parameters). */
export interface TournamentQuery {
  readonly categoryStart?: number | undefined;
  readonly categoryEnd?: number | undefined;
  /** Only tournaments starting at or after this (Unix seconds). */
  readonly startTime?: number | undefined;
  /** Absent: not ended; 0: no end time; N: ending by N. */
  readonly endTime?: number | undefined;
  readonly limit?: number | undefined;
  readonly cursor?: string | undefined;
}

const LIST_CURSOR = defineCursor('tournaments', [
  cursorFields.int,
  cursorFields.int,
  cursorFields.int,
  cursorFields.text(128),
] as const);

/** The tournament service, over the leaderboard service's boards, records and ranks. */
export class TournamentService {
  readonly #lb: LeaderboardService;

  constructor(leaderboards: LeaderboardService) {
    this.#lb = leaderboards;
  }

  /** Creates a tournament (idempotent for an existing tournament id). */
  create(params: TournamentCreateParams): Promise<Board> {
    return this.#lb.boards.createTournament(params);
  }

  /** Deletes a tournament and its records; false when there was none. */
  async delete(id: string): Promise<boolean> {
    const board = await this.#lb.boards.get(id);
    if (board !== undefined && !board.tournament) return false;
    return this.#lb.deleteBoard(id);
  }

  /** The current (or next) period of a tournament. */
  window(board: Board): TournamentWindow {
    return tournamentWindow(board, this.#lb.nowSec(), this.#lb.boards.schedules);
  }

  /** A tournament with its window and size. */
  async view(board: Board): Promise<TournamentView> {
    const now = this.#lb.nowSec();
    const window = this.window(board);
    const size =
      board.maxSize > 0
        ? await this.#lb.recordDeps.store.slotCount({ leaderboardId: board.id, expiryTime: window.expiry })
        : 0;
    const open = window.startActive <= now && now < window.endActive;
    return { board, window, size, canEnter: open && (board.maxSize === 0 || size < board.maxSize) };
  }

  /** Joins the current period (a no-op for tournaments that need no joining, or for a second join). */
  async join(id: string, ownerId: string, username: string | null): Promise<void> {
    const board = await this.tournament(id);
    if (!board.joinRequired) return;
    const window = this.window(board);
    if (window.endActive <= this.#lb.nowSec()) {
      throw invalid('Tournament is not active and cannot accept new joins.');
    }
    const owner = ownerIdOf(ownerId, 'Invalid owner ID provided.');
    await joinRecord(this.#lb.recordDeps, board, window.expiry, owner, username);
  }

  /** Writes a score, refusing what Nakama refuses (ended, authoritative, not active, not joined, full, out of attempts). */
  async write(id: string, write: RecordWrite, writer: Writer): Promise<RankedRecord> {
    if (typeof id !== 'string' || id === '') throw invalid('Tournament ID must be provided.');
    const board = await this.tournament(id);
    const now = this.#lb.nowSec();
    if (board.endTime > 0 && board.endTime <= now) throw notFound('Tournament not found or has ended.');
    if (!writer.authoritative && board.authoritative) {
      throw new DomainError(
        ErrorKind.PERMISSION_DENIED,
        'Tournament only allows authoritative score submissions.',
      );
    }
    const input = parseWrite(board, write);
    const window = this.window(board);
    if (now < window.startActive || now >= window.endActive) {
      throw new DomainError(
        ErrorKind.FAILED_PRECONDITION,
        'Tournament is not active and cannot accept new scores.',
      );
    }
    return writeRecord(this.#lb.recordDeps, board, window.expiry, input, {
      joinRequired: board.joinRequired,
      maxSize: board.maxSize,
    });
  }

  /** Adds `count` attempts to an owner's allowance in the current period (Nakama's `tournamentAddAttempt`). */
  async addAttempt(id: string, ownerId: string, count: number): Promise<void> {
    const board = await this.tournament(id);
    const owner = ownerIdOf(ownerId, 'expects owner ID to be a valid identifier');
    if (!Number.isSafeInteger(count) || count === 0) throw invalid('expects an attempt count other than 0');
    const period = { leaderboardId: board.id, expiryTime: this.window(board).expiry };
    const { db, store, clock } = this.#lb.recordDeps;
    await db.tx(async () => {
      const record = await store.getRecord(period, owner, { forUpdate: true });
      if (record === null) return;
      const maxNumScore = Math.max(0, Math.min(2 ** 31 - 1, record.maxNumScore + count));
      await store.updateRecord({ ...record, maxNumScore, updateTime: clock.now() });
    });
  }

  /** Deletes the caller's record in the current period. */
  async deleteRecord(id: string, ownerId: string, writer: Writer): Promise<void> {
    const board = await this.tournament(id);
    if (!writer.authoritative && board.authoritative) {
      throw new DomainError(
        ErrorKind.PERMISSION_DENIED,
        'Tournament only allows authoritative score deletions.',
      );
    }
    const owner = ownerIdOf(ownerId, 'Invalid owner ID provided.');
    await deleteRecord(
      this.#lb.recordDeps,
      { leaderboardId: id, expiryTime: this.window(board).expiry },
      owner,
    );
  }

  /** A page of a period's records; refuses an ended tournament unless an older period is asked for. */
  async listRecords(
    id: string,
    query: PageQuery & { readonly expiry?: number | undefined },
  ): Promise<RecordList> {
    const board = await this.tournament(id);
    if (!query.expiry && board.endTime > 0 && board.endTime <= this.#lb.nowSec()) {
      throw notFound('Tournament has ended.');
    }
    if (query.limit > MAX_TOURNAMENT_LIMIT) {
      throw invalid(`Invalid limit - limit must be between 1 and ${MAX_TOURNAMENT_LIMIT}.`);
    }
    return this.#lb.listPeriod(board, query.expiry || this.window(board).expiry, query);
  }

  /** Records around an owner in the current period (or `expiry`'s); empty once that period has expired. */
  async haystack(
    id: string,
    ownerId: string,
    query: {
      readonly limit: number;
      readonly cursor?: string | undefined;
      readonly expiry?: number | undefined;
    },
  ): Promise<RecordList> {
    const board = await this.tournament(id);
    const expiry = query.expiry || this.window(board).expiry;
    if (expiry > 0 && expiry <= this.#lb.nowSec() && !query.expiry)
      return { records: [], ownerRecords: [], rankCount: 0 };
    if (query.limit > MAX_HAYSTACK_LIMIT)
      throw invalid(`Invalid limit - limit must be between 1 and ${MAX_HAYSTACK_LIMIT}.`);
    return this.#lb.haystackPeriod(board, expiry, ownerId, query);
  }

  /** Tournaments matching the filters, ordered by start time, end time (latest first), category, id. */
  async list(q: TournamentQuery): Promise<{ tournaments: TournamentView[]; cursor?: string }> {
    const categoryStart = q.categoryStart ?? 0;
    const categoryEnd = q.categoryEnd ?? 127;
    if (categoryEnd < 0 || categoryEnd >= 128) throw invalid('Tournament category end must be >=0 and <128.');
    if (categoryStart < 0 || categoryStart >= 128)
      throw invalid('Tournament category start must be >=0 and <128.');
    if (categoryEnd < categoryStart)
      throw invalid('Tournament category end must be greater than category start.');
    if (q.endTime !== undefined && q.endTime !== 0 && q.startTime !== undefined && q.endTime < q.startTime) {
      throw invalid('Tournament end time must be greater than start time.');
    }
    const limit = q.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_TOURNAMENT_LIMIT)
      throw invalid('Limit must be between 1 and 100.');
    const filter = [categoryStart, categoryEnd, q.startTime ?? null, q.endTime ?? null];
    let after: readonly [number, number, number, string] | null = null;
    if (q.cursor) {
      try {
        after = LIST_CURSOR.decode(q.cursor, filter);
      } catch (err) {
        if (err instanceof InvalidCursorError)
          throw new DomainError(ErrorKind.UNKNOWN, 'leaderboard cursor invalid');
        throw err;
      }
    }
    const now = this.#lb.nowSec();
    const matching = this.#lb.boards
      .all()
      .filter((b) => {
        if (!b.tournament || b.category < categoryStart || b.category > categoryEnd) return false;
        if (q.startTime !== undefined && b.startTime < q.startTime) return false;
        if (q.endTime === undefined) return b.endTime === 0 || b.endTime >= now;
        if (q.endTime === 0) return b.endTime === 0;
        return b.endTime !== 0 && b.endTime <= q.endTime;
      })
      .sort(compareTournaments)
      .filter((b) => after === null || compareTournaments(b, positionBoard(after)) > 0);
    const page = matching.slice(0, limit);
    const tournaments = await Promise.all(page.map((b) => this.view(b)));
    const last = page[page.length - 1];
    if (matching.length > limit && last) {
      return {
        tournaments,
        cursor: LIST_CURSOR.encode([last.startTime, last.endTime, last.category, last.id], filter),
      };
    }
    return { tournaments };
  }

  /** A tournament, or Nakama's 404 (also for a leaderboard's id). */
  async tournament(id: string): Promise<Board> {
    const board = typeof id === 'string' && id !== '' ? await this.#lb.boards.get(id) : undefined;
    if (board === undefined || !board.tournament) throw notFound('Tournament not found.');
    return board;
  }
}

/** The list's order: start time ascending, end time descending, category ascending, id ascending. */
function compareTournaments(
  a: Pick<Board, 'startTime' | 'endTime' | 'category' | 'id'>,
  b: Pick<Board, 'startTime' | 'endTime' | 'category' | 'id'>,
): number {
  return (
    a.startTime - b.startTime ||
    b.endTime - a.endTime ||
    a.category - b.category ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

function positionBoard(p: readonly [number, number, number, string]) {
  return { startTime: p[0], endTime: p[1], category: p[2], id: p[3] };
}
