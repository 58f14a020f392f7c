/**
 * The boards of a server: created by server code (`nk.leaderboardCreate`, `nk.tournamentCreate`),
 * stored, and held in memory (like Nakama's leaderboard cache) so that every write and read finds its
 * board without a query. A board another node created is read from the database on first use.
 *
 * @packageDocumentation
 */
import type { Clock } from '../../shared/clock.ts';
import { DomainError, ErrorKind, invalid } from '../../shared/domain-error.ts';
import {
  type Board,
  DEFAULT_MAX_NUM_SCORE,
  Operator,
  parseMetadata,
  parseOperator,
  parseSortOrder,
  SortOrder,
} from './leaderboard-types.ts';
import { ScheduleCache } from './schedule.ts';
import type { LeaderboardStore } from './store/leaderboard-store.ts';

/** Longest board id. */
export const MAX_BOARD_ID_LENGTH = 128;

/** What `leaderboardCreate` takes (Nakama's arguments; names as in its runtime). */
export interface LeaderboardCreateParams {
  readonly id: string;
  readonly authoritative?: boolean | undefined;
  /** `'desc'`/`'descending'` (default) or `'asc'`/`'ascending'`. */
  readonly sortOrder?: string | undefined;
  /** `'best'` (default), `'set'`, `'incr'`/`'increment'`, `'decr'`/`'decrement'`. */
  readonly operator?: string | undefined;
  /** Cron (UTC) after which records expire; null or absent for never. */
  readonly resetSchedule?: string | null | undefined;
  /** A JSON object (or its text). */
  readonly metadata?: unknown;
}

/** What `tournamentCreate` takes besides the leaderboard arguments. */
export interface TournamentCreateParams extends LeaderboardCreateParams {
  /** Seconds each period accepts scores; > 0. */
  readonly duration: number;
  readonly title?: string | undefined;
  readonly description?: string | undefined;
  /** 0–127. */
  readonly category?: number | undefined;
  /** Unix seconds; 0 or absent = now. */
  readonly startTime?: number | undefined;
  /** Unix seconds; 0 or absent = never ends. */
  readonly endTime?: number | undefined;
  /** Participants per period; 0 or absent = unlimited. */
  readonly maxSize?: number | undefined;
  /** Scores per participant per period; 0 or absent = 1,000,000. */
  readonly maxNumScore?: number | undefined;
  readonly joinRequired?: boolean | undefined;
}

/** The boards, in memory over the store. */
export class BoardRegistry {
  readonly #store: LeaderboardStore;
  readonly #clock: Clock;
  readonly #boards = new Map<string, Board>();
  readonly #listeners: Array<() => void> = [];
  /** Parsed reset schedules, shared by every board that uses one. */
  readonly schedules = new ScheduleCache();

  constructor(deps: { store: LeaderboardStore; clock: Clock }) {
    this.#store = deps.store;
    this.#clock = deps.clock;
  }

  /** Reads every board from the database (at start). */
  async load(): Promise<void> {
    this.#boards.clear();
    for (const board of await this.#store.listBoards()) this.#boards.set(board.id, board);
  }

  /** A board held in memory, or undefined. */
  cached(id: string): Board | undefined {
    return this.#boards.get(id);
  }

  /** A board, read from the database when this node has not seen it; undefined when there is none. */
  async get(id: string): Promise<Board | undefined> {
    const held = this.#boards.get(id);
    if (held !== undefined || typeof id !== 'string' || id === '' || id.length > MAX_BOARD_ID_LENGTH) {
      return held;
    }
    const stored = await this.#store.getBoard(id);
    if (stored) this.#boards.set(id, stored);
    return stored ?? undefined;
  }

  /** Every board held, by id. */
  all(): Board[] {
    return [...this.#boards.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** Creates a leaderboard; an existing id is left as it is (Nakama's idempotent create). */
  async createLeaderboard(p: LeaderboardCreateParams): Promise<Board> {
    const board = this.#common(p, false);
    return this.#insert(board, false);
  }

  /** Creates a tournament; an existing tournament is left as it is, an existing leaderboard refused. */
  async createTournament(p: TournamentCreateParams): Promise<Board> {
    const nowSec = Math.floor(this.#clock.now() / 1000);
    const duration = wholeNumber(p.duration, 'duration');
    if (duration <= 0) throw invalid('duration must be > 0');
    const category = wholeNumber(p.category ?? 0, 'category');
    if (category < 0 || category > 127) throw invalid('category must be 0-127');
    const startTime = wholeNumber(p.startTime ?? 0, 'startTime');
    if (startTime < 0) throw invalid('startTime must be >= 0.');
    const endTime = wholeNumber(p.endTime ?? 0, 'endTime');
    const start = startTime === 0 ? nowSec : startTime;
    if (endTime !== 0 && endTime <= start) {
      throw invalid('endTime must be > startTime. Use 0 to indicate a tournament that never ends.');
    }
    const maxSize = wholeNumber(p.maxSize ?? 0, 'maxSize');
    if (maxSize < 0) throw invalid('maxSize must be >= 0');
    const maxNumScore = wholeNumber(p.maxNumScore ?? 0, 'maxNumScore');
    if (maxNumScore < 0) throw invalid('maxNumScore must be >= 0');
    const base = this.#common({ ...p, authoritative: p.authoritative ?? true }, true);
    if (base.resetSchedule !== null && endTime !== 0) {
      const firstReset = this.schedules.get(base.resetSchedule).next(start);
      if (firstReset === null || endTime < firstReset) {
        throw invalid(
          'tournament end time cannot be before first reset schedule - either increase end time or change/disable reset schedule',
        );
      }
    }
    const board: Board = {
      ...base,
      title: text(p.title, 'title', 255),
      description: text(p.description, 'description', 4096),
      category,
      duration,
      startTime: start,
      endTime,
      maxSize,
      maxNumScore: maxNumScore === 0 ? DEFAULT_MAX_NUM_SCORE : maxNumScore,
      joinRequired: p.joinRequired === true,
    };
    return this.#insert(board, true);
  }

  /** Calls `fn` whenever a board is added or forgotten (the scheduler re-arms its timer). */
  onChange(fn: () => void): void {
    this.#listeners.push(fn);
  }

  /** Forgets a board (its rows are deleted by the caller); false when it was not held. */
  forget(id: string): boolean {
    const had = this.#boards.delete(id);
    if (had) this.#changed();
    return had;
  }

  #changed(): void {
    for (const fn of this.#listeners) fn();
  }

  #common(p: LeaderboardCreateParams, tournament: boolean): Board {
    if (typeof p.id !== 'string' || p.id === '') throw invalid('expects an ID string');
    if (p.id.length > MAX_BOARD_ID_LENGTH) {
      throw invalid(`leaderboard ID must be at most ${MAX_BOARD_ID_LENGTH} characters`);
    }
    const sortOrder = parseSortOrder(p.sortOrder);
    if (sortOrder === undefined) throw invalid('expects sort order to be "asc" or "desc"');
    const operator = parseOperator(p.operator);
    if (operator === undefined) throw invalid('expects operator to be "best", "set", "incr" or "decr"');
    const reset = p.resetSchedule === undefined || p.resetSchedule === null || p.resetSchedule === '';
    const resetSchedule = reset ? null : String(p.resetSchedule).trim();
    if (resetSchedule !== null) this.schedules.get(resetSchedule); // throws the cron error
    let metadata = '{}';
    if (p.metadata !== undefined && p.metadata !== null) {
      if (typeof p.metadata !== 'object' && typeof p.metadata !== 'string') {
        throw invalid('expects metadata to be an object');
      }
      try {
        metadata = parseMetadata(p.metadata) ?? '{}';
      } catch {
        throw invalid('expects metadata to be an object');
      }
    }
    return {
      id: p.id,
      authoritative: p.authoritative === true,
      sortOrder: sortOrder ?? SortOrder.DESC,
      operator: operator ?? Operator.BEST,
      resetSchedule,
      metadata,
      createTime: new Date(Math.floor(this.#clock.now() / 1000) * 1000),
      tournament,
      category: 0,
      title: '',
      description: '',
      duration: 0,
      startTime: 0,
      endTime: 0,
      maxSize: 0,
      maxNumScore: DEFAULT_MAX_NUM_SCORE,
      joinRequired: false,
    };
  }

  async #insert(board: Board, tournament: boolean): Promise<Board> {
    const created = await this.#store.createBoard(board);
    const existing = created ? board : await this.#store.getBoard(board.id);
    if (!existing)
      throw new DomainError(ErrorKind.INTERNAL, `leaderboard ${board.id} vanished while created`);
    if (tournament && !existing.tournament) {
      throw invalid('cannot create tournament as leaderboard is already in use');
    }
    const fresh = !this.#boards.has(existing.id);
    this.#boards.set(existing.id, existing);
    if (fresh) this.#changed();
    return existing;
  }
}

function wholeNumber(v: unknown, what: string): number {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw invalid(`${what} must be a whole number`);
  return n;
}

function text(v: unknown, what: string, max: number): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw invalid(`expects ${what} to be a string`);
  if (v.length > max) throw invalid(`${what} must be at most ${max} characters`);
  return v;
}
