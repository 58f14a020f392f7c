/**
 * The records of one rank index, stored column-wise: each record owns a numbered slot, its packed
 * key (see `rank-key.ts`) lives at `keys[slot * 8 ..]`, and an open-addressing hash table over the
 * owner-id words finds an owner's slot. No JS object is allocated per record, so a million records
 * cost about 32 bytes of keys plus 8–16 bytes of hash table each, where a `Map<string, …>` with the
 * id strings alone would cost over 80.
 *
 * @packageDocumentation
 */
import { KEY_WORDS, RankIndexError, RankIndexFault } from './rank-key.ts';

/** Owner-id words start at this offset inside a key. */
const OWNER_AT = 4;
const MIN_SLOTS = 16;

/** Mixes the four owner-id words into a 32-bit hash (UUIDv7 ids share their leading time bits). */
function hashOwner(words: Uint32Array, at: number): number {
  let h = Math.imul(words[at]! ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 15) ^ words[at + 1]!, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 13) ^ words[at + 2]!, 0x27d4eb2f);
  h = Math.imul(h ^ (h >>> 16) ^ words[at + 3]!, 0x85ebca6b);
  return (h ^ (h >>> 13)) >>> 0;
}

function sameOwner(a: Uint32Array, ai: number, b: Uint32Array, bi: number): boolean {
  return a[ai] === b[bi] && a[ai + 1] === b[bi + 1] && a[ai + 2] === b[bi + 2] && a[ai + 3] === b[bi + 3];
}

/** Slots, keys and the owner lookup of one rank index. */
export class RankEntries {
  readonly #maxEntries: number;
  #keys: Uint32Array;
  /** Slots freed by removals, reused before new ones. */
  #free: Int32Array;
  #freeCount = 0;
  /** Slots ever handed out (the high-water mark). */
  #used = 0;
  /** Hash table: slot + 1 per cell, 0 when empty; linear probing, at most half full. */
  #table: Int32Array;
  #size = 0;

  /**
   * @param maxEntries - refuse to hold more records than this
   * @param expected - slots to allocate up front (a bulk load knows its row count)
   */
  constructor(maxEntries: number, expected = 0) {
    this.#maxEntries = maxEntries;
    const slots = Math.max(MIN_SLOTS, Math.min(expected, maxEntries));
    this.#keys = new Uint32Array(slots * KEY_WORDS);
    this.#free = new Int32Array(0);
    this.#table = new Int32Array(tableSizeFor(slots));
  }

  /** The key words of every slot; valid until the next {@link allocate}, which may grow it. */
  get keys(): Uint32Array {
    return this.#keys;
  }

  /** Records held. */
  get size(): number {
    return this.#size;
  }

  /** A fresh slot whose key the caller writes next; refuses once `maxEntries` are held. */
  allocate(): number {
    if (this.#size >= this.#maxEntries) {
      throw new RankIndexError(
        RankIndexFault.INDEX_FULL,
        `rank index holds its maximum of ${this.#maxEntries} records`,
      );
    }
    if (this.#freeCount > 0) return this.#free[--this.#freeCount]!;
    const slot = this.#used++;
    if ((slot + 1) * KEY_WORDS > this.#keys.length) {
      const grown = new Uint32Array(Math.min(this.#maxEntries, Math.ceil((slot + 1) * 1.5)) * KEY_WORDS);
      grown.set(this.#keys);
      this.#keys = grown;
    }
    return slot;
  }

  /** Gives back a slot from {@link allocate} that was never {@link link}ed (its key was refused). */
  release(slot: number): void {
    if (this.#freeCount === this.#free.length) {
      const grown = new Int32Array(Math.max(MIN_SLOTS, this.#free.length * 2));
      grown.set(this.#free);
      this.#free = grown;
    }
    this.#free[this.#freeCount++] = slot;
  }

  /** The slot whose key has the owner words found at `words[at + 4 ..]`, or -1. */
  find(words: Uint32Array, at: number): number {
    const table = this.#table;
    const mask = table.length - 1;
    const keys = this.#keys;
    for (let i = hashOwner(words, at + OWNER_AT) & mask; ; i = (i + 1) & mask) {
      const cell = table[i]!;
      if (cell === 0) return -1;
      if (sameOwner(keys, (cell - 1) * KEY_WORDS + OWNER_AT, words, at + OWNER_AT)) return cell - 1;
    }
  }

  /**
   * Files `slot` (its key already written) under its owner. The caller has checked with
   * {@link find} that the owner is not filed yet.
   */
  link(slot: number): void {
    if ((this.#size + 1) * 2 > this.#table.length) this.#rehash(this.#table.length * 2);
    this.#insertCell(slot);
    this.#size++;
  }

  /** Unfiles `slot` and frees it for reuse. */
  unlink(slot: number): void {
    const table = this.#table;
    const mask = table.length - 1;
    const keys = this.#keys;
    let i = hashOwner(keys, slot * KEY_WORDS + OWNER_AT) & mask;
    while (table[i] !== slot + 1) {
      if (table[i] === 0) throw new Error(`rank index: slot ${slot} is not linked`);
      i = (i + 1) & mask;
    }
    // Backward-shift deletion: pull later cells of the same probe run into the hole, so no
    // tombstones pile up under churn.
    let hole = i;
    for (let j = (hole + 1) & mask; table[j] !== 0; j = (j + 1) & mask) {
      const home = hashOwner(keys, (table[j]! - 1) * KEY_WORDS + OWNER_AT) & mask;
      const between = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!between) {
        table[hole] = table[j]!;
        hole = j;
      }
    }
    table[hole] = 0;
    this.#size--;
    this.release(slot);
  }

  #insertCell(slot: number): void {
    const table = this.#table;
    const mask = table.length - 1;
    let i = hashOwner(this.#keys, slot * KEY_WORDS + OWNER_AT) & mask;
    while (table[i] !== 0) i = (i + 1) & mask;
    table[i] = slot + 1;
  }

  #rehash(cells: number): void {
    const old = this.#table;
    this.#table = new Int32Array(cells);
    for (let i = 0; i < old.length; i++) {
      const cell = old[i]!;
      if (cell !== 0) this.#insertCell(cell - 1);
    }
  }
}

/** The smallest power of two at least twice `slots`. */
function tableSizeFor(slots: number): number {
  let cells = 32;
  while (cells < slots * 2) cells *= 2;
  return cells;
}
