/**
 * The exact ranks of one leaderboard period (one board, one expiry bucket), held in memory.
 *
 * Order is Nakama's rank order: score, then subscore, then owner id, all descending on a descending
 * board and all ascending on an ascending one. Nakama breaks ties by owner id alone (its rank cache
 * and its `ORDER BY score, subscore, owner_id` agree), not by update time, so two records never tie
 * and ranks are dense: 1, 2, 3, …. Owner ids are UUIDs compared as bytes, which is the text order of
 * their canonical lowercase form.
 *
 * Every operation is O(log n). Scores and subscores are exact over the whole int64 range: callers pass
 * a number while it is a safe integer and a bigint beyond that, and get the same back.
 *
 * Layout: records live column-wise in typed arrays ({@link RankEntries}) and an order-statistic
 * B+tree ({@link RankTree}) keeps their slots in order, so the heap holds one small object per ~200
 * records rather than one or more per record. It was chosen over an indexable skip list (span
 * counts, p = 1/4) sharing the same column store, measured by `bench/leaderboards/rank-index.ts` on
 * 1M records (2 cores, Node 20): B+tree 46 MB, 230k score changes/s, rank p50 2.5 µs / p99 3.8 µs;
 * skip list 62 MB, 121k/s, 4.7 µs / 9.1 µs, and 2.9 s to build where the B+tree bulk-loads in ~1 s.
 *
 * @packageDocumentation
 */
import { RankEntries } from './rank-entries.ts';
import {
  compareKeys,
  DESCENDING_MASK,
  decodeInt64,
  decodeUuid,
  encodeInt64,
  encodeUuid,
  type Int64,
  KEY_WORDS,
  RankIndexError,
  RankIndexFault,
} from './rank-key.ts';
import { DEFAULT_TREE_SHAPE, RankTree, type RankTreeShape } from './rank-tree.ts';

export { type Int64, RankIndexError, RankIndexFault } from './rank-key.ts';

/** A board's sort order. Rank 1 is the highest score on a descending board, the lowest on an ascending one. */
export const RankOrder = {
  ASCENDING: 'asc',
  DESCENDING: 'desc',
} as const;
export type RankOrder = (typeof RankOrder)[keyof typeof RankOrder];

/** One record as the index sees it: only what orders it. */
export interface RankRow {
  /** A UUID (canonical text form, either case; returned lowercase). */
  readonly ownerId: string;
  readonly score: Int64;
  readonly subscore: Int64;
}

/** A record and its 1-based rank. */
export interface RankEntry extends RankRow {
  readonly rank: number;
}

/** Limits and sizing of one index. */
export interface RankIndexOptions {
  /** Refuse to hold more records than this ({@link RankIndexFault.INDEX_FULL}); default {@link DEFAULT_MAX_ENTRIES}. */
  readonly maxEntries?: number;
  /** Records to make room for up front, e.g. the row count before a bulk load. */
  readonly expectedEntries?: number;
  /** B+tree node sizes; tests shrink them to exercise splits and merges. */
  readonly shape?: RankTreeShape;
}

/** Default cap on records per index: 2^25 (about 33.5 M), about 1.6 GB of index. */
export const DEFAULT_MAX_ENTRIES = 2 ** 25;

/** Feeds a bulk load, row by row in rank order; see {@link RankIndex.builder}. */
export interface RankIndexBuilder {
  /** Appends the record ranked next; refuses rows out of order and repeated owners. */
  add(ownerId: string, score: Int64, subscore: Int64): void;
  /** Builds the tree (O(n)) and returns the index; the builder cannot be used afterwards. */
  finish(): RankIndex;
}

/** The ordered records of one leaderboard period. */
export class RankIndex {
  /** The board's sort order. */
  readonly order: RankOrder;
  readonly #mask: number;
  readonly #entries: RankEntries;
  readonly #tree: RankTree;
  /** The key being looked up or written, before it has a slot. */
  readonly #probe = new Uint32Array(KEY_WORDS);

  constructor(order: RankOrder, options: RankIndexOptions = {}) {
    if (order !== RankOrder.ASCENDING && order !== RankOrder.DESCENDING) {
      throw new RangeError(`rank order must be 'asc' or 'desc', got ${String(order)}`);
    }
    const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    if (!Number.isInteger(maxEntries) || maxEntries < 1 || maxEntries > DEFAULT_MAX_ENTRIES * 4) {
      throw new RangeError(`maxEntries must be an integer from 1 to ${DEFAULT_MAX_ENTRIES * 4}`);
    }
    this.order = order;
    this.#mask = order === RankOrder.DESCENDING ? DESCENDING_MASK : 0;
    this.#entries = new RankEntries(maxEntries, options.expectedEntries ?? 0);
    this.#tree = new RankTree(this.#entries, options.shape ?? DEFAULT_TREE_SHAPE);
  }

  /**
   * A bulk load for rebuilding at start: rows must come in rank order (for a descending board,
   * `ORDER BY score DESC, subscore DESC, owner_id DESC`), and the tree is then built bottom-up in one
   * pass instead of by n inserts. Pass `expectedEntries` when the row count is known.
   */
  static builder(order: RankOrder, options: RankIndexOptions = {}): RankIndexBuilder {
    const index = new RankIndex(order, options);
    const entries = index.#entries;
    let count = 0;
    let done = false;
    return {
      add(ownerId, score, subscore) {
        if (done) throw new Error('rank index builder already finished');
        const probe = index.#probe;
        index.#encode(ownerId, score, subscore, probe);
        if (entries.find(probe, 0) >= 0) {
          throw new RankIndexError(
            RankIndexFault.DUPLICATE_OWNER,
            `owner ${ownerId} appears twice in the load`,
          );
        }
        if (count > 0) {
          const previous = entries.keys;
          if (compareKeys(previous, (count - 1) * KEY_WORDS, probe, 0) > 0) {
            throw new RankIndexError(
              RankIndexFault.UNSORTED_LOAD,
              `rows must come in rank order (${order}); owner ${ownerId} came after a record ranked below it`,
            );
          }
        }
        const slot = entries.allocate();
        entries.keys.set(probe, slot * KEY_WORDS);
        entries.link(slot);
        count++;
      },
      finish() {
        if (done) throw new Error('rank index builder already finished');
        done = true;
        index.#tree.build(count);
        return index;
      },
    };
  }

  /** Builds an index from rows already in rank order; see {@link RankIndex.builder}. */
  static load(order: RankOrder, rows: Iterable<RankRow>, options: RankIndexOptions = {}): RankIndex {
    const expected = Array.isArray(rows) ? rows.length : options.expectedEntries;
    const builder = RankIndex.builder(order, { ...options, expectedEntries: expected });
    for (const row of rows) builder.add(row.ownerId, row.score, row.subscore);
    return builder.finish();
  }

  /** Records held (Nakama's `rank_count`). */
  get size(): number {
    return this.#tree.size;
  }

  /**
   * Sets the owner's record to (score, subscore), replacing any previous one, and returns its new
   * rank. Nothing changes when the input is refused.
   */
  upsert(ownerId: string, score: Int64, subscore: Int64): number {
    const probe = this.#probe;
    this.#encode(ownerId, score, subscore, probe);
    const entries = this.#entries;
    let slot = entries.find(probe, 0);
    if (slot >= 0) {
      if (compareKeys(entries.keys, slot * KEY_WORDS, probe, 0) === 0) return this.#tree.rankOf(slot);
      this.#tree.remove(slot);
      entries.keys.set(probe, slot * KEY_WORDS);
      return this.#tree.insert(slot);
    }
    slot = entries.allocate();
    entries.keys.set(probe, slot * KEY_WORDS);
    entries.link(slot);
    return this.#tree.insert(slot);
  }

  /** Takes the owner's record out; false when there was none. */
  remove(ownerId: string): boolean {
    const slot = this.#slotOf(ownerId);
    if (slot < 0) return false;
    this.#tree.remove(slot);
    this.#entries.unlink(slot);
    return true;
  }

  /** True when the owner has a record. */
  has(ownerId: string): boolean {
    return this.#slotOf(ownerId) >= 0;
  }

  /** The owner's 1-based rank, or 0 when the owner has no record (Nakama's "no rank"). */
  rankOf(ownerId: string): number {
    const slot = this.#slotOf(ownerId);
    return slot < 0 ? 0 : this.#tree.rankOf(slot);
  }

  /** The owner's record and rank, or undefined. */
  get(ownerId: string): RankEntry | undefined {
    const slot = this.#slotOf(ownerId);
    return slot < 0 ? undefined : this.#entryAt(slot, this.#tree.rankOf(slot));
  }

  /** The record at `rank` (1-based), or undefined past either end. */
  at(rank: number): RankEntry | undefined {
    return this.range(rank, 1)[0];
  }

  /**
   * Up to `count` records in rank order from `fromRank` (1-based) on: fewer near the end, none when
   * `fromRank` is past it. Both must be integers, `fromRank` at least 1 and `count` at least 0.
   */
  range(fromRank: number, count: number): RankEntry[] {
    if (!Number.isSafeInteger(fromRank) || fromRank < 1) {
      throw new RankIndexError(RankIndexFault.INVALID_RANK, `rank must be an integer >= 1, got ${fromRank}`);
    }
    if (!Number.isSafeInteger(count) || count < 0) {
      throw new RankIndexError(RankIndexFault.INVALID_RANK, `count must be an integer >= 0, got ${count}`);
    }
    const out: RankEntry[] = [];
    let rank = fromRank;
    this.#tree.forEachFrom(fromRank, count, (slot) => {
      out.push(this.#entryAt(slot, rank++));
    });
    return out;
  }

  /** Records in rank order; for tests and diagnostics (O(n)). */
  *entries(): IterableIterator<RankEntry> {
    const all = this.range(1, this.size);
    yield* all;
  }

  #encode(ownerId: string, score: Int64, subscore: Int64, out: Uint32Array): void {
    const mask = this.#mask;
    encodeInt64(score, out, 0, mask, 'score');
    encodeInt64(subscore, out, 2, mask, 'subscore');
    encodeUuid(ownerId, out, 4, mask);
  }

  #slotOf(ownerId: string): number {
    encodeUuid(ownerId, this.#probe, 4, this.#mask);
    return this.#entries.find(this.#probe, 0);
  }

  #entryAt(slot: number, rank: number): RankEntry {
    const keys = this.#entries.keys;
    const at = slot * KEY_WORDS;
    const mask = this.#mask;
    return {
      rank,
      ownerId: decodeUuid(keys, at + 4, mask),
      score: decodeInt64(keys, at, mask),
      subscore: decodeInt64(keys, at + 2, mask),
    };
  }
}
