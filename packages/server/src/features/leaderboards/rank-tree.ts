/**
 * An order-statistic B+tree over record slots: leaves hold slot numbers in key order (the keys
 * themselves stay in {@link RankEntries}), inner nodes hold a copy of each child's lower-bound key and
 * each child's record count. Finding a key, inserting, removing, the rank of a key and the slot at a
 * rank all walk one root-to-leaf path: O(log n) with a fan-out of tens, so a million records is three
 * or four levels. One small object per node (not per record) keeps the heap lean.
 *
 * Separators are copies, not slot references, because a slot's key is rewritten when its owner's
 * score changes; the invariant is only "every key in child i-1 < separator i <= every key in child i",
 * which removals never break.
 *
 * @packageDocumentation
 */
import type { RankEntries } from './rank-entries.ts';
import { compareKeys, KEY_WORDS } from './rank-key.ts';

class Leaf {
  readonly slots: Int32Array;
  n = 0;
  next: Leaf | null = null;
  constructor(capacity: number) {
    this.slots = new Int32Array(capacity + 1);
  }
}

class Inner {
  readonly children: Node[] = [];
  readonly counts: Int32Array;
  /** Separator i at `seps[i * 8 ..]`; separator 0 is unused. */
  readonly seps: Uint32Array;
  total = 0;
  constructor(capacity: number) {
    this.counts = new Int32Array(capacity + 1);
    this.seps = new Uint32Array((capacity + 1) * KEY_WORDS);
  }
}

type Node = Leaf | Inner;

const sizeOf = (node: Node): number => (node instanceof Leaf ? node.n : node.total);

/** Node capacities; tests use tiny ones so that splits and merges happen at every step. */
export interface RankTreeShape {
  /** Slots per leaf, at least 4. */
  readonly leafCapacity: number;
  /** Children per inner node, at least 4. */
  readonly innerCapacity: number;
}

/** Chosen by the micro-benchmark (`bench/leaderboards/rank-index.ts`). */
export const DEFAULT_TREE_SHAPE: RankTreeShape = Object.freeze({ leafCapacity: 256, innerCapacity: 64 });

/** Where a rank lands: a leaf and an offset in it. */
export interface LeafCursor {
  leaf: Leaf | null;
  offset: number;
}

/** The order of the records in one {@link RankEntries}. Ranks are 1-based. */
export class RankTree {
  readonly #entries: RankEntries;
  readonly #leafCap: number;
  readonly #innerCap: number;
  readonly #leafMin: number;
  readonly #innerMin: number;
  #root: Node;
  /** Set by a node that split during insert: the new right sibling and its lower-bound key. */
  #split: Node | null = null;
  readonly #splitKey = new Uint32Array(KEY_WORDS);
  /** Records before the current position, summed while descending. */
  #before = 0;

  constructor(entries: RankEntries, shape: RankTreeShape = DEFAULT_TREE_SHAPE) {
    if (!(shape.leafCapacity >= 4 && shape.innerCapacity >= 4))
      throw new RangeError('node capacities must be >= 4');
    this.#entries = entries;
    this.#leafCap = shape.leafCapacity;
    this.#innerCap = shape.innerCapacity;
    this.#leafMin = Math.max(1, shape.leafCapacity >> 2);
    this.#innerMin = Math.max(2, shape.innerCapacity >> 2);
    this.#root = new Leaf(this.#leafCap);
  }

  /** Records in the tree. */
  get size(): number {
    return sizeOf(this.#root);
  }

  /** Rebuilds the tree from slots `0 .. count-1`, whose keys are already strictly ascending. */
  build(count: number): void {
    const keys = this.#entries.keys;
    const leafFill = this.#leafCap - (this.#leafCap >> 3);
    let level: Node[] = [];
    let firsts: number[] = [];
    const leafCount = Math.max(1, Math.ceil(count / leafFill));
    let prev: Leaf | null = null;
    for (let i = 0, slot = 0; i < leafCount; i++) {
      const leaf = new Leaf(this.#leafCap);
      const take = Math.floor(count / leafCount) + (i < count % leafCount ? 1 : 0);
      firsts.push(slot);
      for (let j = 0; j < take; j++) leaf.slots[j] = slot++;
      leaf.n = take;
      if (prev !== null) prev.next = leaf;
      prev = leaf;
      level.push(leaf);
    }
    const innerFill = this.#innerCap - (this.#innerCap >> 3);
    while (level.length > 1) {
      const parents = Math.ceil(level.length / innerFill);
      const up: Node[] = [];
      const upFirsts: number[] = [];
      for (let p = 0, c = 0; p < parents; p++) {
        const node = new Inner(this.#innerCap);
        const take = Math.floor(level.length / parents) + (p < level.length % parents ? 1 : 0);
        upFirsts.push(firsts[c]!);
        for (let t = 0; t < take; t++, c++) {
          const child = level[c]!;
          node.children.push(child);
          node.counts[t] = sizeOf(child);
          node.total += sizeOf(child);
          if (t > 0)
            node.seps.set(keys.subarray(firsts[c]! * KEY_WORDS, (firsts[c]! + 1) * KEY_WORDS), t * KEY_WORDS);
        }
        up.push(node);
      }
      level = up;
      firsts = upFirsts;
    }
    this.#root = level[0]!;
  }

  /** Adds `slot` (its key written, not in the tree yet) and returns its rank. */
  insert(slot: number): number {
    this.#before = 0;
    this.#split = null;
    this.#insertInto(this.#root, this.#entries.keys, slot);
    const right = this.#split as Node | null;
    if (right !== null) {
      const root = new Inner(this.#innerCap);
      root.children.push(this.#root, right);
      root.counts[0] = sizeOf(this.#root);
      root.counts[1] = sizeOf(right);
      root.total = root.counts[0]! + root.counts[1]!;
      root.seps.set(this.#splitKey, KEY_WORDS);
      this.#root = root;
      this.#split = null;
    }
    return this.#before + 1;
  }

  /** Takes `slot` out; its key must still be the one it was inserted with. */
  remove(slot: number): void {
    this.#before = 0;
    this.#removeFrom(this.#root, this.#entries.keys, slot);
    const root = this.#root;
    if (root instanceof Inner && root.children.length === 1) this.#root = root.children[0]!;
  }

  /** The rank of `slot`, which must be in the tree. */
  rankOf(slot: number): number {
    const keys = this.#entries.keys;
    const k = slot * KEY_WORDS;
    let node = this.#root;
    let before = 0;
    while (node instanceof Inner) {
      const i = childIndex(node, keys, k);
      for (let c = 0; c < i; c++) before += node.counts[c]!;
      node = node.children[i]!;
    }
    const pos = lowerBound(node, keys, k);
    if (pos >= node.n || node.slots[pos] !== slot)
      throw new Error(`rank index: slot ${slot} is not in the tree`);
    return before + pos + 1;
  }

  /** The leaf and offset holding `rank`; the leaf is null when the rank is past the end. */
  seek(rank: number): LeafCursor {
    if (rank < 1 || rank > this.size) return { leaf: null, offset: 0 };
    let node = this.#root;
    let r = rank - 1;
    while (node instanceof Inner) {
      let i = 0;
      while (r >= node.counts[i]!) r -= node.counts[i++]!;
      node = node.children[i]!;
    }
    return { leaf: node, offset: r };
  }

  /** Calls `visit` with up to `count` slots in rank order, from `rank` on; returns how many it visited. */
  forEachFrom(rank: number, count: number, visit: (slot: number) => void): number {
    const at = this.seek(rank);
    let leaf = at.leaf;
    let offset = at.offset;
    let seen = 0;
    while (leaf !== null && seen < count) {
      const end = Math.min(leaf.n, offset + count - seen);
      for (let i = offset; i < end; i++) visit(leaf.slots[i]!);
      seen += end - offset;
      leaf = leaf.next;
      offset = 0;
    }
    return seen;
  }

  #insertInto(node: Node, keys: Uint32Array, slot: number): void {
    const k = slot * KEY_WORDS;
    if (node instanceof Leaf) {
      const pos = lowerBound(node, keys, k);
      this.#before += pos;
      node.slots.copyWithin(pos + 1, pos, node.n);
      node.slots[pos] = slot;
      if (++node.n > this.#leafCap) this.#splitLeaf(node, keys);
      return;
    }
    const i = childIndex(node, keys, k);
    for (let c = 0; c < i; c++) this.#before += node.counts[c]!;
    this.#insertInto(node.children[i]!, keys, slot);
    node.counts[i]!++;
    node.total++;
    const right = this.#split as Node | null;
    if (right === null) return;
    const n = node.children.length;
    node.children.splice(i + 1, 0, right);
    node.counts.copyWithin(i + 2, i + 1, n);
    node.counts[i + 1] = sizeOf(right);
    node.counts[i]! -= sizeOf(right);
    node.seps.copyWithin((i + 2) * KEY_WORDS, (i + 1) * KEY_WORDS, n * KEY_WORDS);
    node.seps.set(this.#splitKey, (i + 1) * KEY_WORDS);
    this.#split = null;
    if (n + 1 > this.#innerCap) this.#splitInner(node);
  }

  #splitLeaf(leaf: Leaf, keys: Uint32Array): void {
    const right = new Leaf(this.#leafCap);
    const half = leaf.n >> 1;
    right.slots.set(leaf.slots.subarray(half, leaf.n));
    right.n = leaf.n - half;
    leaf.n = half;
    right.next = leaf.next;
    leaf.next = right;
    const first = right.slots[0]! * KEY_WORDS;
    this.#splitKey.set(keys.subarray(first, first + KEY_WORDS));
    this.#split = right;
  }

  #splitInner(node: Inner): void {
    const n = node.children.length;
    const mid = n >> 1;
    const right = new Inner(this.#innerCap);
    for (let c = mid; c < n; c++) {
      right.children.push(node.children[c]!);
      right.counts[c - mid] = node.counts[c]!;
      right.total += node.counts[c]!;
    }
    right.seps.set(node.seps.subarray((mid + 1) * KEY_WORDS, n * KEY_WORDS), KEY_WORDS);
    this.#splitKey.set(node.seps.subarray(mid * KEY_WORDS, (mid + 1) * KEY_WORDS));
    node.children.length = mid;
    node.total -= right.total;
    this.#split = right;
  }

  #removeFrom(node: Node, keys: Uint32Array, slot: number): void {
    const k = slot * KEY_WORDS;
    if (node instanceof Leaf) {
      const pos = lowerBound(node, keys, k);
      if (pos >= node.n || node.slots[pos] !== slot)
        throw new Error(`rank index: slot ${slot} is not in the tree`);
      this.#before += pos;
      node.slots.copyWithin(pos, pos + 1, node.n);
      node.n--;
      return;
    }
    const i = childIndex(node, keys, k);
    for (let c = 0; c < i; c++) this.#before += node.counts[c]!;
    const child = node.children[i]!;
    this.#removeFrom(child, keys, slot);
    node.counts[i]!--;
    node.total--;
    const short = child instanceof Leaf ? child.n < this.#leafMin : child.children.length < this.#innerMin;
    if (short) this.#rebalance(node, i > 0 ? i - 1 : i, keys);
  }

  /** Merges or evens out children `j` and `j + 1` of `parent` after one of them ran short. */
  #rebalance(parent: Inner, j: number, keys: Uint32Array): void {
    const a = parent.children[j]!;
    const b = parent.children[j + 1]!;
    if (a instanceof Leaf && b instanceof Leaf) {
      if (a.n + b.n <= this.#leafCap) {
        a.slots.set(b.slots.subarray(0, b.n), a.n);
        a.n += b.n;
        a.next = b.next;
        dropChild(parent, j + 1);
        return;
      }
      const target = (a.n + b.n) >> 1;
      if (a.n < target) {
        const m = target - a.n;
        a.slots.set(b.slots.subarray(0, m), a.n);
        b.slots.copyWithin(0, m, b.n);
        a.n += m;
        b.n -= m;
      } else {
        const m = a.n - target;
        b.slots.copyWithin(m, 0, b.n);
        b.slots.set(a.slots.subarray(a.n - m, a.n));
        a.n -= m;
        b.n += m;
      }
      parent.counts[j] = a.n;
      parent.counts[j + 1] = b.n;
      const first = b.slots[0]! * KEY_WORDS;
      parent.seps.set(keys.subarray(first, first + KEY_WORDS), (j + 1) * KEY_WORDS);
      return;
    }
    const left = a as Inner;
    const right = b as Inner;
    const la = left.children.length;
    const lb = right.children.length;
    const between = parent.seps.subarray((j + 1) * KEY_WORDS, (j + 2) * KEY_WORDS);
    if (la + lb <= this.#innerCap) {
      left.seps.set(between, la * KEY_WORDS);
      left.seps.set(right.seps.subarray(KEY_WORDS, lb * KEY_WORDS), (la + 1) * KEY_WORDS);
      left.counts.set(right.counts.subarray(0, lb), la);
      for (const child of right.children) left.children.push(child);
      left.total += right.total;
      dropChild(parent, j + 1);
      return;
    }
    const target = (la + lb) >> 1;
    if (la < target) {
      const m = target - la;
      left.seps.set(between, la * KEY_WORDS);
      left.seps.set(right.seps.subarray(KEY_WORDS, m * KEY_WORDS), (la + 1) * KEY_WORDS);
      left.counts.set(right.counts.subarray(0, m), la);
      let moved = 0;
      for (let c = 0; c < m; c++) moved += right.counts[c]!;
      for (const child of right.children.splice(0, m)) left.children.push(child);
      between.set(right.seps.subarray(m * KEY_WORDS, (m + 1) * KEY_WORDS));
      right.seps.copyWithin(KEY_WORDS, (m + 1) * KEY_WORDS, lb * KEY_WORDS);
      right.counts.copyWithin(0, m, lb);
      left.total += moved;
      right.total -= moved;
    } else {
      const m = la - target;
      right.seps.copyWithin((m + 1) * KEY_WORDS, KEY_WORDS, lb * KEY_WORDS);
      right.seps.set(between, m * KEY_WORDS);
      right.seps.set(left.seps.subarray((la - m + 1) * KEY_WORDS, la * KEY_WORDS), KEY_WORDS);
      right.counts.copyWithin(m, 0, lb);
      right.counts.set(left.counts.subarray(la - m, la), 0);
      let moved = 0;
      for (let c = la - m; c < la; c++) moved += left.counts[c]!;
      right.children.unshift(...left.children.splice(la - m, m));
      between.set(left.seps.subarray((la - m) * KEY_WORDS, (la - m + 1) * KEY_WORDS));
      left.total -= moved;
      right.total += moved;
    }
    parent.counts[j] = left.total;
    parent.counts[j + 1] = right.total;
  }
}

/** Removes child `i` (merged into child `i - 1`, whose count absorbs it) from `parent`. */
function dropChild(parent: Inner, i: number): void {
  const n = parent.children.length;
  parent.counts[i - 1]! += parent.counts[i]!;
  parent.children.splice(i, 1);
  parent.counts.copyWithin(i, i + 1, n);
  parent.seps.copyWithin(i * KEY_WORDS, (i + 1) * KEY_WORDS, n * KEY_WORDS);
}

/** The child of `node` whose key range holds the key at `keys[k ..]`. */
function childIndex(node: Inner, keys: Uint32Array, k: number): number {
  const seps = node.seps;
  let lo = 1;
  let hi = node.children.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compareKeys(seps, mid * KEY_WORDS, keys, k) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** The first position in `leaf` whose key is not below the key at `keys[k ..]`. */
function lowerBound(leaf: Leaf, keys: Uint32Array, k: number): number {
  const slots = leaf.slots;
  let lo = 0;
  let hi = leaf.n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compareKeys(keys, slots[mid]! * KEY_WORDS, keys, k) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
