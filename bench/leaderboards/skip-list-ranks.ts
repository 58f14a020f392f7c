/**
 * The candidate the B+tree was measured against: an indexable skip list (forward links with span
 * counts, p = 1/4), laid out column-wise like the tree's records: each node's links are a block of
 * a shared `Int32Array` pool, so there is no JS object per node either. It shares `RankEntries`
 * (keys and owner lookup) with the real index, so the two differ only in how they keep order.
 *
 * @packageDocumentation
 */
import { RankEntries } from '../../packages/server/src/features/leaderboards/rank-entries.ts';
import {
  compareKeys,
  DESCENDING_MASK,
  decodeInt64,
  decodeUuid,
  encodeInt64,
  encodeUuid,
  type Int64,
  KEY_WORDS,
} from '../../packages/server/src/features/leaderboards/rank-key.ts';

const MAX_LEVEL = 16;
const HEAD = -2;
const NIL = -1;

/** Ordered records with rank look-ups, as a skip list. */
export class SkipListRanks {
  readonly #entries: RankEntries;
  readonly #mask: number;
  readonly #probe = new Uint32Array(KEY_WORDS);
  /** Per slot: its level and where its block of `level` links starts in the pools. */
  #level = new Uint8Array(16);
  #base = new Int32Array(16);
  /** Link pools: `next` slot (or NIL) and the number of records it skips, per level. */
  #next = new Int32Array(1024);
  #span = new Int32Array(1024);
  #poolUsed = MAX_LEVEL;
  /** Freed blocks by level, reused for nodes of the same level. */
  readonly #freeBlocks: number[][] = Array.from({ length: MAX_LEVEL + 1 }, () => []);
  #topLevel = 1;
  #size = 0;
  #seed = 0x2545f491;
  readonly #update = new Int32Array(MAX_LEVEL);
  readonly #rank = new Int32Array(MAX_LEVEL);

  constructor(descending: boolean) {
    this.#mask = descending ? DESCENDING_MASK : 0;
    this.#entries = new RankEntries(2 ** 25);
    this.#next.fill(NIL, 0, MAX_LEVEL);
  }

  get size(): number {
    return this.#size;
  }

  upsert(ownerId: string, score: Int64, subscore: Int64): number {
    const probe = this.#probe;
    encodeInt64(score, probe, 0, this.#mask, 'score');
    encodeInt64(subscore, probe, 2, this.#mask, 'subscore');
    encodeUuid(ownerId, probe, 4, this.#mask);
    const entries = this.#entries;
    let slot = entries.find(probe, 0);
    if (slot >= 0) {
      this.#unlinkNode(slot);
      entries.keys.set(probe, slot * KEY_WORDS);
      return this.#linkNode(slot, this.#level[slot]!);
    }
    slot = entries.allocate();
    entries.keys.set(probe, slot * KEY_WORDS);
    entries.link(slot);
    this.#grow(slot);
    const level = this.#randomLevel();
    this.#level[slot] = level;
    this.#base[slot] = this.#allocBlock(level);
    return this.#linkNode(slot, level);
  }

  rankOf(ownerId: string): number {
    encodeUuid(ownerId, this.#probe, 4, this.#mask);
    const slot = this.#entries.find(this.#probe, 0);
    if (slot < 0) return 0;
    const keys = this.#entries.keys;
    const k = slot * KEY_WORDS;
    let x = HEAD;
    let rank = 0;
    for (let lv = this.#topLevel - 1; lv >= 0; lv--) {
      for (;;) {
        const at = this.#at(x) + lv;
        const nx = this.#next[at]!;
        if (nx === NIL || compareKeys(keys, nx * KEY_WORDS, keys, k) > 0) break;
        rank += this.#span[at]!;
        x = nx;
      }
      if (x === slot) return rank;
    }
    return rank;
  }

  /** Up to `count` records from `fromRank` on, decoded like the B+tree index's pages. */
  range(fromRank: number, count: number): { rank: number; ownerId: string; score: Int64; subscore: Int64 }[] {
    let x = HEAD;
    let traversed = 0;
    for (let lv = this.#topLevel - 1; lv >= 0; lv--) {
      for (;;) {
        const at = this.#at(x) + lv;
        const nx = this.#next[at]!;
        if (nx === NIL || traversed + this.#span[at]! > fromRank) break;
        traversed += this.#span[at]!;
        x = nx;
      }
    }
    const out: { rank: number; ownerId: string; score: Int64; subscore: Int64 }[] = [];
    const keys = this.#entries.keys;
    const mask = this.#mask;
    while (x !== NIL && out.length < count) {
      if (x !== HEAD) {
        const at = x * KEY_WORDS;
        out.push({
          rank: fromRank + out.length,
          ownerId: decodeUuid(keys, at + 4, mask),
          score: decodeInt64(keys, at, mask),
          subscore: decodeInt64(keys, at + 2, mask),
        });
      }
      x = this.#next[this.#at(x)]!;
    }
    return out;
  }

  #at(x: number): number {
    return x === HEAD ? 0 : this.#base[x]!;
  }

  #randomLevel(): number {
    let level = 1;
    for (;;) {
      // xorshift32: a cheap, fixed-seed source so runs are repeatable.
      let s = this.#seed;
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      this.#seed = s;
      if ((s & 3) !== 0 || level >= MAX_LEVEL) return level;
      level++;
    }
  }

  #grow(slot: number): void {
    if (slot < this.#level.length) return;
    const cap = Math.ceil((slot + 1) * 1.5);
    const level = new Uint8Array(cap);
    level.set(this.#level);
    this.#level = level;
    const base = new Int32Array(cap);
    base.set(this.#base);
    this.#base = base;
  }

  #allocBlock(level: number): number {
    const reused = this.#freeBlocks[level]!.pop();
    if (reused !== undefined) return reused;
    const at = this.#poolUsed;
    this.#poolUsed += level;
    if (this.#poolUsed > this.#next.length) {
      const cap = Math.ceil(this.#poolUsed * 1.5);
      const next = new Int32Array(cap);
      next.set(this.#next);
      this.#next = next;
      const span = new Int32Array(cap);
      span.set(this.#span);
      this.#span = span;
    }
    return at;
  }

  /** Finds, per level, the last node before `slot`'s key and its rank. */
  #findPredecessors(k: number): void {
    const keys = this.#entries.keys;
    let x = HEAD;
    let rank = 0;
    for (let lv = this.#topLevel - 1; lv >= 0; lv--) {
      for (;;) {
        const at = this.#at(x) + lv;
        const nx = this.#next[at]!;
        if (nx === NIL || compareKeys(keys, nx * KEY_WORDS, keys, k) >= 0) break;
        rank += this.#span[at]!;
        x = nx;
      }
      this.#update[lv] = x;
      this.#rank[lv] = rank;
    }
  }

  #linkNode(slot: number, level: number): number {
    const k = slot * KEY_WORDS;
    if (level > this.#topLevel) {
      for (let lv = this.#topLevel; lv < level; lv++) {
        this.#next[lv] = NIL;
        this.#span[lv] = this.#size;
      }
      this.#topLevel = level;
    }
    this.#findPredecessors(k);
    const base = this.#base[slot]!;
    const rank0 = this.#rank[0]!;
    for (let lv = 0; lv < this.#topLevel; lv++) {
      const at = this.#at(this.#update[lv]!) + lv;
      if (lv < level) {
        this.#next[base + lv] = this.#next[at]!;
        this.#span[base + lv] = this.#span[at]! - (rank0 - this.#rank[lv]!);
        this.#next[at] = slot;
        this.#span[at] = rank0 - this.#rank[lv]! + 1;
      } else {
        this.#span[at]!++;
      }
    }
    this.#size++;
    return rank0 + 1;
  }

  #unlinkNode(slot: number): void {
    this.#findPredecessors(slot * KEY_WORDS);
    const base = this.#base[slot]!;
    const level = this.#level[slot]!;
    for (let lv = 0; lv < this.#topLevel; lv++) {
      const at = this.#at(this.#update[lv]!) + lv;
      if (lv < level && this.#next[at] === slot) {
        this.#span[at]! += this.#span[base + lv]! - 1;
        this.#next[at] = this.#next[base + lv]!;
      } else {
        this.#span[at]!--;
      }
    }
    this.#size--;
  }
}
