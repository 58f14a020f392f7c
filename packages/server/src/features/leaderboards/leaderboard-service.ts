/**
 * Leaderboards: boards created by server code, records written by clients (unless the board is
 * authoritative) and by server code, pages and "around owner" windows with exact ranks. Errors are
 * Nakama's codes and messages (docs/leaderboards.md). Tournaments build on it (`tournament-service.ts`).
 *
 * @packageDocumentation
 */
import type { Logger } from 'pino';
import { cursorFields, defineCursor, InvalidCursorError } from '../../db/cursor.ts';
import { DomainError, ErrorKind, invalid, notFound } from '../../shared/domain-error.ts';
import { isUuid } from '../../shared/ids.ts';
import type { BoardRegistry, LeaderboardCreateParams } from './board-registry.ts';
import {
  type Board,
  type Operator,
  parseMetadata,
  parseOperator,
  parseScore,
  type RankedRecord,
} from './leaderboard-types.ts';
import type { RankBook } from './rank-book.ts';
import { haystack, listRecords, type PageQuery, type RecordList } from './record-reads.ts';
import { deleteRecord, type RecordDeps, writeRecord } from './record-writes.ts';
import { leaderboardExpiry } from './schedule.ts';

/** Largest page of records (Nakama's limit for leaderboards). */
export const MAX_RECORDS_LIMIT = 1000;
/** Largest "around owner" window. */
export const MAX_HAYSTACK_LIMIT = 100;

/** Who is writing: a client (checked against `authoritative`) or server code (never refused for it). */
export interface Writer {
  readonly authoritative: boolean;
}

/** One submission as callers give it (scores as numbers, bigints or decimal text). */
export interface RecordWrite {
  readonly ownerId: string;
  readonly username?: string | null | undefined;
  readonly score?: unknown;
  readonly subscore?: unknown;
  readonly metadata?: unknown;
  /** An operator name overriding the board's for this write (server code), or the API enum number (1–4; 0 = none). */
  readonly operator?: string | number | undefined;
}

const BOARD_CURSOR = defineCursor('leaderboards', [cursorFields.text(128)] as const);

/** The leaderboard service. */
export class LeaderboardService {
  readonly boards: BoardRegistry;
  readonly ranks: RankBook;
  readonly #deps: RecordDeps;
  readonly #log: Logger;

  constructor(deps: RecordDeps & { readonly boards: BoardRegistry; readonly logger: Logger }) {
    this.boards = deps.boards;
    this.ranks = deps.ranks;
    this.#deps = deps;
    this.#log = deps.logger;
  }

  /** What record reads and writes run on (shared with tournaments). */
  get recordDeps(): RecordDeps {
    return this.#deps;
  }

  /** Now, in Unix seconds. */
  nowSec(): number {
    return Math.floor(this.#deps.clock.now() / 1000);
  }

  /** Creates a leaderboard (idempotent: an existing id is returned as it is). */
  createLeaderboard(params: LeaderboardCreateParams): Promise<Board> {
    return this.boards.createLeaderboard(params);
  }

  /** Deletes a board (leaderboard or tournament) and all its records; false when there was none. */
  async deleteBoard(id: string): Promise<boolean> {
    const deleted = await this.#deps.store.deleteBoard(id);
    this.boards.forget(id);
    this.ranks.dropBoard(id);
    if (deleted) this.#log.info({ leaderboard: id }, 'leaderboard deleted');
    return deleted;
  }

  /** Leaderboards (not tournaments) by id, `limit` at a time. */
  listLeaderboards(limit = 10, cursor?: string): { leaderboards: Board[]; cursor?: string } {
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw invalid('limit must be 1-100');
    let after = '';
    if (cursor) {
      try {
        after = BOARD_CURSOR.decode(cursor)?.[0] ?? '';
      } catch (err) {
        if (err instanceof InvalidCursorError) throw invalid('expects a valid cursor');
        throw err;
      }
    }
    const all = this.boards.all().filter((b) => !b.tournament && b.id > after);
    const leaderboards = all.slice(0, limit);
    const last = leaderboards[leaderboards.length - 1];
    return all.length > limit && last
      ? { leaderboards, cursor: BOARD_CURSOR.encode([last.id]) }
      : { leaderboards };
  }

  /** The boards among `ids` that exist (leaderboards and tournaments). */
  async getBoards(ids: readonly string[]): Promise<Board[]> {
    const found = await Promise.all(ids.map((id) => this.boards.get(String(id))));
    return found.filter((b): b is Board => b !== undefined);
  }

  /** The period records are written to now: the next reset, or 0. */
  currentExpiry(board: Board): number {
    return leaderboardExpiry(board, this.nowSec(), this.boards.schedules);
  }

  /** Writes a record; a client's write to an authoritative board is refused (403). */
  async writeRecord(id: string, write: RecordWrite, writer: Writer): Promise<RankedRecord> {
    const board = await this.leaderboard(id);
    if (!writer.authoritative && board.authoritative) {
      throw new DomainError(
        ErrorKind.PERMISSION_DENIED,
        'Leaderboard only allows authoritative score submissions.',
      );
    }
    const input = parseWrite(board, write);
    return writeRecord(this.#deps, board, this.currentExpiry(board), input);
  }

  /** Deletes an owner's record in the current period (a missing one is fine). */
  async deleteRecord(id: string, ownerId: string, writer: Writer): Promise<void> {
    const board = await this.leaderboard(id);
    if (!writer.authoritative && board.authoritative) {
      throw new DomainError(
        ErrorKind.PERMISSION_DENIED,
        'Leaderboard only allows authoritative score deletions.',
      );
    }
    const owner = ownerIdOf(ownerId, 'Invalid owner ID provided.');
    await deleteRecord(this.#deps, { leaderboardId: id, expiryTime: this.currentExpiry(board) }, owner);
  }

  /** A page of records (`limit` 0: owner records only); `expiry` selects an older period. */
  async listRecords(
    id: string,
    query: PageQuery & { readonly expiry?: number | undefined },
  ): Promise<RecordList> {
    const board = await this.leaderboard(id);
    return this.listPeriod(board, query.expiry || this.currentExpiry(board), query);
  }

  /** Records around an owner; with a cursor, a plain page. Empty when the owner has no record. */
  async haystack(
    id: string,
    ownerId: string,
    query: {
      readonly limit: number;
      readonly cursor?: string | undefined;
      readonly expiry?: number | undefined;
    },
  ): Promise<RecordList> {
    const board = await this.leaderboard(id);
    return this.haystackPeriod(board, query.expiry || this.currentExpiry(board), ownerId, query);
  }

  /** {@link listRecords} on a given board and period (tournaments too). */
  async listPeriod(board: Board, expiry: number, query: PageQuery): Promise<RecordList> {
    if (!Number.isInteger(query.limit) || query.limit < 0 || query.limit > MAX_RECORDS_LIMIT) {
      throw invalid(`Invalid limit - limit must be between 1 and ${MAX_RECORDS_LIMIT}.`);
    }
    const ownerIds = (query.ownerIds ?? []).map((o) => ownerIdOf(o, 'One or more owner IDs are invalid.'));
    return withCursorErrors(() => listRecords(this.#deps, board, expiry, { ...query, ownerIds }));
  }

  /** {@link haystack} on a given board and period (tournaments too). */
  async haystackPeriod(
    board: Board,
    expiry: number,
    ownerId: string,
    query: { readonly limit: number; readonly cursor?: string | undefined },
  ): Promise<RecordList> {
    if (typeof ownerId !== 'string' || ownerId === '')
      throw invalid('Owner ID must be provided for a haystack query.');
    const owner = ownerIdOf(ownerId, 'Invalid owner ID provided.');
    if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > MAX_HAYSTACK_LIMIT) {
      throw invalid(`Invalid limit - limit must be between 1 and ${MAX_HAYSTACK_LIMIT}.`);
    }
    if (query.cursor) return this.listPeriod(board, expiry, query);
    return haystack(this.#deps, board, expiry, owner, query.limit);
  }

  /**
   * Deletes every record of an owner (account deletion) and takes them out of the rank indexes
   * after the commit; joins the caller's transaction. Returns how many records went.
   */
  async deleteOwner(ownerId: string): Promise<number> {
    if (!isUuid(ownerId)) return 0;
    const owner = ownerId.toLowerCase();
    return this.#deps.db.tx(async () => {
      const periods = await this.#deps.store.deleteOwnerRecords(owner);
      this.#deps.db.afterCommit(() => {
        for (const p of periods) this.ranks.remove(p, owner);
      });
      return periods.length;
    });
  }

  /** A leaderboard that is not a tournament, or Nakama's 404. */
  async leaderboard(id: string): Promise<Board> {
    if (typeof id !== 'string' || id === '') throw invalid('Invalid leaderboard ID.');
    const board = await this.boards.get(id);
    if (board === undefined || board.tournament) throw notFound('Leaderboard not found.');
    return board;
  }
}

/** Validates a submission against its board: scores, metadata, operator override, owner id. */
export function parseWrite(board: Board, write: RecordWrite): import('./record-writes.ts').WriteInput {
  const operator = operatorOf(board, write.operator);
  const negativeDelta = operator === 2; // incr takes signed deltas; the stored result is checked
  return {
    ownerId: ownerIdOf(write.ownerId, 'Invalid owner ID provided.'),
    username: write.username,
    score: parseScore(write.score, 'score', negativeDelta),
    subscore: parseScore(write.subscore, 'subscore', negativeDelta),
    metadata: parseMetadata(write.metadata),
    operator,
  };
}

function operatorOf(board: Board, value: string | number | undefined): Operator {
  if (value === undefined || value === null || value === 0 || value === '') return board.operator;
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 1 && value <= 4) return (value - 1) as Operator;
    throw invalid(`Invalid operator ${value}: expected 0 (the board's), 1 best, 2 set, 3 incr or 4 decr.`);
  }
  const op = parseOperator(value);
  if (op === undefined) throw invalid('expects operator to be "best", "set", "incr" or "decr"');
  return op;
}

/** A lower-cased owner UUID, or INVALID_ARGUMENT with `message`. */
export function ownerIdOf(value: unknown, message: string): string {
  if (typeof value !== 'string' || !isUuid(value)) throw invalid(message);
  return value.toLowerCase();
}

async function withCursorErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof InvalidCursorError) throw invalid('Cursor is invalid or expired.');
    throw err;
  }
}
