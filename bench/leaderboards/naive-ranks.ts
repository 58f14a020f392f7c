/**
 * The naive references the rank index is measured against, on the same rows in the same run:
 *
 * - {@link SortedArrayRanks}: one JS array kept sorted, binary search to find, `splice` to move a
 *   record. Rank look-ups and pages are cheap; every score change shifts up to n elements.
 * - {@link linearRankOf}: the in-memory twin of `SELECT count(*) … WHERE (score, subscore, owner_id)
 *   > (…)` without an index: count every record ranked above.
 *
 * Both take a descending board, which is what the benchmark builds.
 *
 * @packageDocumentation
 */

/** One record of the naive structures. */
export interface NaiveRow {
  ownerId: string;
  score: number;
  subscore: number;
}

/** Descending board order: negative when `a` ranks above `b`. */
export function compareDesc(a: NaiveRow, b: NaiveRow): number {
  return (
    b.score - a.score ||
    b.subscore - a.subscore ||
    (a.ownerId < b.ownerId ? 1 : a.ownerId > b.ownerId ? -1 : 0)
  );
}

/** A sorted array with binary search and splice. */
export class SortedArrayRanks {
  readonly #rows: NaiveRow[];
  readonly #byOwner = new Map<string, NaiveRow>();

  /** @param sorted - rows in rank order; copied, so the caller's objects are not shared */
  constructor(sorted: readonly NaiveRow[]) {
    this.#rows = sorted.map((r) => ({ ownerId: r.ownerId, score: r.score, subscore: r.subscore }));
    for (const row of this.#rows) this.#byOwner.set(row.ownerId, row);
  }

  get size(): number {
    return this.#rows.length;
  }

  upsert(ownerId: string, score: number, subscore: number): number {
    const old = this.#byOwner.get(ownerId);
    if (old !== undefined) this.#rows.splice(this.#position(old), 1);
    const row = { ownerId, score, subscore };
    this.#byOwner.set(ownerId, row);
    const at = this.#position(row);
    this.#rows.splice(at, 0, row);
    return at + 1;
  }

  rankOf(ownerId: string): number {
    const row = this.#byOwner.get(ownerId);
    return row === undefined ? 0 : this.#position(row) + 1;
  }

  range(fromRank: number, count: number): NaiveRow[] {
    return this.#rows.slice(fromRank - 1, fromRank - 1 + count);
  }

  /** The first position whose row does not rank above `row`. */
  #position(row: NaiveRow): number {
    let lo = 0;
    let hi = this.#rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareDesc(this.#rows[mid]!, row) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** Records as flat columns, for {@link linearRankOf}. */
export interface Columns {
  readonly scores: Float64Array;
  readonly subscores: Float64Array;
  readonly owners: readonly string[];
}

/** The rank of record `i` by counting every record ranked above it: O(n). */
export function linearRankOf(c: Columns, i: number): number {
  const s = c.scores[i]!;
  const sub = c.subscores[i]!;
  const owner = c.owners[i]!;
  let above = 0;
  for (let j = 0; j < c.scores.length; j++) {
    const sj = c.scores[j]!;
    if (sj > s || (sj === s && (c.subscores[j]! > sub || (c.subscores[j] === sub && c.owners[j]! > owner))))
      above++;
  }
  return above + 1;
}
