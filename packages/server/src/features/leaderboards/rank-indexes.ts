/**
 * The rank indexes of a server: one {@link RankIndex} per leaderboard period, keyed like Nakama's
 * rank cache by (leaderboard id, expiry time). A board without a reset schedule has the single
 * period 0; a scheduled board or a tournament starts a new period at every reset, so a reset or an
 * expiry drops a whole period at once and never edits records one by one.
 *
 * The registry does no I/O: the leaderboard service rebuilds periods at start with
 * {@link RankIndexes.load} or {@link RankIndexes.builder} from a sorted scan, and keeps them in step
 * on every write, delete, reset and expiry.
 *
 * @packageDocumentation
 */
import {
  RankIndex,
  type RankIndexBuilder,
  RankIndexError,
  RankIndexFault,
  type RankIndexOptions,
  type RankOrder,
  type RankRow,
} from './rank-index.ts';

/** Every index held by one server, by board and period. */
export class RankIndexes {
  readonly #options: RankIndexOptions;
  /** Leaderboard id → expiry time (Unix seconds, 0 = never) → index. */
  readonly #boards = new Map<string, Map<number, RankIndex>>();

  /** @param options - applied to every index made here (record cap, node sizes) */
  constructor(options: RankIndexOptions = {}) {
    this.#options = options;
  }

  /** The index of one period, if it exists. */
  get(leaderboardId: string, expiryTime: number): RankIndex | undefined {
    return this.#boards.get(leaderboardId)?.get(expiryTime);
  }

  /**
   * The index of one period, made empty if it did not exist (a first write into a new period).
   * Refuses an existing period of the other sort order, since a board's order never changes.
   */
  create(leaderboardId: string, expiryTime: number, order: RankOrder): RankIndex {
    checkPeriod(leaderboardId, expiryTime);
    const existing = this.get(leaderboardId, expiryTime);
    if (existing !== undefined) {
      if (existing.order !== order) {
        throw new RankIndexError(
          RankIndexFault.ORDER_MISMATCH,
          `rank index of ${leaderboardId} at ${expiryTime} is ordered ${existing.order}, not ${order}`,
        );
      }
      return existing;
    }
    const index = new RankIndex(order, this.#options);
    this.#put(leaderboardId, expiryTime, index);
    return index;
  }

  /**
   * Rebuilds one period from rows in rank order (see {@link RankIndex.builder}) and installs it,
   * replacing any index the period had.
   */
  load(
    leaderboardId: string,
    expiryTime: number,
    order: RankOrder,
    sortedRows: Iterable<RankRow>,
  ): RankIndex {
    checkPeriod(leaderboardId, expiryTime);
    const index = RankIndex.load(order, sortedRows, this.#options);
    this.#put(leaderboardId, expiryTime, index);
    return index;
  }

  /**
   * The streaming form of {@link load}, for a scan read in batches: the period is replaced only
   * when `finish()` succeeds, so reads keep the old index (if any) while the load runs.
   */
  builder(
    leaderboardId: string,
    expiryTime: number,
    order: RankOrder,
    expectedEntries?: number,
  ): RankIndexBuilder {
    checkPeriod(leaderboardId, expiryTime);
    const inner = RankIndex.builder(order, { ...this.#options, expectedEntries });
    return {
      add: (ownerId, score, subscore) => inner.add(ownerId, score, subscore),
      finish: () => {
        const index = inner.finish();
        this.#put(leaderboardId, expiryTime, index);
        return index;
      },
    };
  }

  /** Drops one period (a reset or an expiry); false when it was not held. */
  drop(leaderboardId: string, expiryTime: number): boolean {
    const periods = this.#boards.get(leaderboardId);
    if (periods === undefined || !periods.delete(expiryTime)) return false;
    if (periods.size === 0) this.#boards.delete(leaderboardId);
    return true;
  }

  /** Drops every period of a board (the board was deleted); returns how many there were. */
  dropBoard(leaderboardId: string): number {
    const count = this.#boards.get(leaderboardId)?.size ?? 0;
    this.#boards.delete(leaderboardId);
    return count;
  }

  /**
   * Drops every period whose expiry time has come (`0 < expiryTime <= nowSec`), as Nakama's hourly
   * trim does; returns how many were dropped.
   */
  dropExpired(nowSec: number): number {
    let dropped = 0;
    for (const [leaderboardId, periods] of this.#boards) {
      for (const expiryTime of periods.keys()) {
        if (expiryTime !== 0 && expiryTime <= nowSec) {
          periods.delete(expiryTime);
          dropped++;
        }
      }
      if (periods.size === 0) this.#boards.delete(leaderboardId);
    }
    return dropped;
  }

  /** The expiry times of the periods held for a board, ascending. */
  periods(leaderboardId: string): number[] {
    return [...(this.#boards.get(leaderboardId)?.keys() ?? [])].sort((a, b) => a - b);
  }

  /** Periods held, across all boards. */
  get periodCount(): number {
    let count = 0;
    for (const periods of this.#boards.values()) count += periods.size;
    return count;
  }

  #put(leaderboardId: string, expiryTime: number, index: RankIndex): void {
    let periods = this.#boards.get(leaderboardId);
    if (periods === undefined) {
      periods = new Map();
      this.#boards.set(leaderboardId, periods);
    }
    periods.set(expiryTime, index);
  }
}

function checkPeriod(leaderboardId: string, expiryTime: number): void {
  if (typeof leaderboardId !== 'string' || leaderboardId.length === 0) {
    throw new RankIndexError(RankIndexFault.INVALID_PERIOD, 'leaderboard id must be a non-empty string');
  }
  if (!Number.isSafeInteger(expiryTime) || expiryTime < 0) {
    throw new RankIndexError(
      RankIndexFault.INVALID_PERIOD,
      `expiry time must be whole Unix seconds >= 0 (0 = never), got ${expiryTime}`,
    );
  }
}
