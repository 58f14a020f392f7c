/**
 * The per-interval index of the matchmaker pool: it narrows "who could match this ticket" from every
 * ticket to a short list, from both sides of the mutual test.
 *
 * - Forward: a ticket's must clauses name values the other ticket must have. A `+properties.mode:ranked`
 *   clause only admits tickets in the posting list of `mode = ranked`; a `+properties.rank:>=10` clause
 *   only those in a binary-searched slice of the tickets sorted by `rank`. The smallest list wins.
 * - Reverse: the other ticket's query must hold for this one. Every ticket is filed under its first
 *   exact must clause (its "requirement"), or as unconstrained; a ticket can only be matched by tickets
 *   filed under one of its own property values, or unconstrained ones.
 *
 * The smaller of the two lists is scanned, oldest first. Both only discard tickets that cannot match,
 * so the index never changes the outcome, only the cost.
 *
 * @packageDocumentation
 */
import type { Query, QueryClause, Scalar } from '../../shared/query/query.ts';

/** What the index needs to know about a pooled ticket. */
export interface IndexedEntry {
  /** Position in the pool (age order): lower is older. */
  readonly seq: number;
  readonly query: Query;
  /** The ticket's `properties.<key>` fields and values. */
  readonly fields: readonly (readonly [string, Scalar])[];
}

/** Key of one field value in the posting maps: text and numbers are told apart. */
function valueKey(field: string, value: Scalar): string {
  return typeof value === 'number' ? `${field}\u0000n${value}` : `${field}\u0000s${String(value)}`;
}

/** The keys an exact clause can be satisfied by (its text, and its number when numeric). */
function clauseKeys(clause: QueryClause): string[] {
  const { test, field } = clause;
  if (test.kind !== 'exact' || field === undefined) return [];
  const keys = [`${field}\u0000s${test.text}`];
  if (test.number !== undefined) keys.push(`${field}\u0000n${test.number}`);
  return keys;
}

/** Numeric values of one field across the pool, sorted, with their entries. */
interface SortedField<E> {
  readonly values: number[];
  readonly entries: E[];
}

/** Candidate lists for the oldest-first scan: one list already in age order, or several to merge. */
export type CandidateSource<E> = { readonly lists: readonly (readonly E[])[]; readonly size: number };

/**
 * Built once per `process()` over the tickets of that interval, in age order. Building is
 * O(n·p + f·n log n) for n tickets with p properties and f range-queried fields.
 */
export class PoolIndex<E extends IndexedEntry> {
  readonly #all: readonly E[];
  readonly #postings = new Map<string, E[]>();
  readonly #requirements = new Map<string, E[]>();
  readonly #unconstrained: E[] = [];
  readonly #sorted = new Map<string, SortedField<E>>();

  /** @param entries - the pool in age order (oldest first) */
  constructor(entries: readonly E[]) {
    this.#all = entries;
    for (const entry of entries) {
      for (const [field, value] of entry.fields) push(this.#postings, valueKey(field, value), entry);
      const requirement = entry.query.must.find((c) => clauseKeys(c).length > 0);
      if (requirement === undefined) this.#unconstrained.push(entry);
      else for (const key of clauseKeys(requirement)) push(this.#requirements, key, entry);
    }
  }

  /**
   * The smallest known superset of the tickets that could match `entry` mutually, as age-ordered lists.
   * Only sizes are computed for the options (posting lengths, binary searches); only the smallest one
   * is materialised.
   */
  candidates(entry: E): CandidateSource<E> {
    let best: Option<E> = { size: this.#all.length, lists: () => [this.#all] };
    const consider = (option: Option<E> | undefined): void => {
      if (option !== undefined && option.size < best.size) best = option;
    };
    const { must, should } = entry.query;
    for (const clause of must) if (clause.test.kind === 'exact') consider(this.#exact(clause));
    for (const [field, range] of intersectRanges(must)) consider(this.#range(field, range));
    if (must.length === 0 && should.length > 0) {
      const parts = should.map((c) =>
        c.test.kind === 'exact'
          ? this.#exact(c)
          : c.test.kind === 'range' && c.field !== undefined
            ? this.#range(c.field, c.test)
            : undefined,
      );
      if (parts.every((p) => p !== undefined)) {
        const options = parts as Option<E>[];
        consider({
          size: options.reduce((n, o) => n + o.size, 0),
          lists: () => options.flatMap((o) => o.lists()),
        });
      }
    }
    const reverse = this.#reverse(entry);
    consider({ size: reverse.reduce((n, l) => n + l.length, 0), lists: () => reverse });
    return { lists: best.lists(), size: best.size };
  }

  /** Tickets that have the exact value of a clause. */
  #exact(clause: QueryClause): Option<E> | undefined {
    if (clause.field === undefined) return undefined;
    const lists = clauseKeys(clause)
      .map((k) => this.#postings.get(k))
      .filter((l): l is E[] => l !== undefined);
    return { size: lists.reduce((n, l) => n + l.length, 0), lists: () => lists };
  }

  /** Tickets with a numeric value of `field` inside `range` (a binary search; sorted by age on demand). */
  #range(field: string, range: Interval): Option<E> {
    const sorted = this.#sortedField(field);
    const from = range.min === undefined ? 0 : lowerBound(sorted.values, range.min, !range.minInclusive);
    const to =
      range.max === undefined
        ? sorted.values.length
        : lowerBound(sorted.values, range.max, range.maxInclusive);
    if (to <= from) return { size: 0, lists: () => [] };
    return { size: to - from, lists: () => [sorted.entries.slice(from, to).sort((a, b) => a.seq - b.seq)] };
  }

  /** Tickets whose first exact requirement `entry` meets, plus the unconstrained ones. */
  #reverse(entry: E): E[][] {
    const lists: E[][] = [this.#unconstrained];
    for (const [field, value] of entry.fields) {
      const list = this.#requirements.get(valueKey(field, value));
      if (list !== undefined) lists.push(list);
    }
    return lists;
  }

  /** Numeric values of a field, sorted once per interval on first use. */
  #sortedField(field: string): SortedField<E> {
    let sorted = this.#sorted.get(field);
    if (sorted === undefined) {
      const pairs: [number, E][] = [];
      for (const entry of this.#all) {
        for (const [f, v] of entry.fields) if (f === field && typeof v === 'number') pairs.push([v, entry]);
      }
      pairs.sort((a, b) => a[0] - b[0]);
      sorted = { values: pairs.map((p) => p[0]), entries: pairs.map((p) => p[1]) };
      this.#sorted.set(field, sorted);
    }
    return sorted;
  }
}

/** A way to narrow the candidates: its size is known before its lists are built. */
interface Option<E> {
  readonly size: number;
  lists(): readonly (readonly E[])[];
}

/** A numeric interval; an absent bound is open. */
interface Interval {
  readonly min: number | undefined;
  readonly max: number | undefined;
  readonly minInclusive: boolean;
  readonly maxInclusive: boolean;
}

/**
 * The must range clauses per field, intersected: `+f:>=10 +f:<=20` is one interval [10, 20], so the
 * index searches one slice instead of two half-pools.
 */
function intersectRanges(must: readonly QueryClause[]): Map<string, Interval> {
  const out = new Map<string, Interval>();
  for (const { field, test } of must) {
    if (field === undefined || test.kind !== 'range') continue;
    const prev = out.get(field);
    if (prev === undefined) {
      out.set(field, test);
      continue;
    }
    let { min, max, minInclusive, maxInclusive } = prev;
    if (
      test.min !== undefined &&
      (min === undefined || test.min > min || (test.min === min && !test.minInclusive))
    ) {
      min = test.min;
      minInclusive = test.minInclusive;
    }
    if (
      test.max !== undefined &&
      (max === undefined || test.max < max || (test.max === max && !test.maxInclusive))
    ) {
      max = test.max;
      maxInclusive = test.maxInclusive;
    }
    out.set(field, { min, max, minInclusive, maxInclusive });
  }
  return out;
}

/**
 * Iterates a candidate source oldest first without duplicates. One list is walked in place (it is
 * already in age order); several are merged, O(c log c) for c candidates.
 */
export function* oldestFirst<E extends IndexedEntry>(source: CandidateSource<E>): Generator<E> {
  const nonEmpty = source.lists.filter((l) => l.length > 0);
  if (nonEmpty.length === 0) return;
  if (nonEmpty.length === 1) {
    yield* nonEmpty[0]!;
    return;
  }
  const merged = nonEmpty.flat().sort((a, b) => a.seq - b.seq);
  let last: E | undefined;
  for (const entry of merged) {
    if (entry !== last) yield entry;
    last = entry;
  }
}

/**
 * First index whose value is ≥ `bound` (or > `bound` when `strict`), in an ascending array.
 */
function lowerBound(values: readonly number[], bound: number, strict: boolean): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const v = values[mid]!;
    if (v < bound || (strict && v === bound)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function push<E>(map: Map<string, E[]>, key: string, entry: E): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [entry]);
  else if (list[list.length - 1] !== entry) list.push(entry);
}
