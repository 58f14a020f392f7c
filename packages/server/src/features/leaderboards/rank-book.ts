/**
 * Exact ranks for the leaderboard service: the in-memory {@link RankIndexes} (one per live board
 * period) kept in step with the database, and the database itself for periods no index holds.
 *
 * - At start, {@link rebuild} loads every live period from a sorted scan (the bulk loader).
 * - Writes, deletes and joins update the index in `db.afterCommit`, so a rolled-back transaction
 *   never reaches it; a first write into a new period creates its index.
 * - Expired periods are dropped by the scheduler ({@link dropExpired}); their records stay readable,
 *   and their ranks then come from counting the rows above (O(n), only for old periods).
 *
 * @packageDocumentation
 */
import type { Logger } from 'pino';
import {
  type Board,
  type LeaderboardRecord,
  type RecordKey,
  SortOrder,
  toInt64,
} from './leaderboard-types.ts';
import { type RankIndex, RankOrder } from './rank-index.ts';
import { RankIndexes } from './rank-indexes.ts';
import type { LeaderboardStore, Period } from './store/leaderboard-store.ts';

/** Rows read per query while rebuilding an index. */
const REBUILD_BATCH = 20_000;

/** The rank order of a board. */
export function rankOrderOf(board: Board): RankOrder {
  return board.sortOrder === SortOrder.DESC ? RankOrder.DESCENDING : RankOrder.ASCENDING;
}

/**
 * Told of every change this node commits to a rank index (cluster mode carries them to the other
 * nodes, whose indexes would otherwise miss them). Called after the commit, synchronously.
 */
export interface RankChangeListener {
  /** An owner's record in `period` was written, joined or deleted here. */
  changed(period: Period, ownerId: string): void;
  /** A board was deleted here. */
  boardDropped(id: string): void;
}

/** Ranks of records, from the index when one is held and from the database otherwise. */
export class RankBook {
  readonly #store: LeaderboardStore;
  readonly #log: Logger;
  readonly indexes: RankIndexes;
  #listener: RankChangeListener | undefined;

  constructor(deps: { store: LeaderboardStore; logger: Logger; maxEntries?: number | undefined }) {
    this.#store = deps.store;
    this.#log = deps.logger;
    this.indexes = new RankIndexes(deps.maxEntries === undefined ? {} : { maxEntries: deps.maxEntries });
  }

  /**
   * Loads every period that has not expired at `nowSec` from the database, in rank order. Periods of
   * boards that no longer exist are skipped. Returns the records loaded.
   */
  async rebuild(nowSec: number, boardOf: (id: string) => Board | undefined): Promise<number> {
    const started = performance.now();
    let total = 0;
    const periods = await this.#store.livePeriods(nowSec);
    for (const period of periods) {
      const board = boardOf(period.leaderboardId);
      if (board === undefined) continue;
      total += await this.#load(board, period, period.count);
    }
    this.#log.info(
      { periods: periods.length, records: total, ms: Math.round(performance.now() - started) },
      'leaderboard rank indexes rebuilt',
    );
    return total;
  }

  /** Subscribes the one listener to this node's committed changes (cluster mode). */
  listen(listener: RankChangeListener): void {
    this.#listener = listener;
  }

  /** The index of a period, if held. */
  held(period: Period): RankIndex | undefined {
    return this.indexes.get(period.leaderboardId, period.expiryTime);
  }

  /** A record's exact rank: O(log n) from the index, or a count of the rows above when none is held. */
  async rankOf(board: Board, record: LeaderboardRecord): Promise<number> {
    const index = this.held(record);
    if (index !== undefined) {
      const rank = index.rankOf(record.ownerId);
      if (rank > 0) return rank;
    }
    return 1 + (await this.#store.countAbove(record, board.sortOrder, record));
  }

  /** Records in a period: the index's size, or a count. */
  async size(period: Period): Promise<number> {
    return this.held(period)?.size ?? this.#store.countRecords(period);
  }

  /** Puts a committed record into its period's index (made when it is the period's first); returns its rank. */
  upsert(board: Board, record: LeaderboardRecord): number {
    const rank = this.mirror(board, record);
    this.#listener?.changed(record, record.ownerId);
    return rank;
  }

  /** Takes a deleted record out of its period's index. */
  remove(period: Period, ownerId: string): void {
    this.held(period)?.remove(ownerId);
    this.#listener?.changed(period, ownerId);
  }

  /** Drops every index of a deleted board. */
  dropBoard(id: string): void {
    this.indexes.dropBoard(id);
    this.#listener?.boardDropped(id);
  }

  /**
   * Puts a record as the database holds it into its period's index without telling the listener:
   * how another node's change is applied here. Returns its rank.
   */
  mirror(board: Board, key: RecordKey & Period): number {
    const index = this.indexes.create(key.leaderboardId, key.expiryTime, rankOrderOf(board));
    return index.upsert(key.ownerId, toInt64(key.score), toInt64(key.subscore));
  }

  /** Takes a record out of its period's index without telling the listener (another node deleted it). */
  unmirror(period: Period, ownerId: string): void {
    this.held(period)?.remove(ownerId);
  }

  /** Drops a board's indexes without telling the listener (another node deleted the board). */
  unmirrorBoard(id: string): void {
    this.indexes.dropBoard(id);
  }

  /** Reads one period again from the database and replaces its index; returns the records loaded. */
  reload(board: Board, period: Period): Promise<number> {
    return this.#load(board, period, 0);
  }

  /** Drops the indexes of periods that have ended (`0 < expiry <= nowSec`); returns how many. */
  dropExpired(nowSec: number): number {
    return this.indexes.dropExpired(nowSec);
  }

  async #load(board: Board, period: Period, expected: number): Promise<number> {
    const builder = this.indexes.builder(
      period.leaderboardId,
      period.expiryTime,
      rankOrderOf(board),
      expected,
    );
    let after: RecordKey | undefined;
    let loaded = 0;
    for (;;) {
      const rows = await this.#store.scanKeys({
        ...period,
        order: board.sortOrder,
        after,
        limit: REBUILD_BATCH,
      });
      for (const r of rows) builder.add(r.ownerId, toInt64(r.score), toInt64(r.subscore));
      loaded += rows.length;
      if (rows.length < REBUILD_BATCH) break;
      after = rows[rows.length - 1];
    }
    builder.finish();
    return loaded;
  }
}
