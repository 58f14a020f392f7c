import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type DomainError, ErrorKind } from '../../shared/domain-error.ts';
import {
  type Int64,
  RankIndex,
  RankIndexError,
  RankIndexFault,
  type RankIndexOptions,
  RankOrder,
  type RankRow,
} from './rank-index.ts';

/** Brute-force model: a map of owners, ranked by sorting everything (Nakama's rule, in BigInt). */
class Model {
  readonly rows = new Map<string, { score: bigint; subscore: bigint }>();
  constructor(readonly order: RankOrder) {}

  upsert(ownerId: string, score: Int64, subscore: Int64): void {
    this.rows.set(ownerId.toLowerCase(), { score: BigInt(score), subscore: BigInt(subscore) });
  }

  sorted(): { ownerId: string; score: bigint; subscore: bigint }[] {
    const sign = this.order === RankOrder.DESCENDING ? -1 : 1;
    const cmp = (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0);
    return [...this.rows]
      .map(([ownerId, r]) => ({ ownerId, ...r }))
      .sort(
        (a, b) =>
          sign * (cmp(a.score, b.score) || cmp(a.subscore, b.subscore) || (a.ownerId < b.ownerId ? -1 : 1)),
      );
  }

  rankOf(ownerId: string): number {
    return this.sorted().findIndex((r) => r.ownerId === ownerId.toLowerCase()) + 1;
  }
}

/** What the index holds, with scores as bigints so numbers and bigints compare alike. */
function dump(index: RankIndex): { rank: number; ownerId: string; score: bigint; subscore: bigint }[] {
  return [...index.entries()].map((e) => ({ ...e, score: BigInt(e.score), subscore: BigInt(e.subscore) }));
}

function expectSame(index: RankIndex, model: Model): void {
  const want = model.sorted().map((r, i) => ({ rank: i + 1, ...r }));
  expect(index.size).toBe(want.length);
  expect(dump(index)).toEqual(want);
}

/** Owner ids that differ in every 32-bit word of the UUID, in both cases, so every word of the tie-break matters. */
function owner(i: number): string {
  const h = (n: number, w: number) => (n % 16 ** w).toString(16).padStart(w, '0');
  const id = `${h(i % 3, 8)}-${h(i % 5, 4)}-${h(i % 7, 4)}-${h(i % 11, 4)}-${h(i, 12)}`;
  return i % 4 === 0 ? id.toUpperCase() : id;
}

const TINY: RankIndexOptions = { shape: { leafCapacity: 4, innerCapacity: 4 } };
const SMALL: RankIndexOptions = { shape: { leafCapacity: 8, innerCapacity: 5 } };
const MEDIUM: RankIndexOptions = { shape: { leafCapacity: 16, innerCapacity: 8 } };

/** Scores crowded onto a few values (ties to the owner id), plus the int64 edges and the 2^53 seam. */
const score: fc.Arbitrary<Int64> = fc.oneof(
  fc.integer({ min: 0, max: 3 }),
  fc.integer({ min: -1_000_000, max: 1_000_000 }),
  fc.constantFrom<Int64>(
    Number.MAX_SAFE_INTEGER,
    -Number.MAX_SAFE_INTEGER,
    2n ** 53n,
    -(2n ** 53n),
    2n ** 63n - 1n,
  ),
  fc.constantFrom<Int64>(-(2n ** 63n), 2n ** 32n, 2 ** 32 - 1, -(2 ** 32), -1),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
);

type Op = { kind: 'upsert'; who: number; score: Int64; subscore: Int64 } | { kind: 'remove'; who: number };

const ops = (owners: number) =>
  fc.array(
    fc.oneof(
      {
        weight: 4,
        arbitrary: fc.record({
          kind: fc.constant('upsert' as const),
          who: fc.nat(owners - 1),
          score,
          subscore: score,
        }),
      },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('remove' as const), who: fc.nat(owners - 1) }) },
    ),
    { maxLength: 400 },
  );

function replay(order: RankOrder, options: RankIndexOptions, list: Op[], checkEvery: number): void {
  const index = new RankIndex(order, options);
  const model = new Model(order);
  list.forEach((op, step) => {
    const id = owner(op.who);
    if (op.kind === 'upsert') {
      model.upsert(id, op.score, op.subscore);
      expect(index.upsert(id, op.score, op.subscore)).toBe(model.rankOf(id));
    } else {
      expect(index.remove(id)).toBe(model.rows.delete(id.toLowerCase()));
      expect(index.rankOf(id)).toBe(0);
    }
    if (step % checkEvery === checkEvery - 1) expectSame(index, model);
  });
  expectSame(index, model);
  for (const id of model.rows.keys()) expect(index.rankOf(id)).toBe(model.rankOf(id));
  // Draining the index exercises every merge path down to the empty root.
  for (const id of [...model.rows.keys()]) {
    expect(index.remove(id.toUpperCase())).toBe(true);
    model.rows.delete(id);
  }
  expect(index.size).toBe(0);
}

describe('RankIndex against a brute-force model', () => {
  for (const order of [RankOrder.DESCENDING, RankOrder.ASCENDING]) {
    for (const [name, options] of [
      ['tiny nodes', TINY],
      ['small nodes', SMALL],
      ['default nodes', {}],
    ] as const) {
      it(`${order}, ${name}: ranks, pages and removals follow random upserts and removals`, () => {
        fc.assert(
          fc.property(ops(60), (list) => replay(order, options, list, 40)),
          { numRuns: 60 },
        );
      });
    }
  }

  for (const [name, options] of [
    ['tiny nodes', TINY],
    ['small nodes', SMALL],
    ['16/8 nodes', MEDIUM],
  ] as const) {
    it(`${name}: keeps exact ranks through thousands of moves up and down on a multi-level tree`, () => {
      fc.assert(
        fc.property(
          fc.integer(),
          fc.constantFrom(RankOrder.ASCENDING, RankOrder.DESCENDING),
          (seed, order) => {
            const rnd = fc.sample(
              fc.tuple(fc.nat(299), fc.integer({ min: 0, max: 50 }), fc.nat(3), fc.nat(9)),
              {
                seed,
                numRuns: 3000,
              },
            );
            // 40 % removals keep the board hovering around 180 records, so nodes keep running short
            // and full, and both merges and hand-overs between siblings happen.
            const list: Op[] = rnd.map(([who, s, sub, r]) =>
              r < 4 ? { kind: 'remove', who } : { kind: 'upsert', who, score: s, subscore: sub },
            );
            replay(order, options, list, 500);
          },
        ),
        { numRuns: 4 },
      );
    });
  }

  it('stays exact while whole runs of neighbouring ranks are removed (front, middle, end)', () => {
    // Removing consecutive ranks drains one leaf after another next to full ones, the case where
    // siblings hand records over instead of merging.
    fc.assert(
      fc.property(
        fc.shuffledSubarray([...Array(400).keys()], { minLength: 400 }),
        fc.constantFrom(SMALL, MEDIUM),
        fc.constantFrom(RankOrder.ASCENDING, RankOrder.DESCENDING),
        (order400, options, order) => {
          const index = new RankIndex(order, options);
          const model = new Model(order);
          for (const i of order400) {
            index.upsert(owner(i), i % 97, i % 3);
            model.upsert(owner(i), i % 97, i % 3);
          }
          for (const startOf of [
            () => 1,
            () => Math.ceil(index.size / 2),
            () => Math.max(1, index.size - 9),
          ]) {
            for (let k = 0; k < 60; k++) {
              const victim = index.at(startOf())!;
              expect(index.remove(victim.ownerId)).toBe(true);
              model.rows.delete(victim.ownerId);
              if (k % 10 === 9) expectSame(index, model);
            }
          }
        },
      ),
      { numRuns: 12 },
    );
  });

  it('range pages and at() agree with the full order at every start', () => {
    const index = new RankIndex(RankOrder.DESCENDING, SMALL);
    const model = new Model(RankOrder.DESCENDING);
    for (let i = 0; i < 200; i++) {
      const s = (i * 37) % 23;
      index.upsert(owner(i), s, i % 2);
      model.upsert(owner(i), s, i % 2);
    }
    const all = model.sorted();
    for (let from = 1; from <= 205; from += 7) {
      const page = index
        .range(from, 10)
        .map((e) => ({ ...e, score: BigInt(e.score), subscore: BigInt(e.subscore) }));
      expect(page).toEqual(all.slice(from - 1, from + 9).map((r, i) => ({ rank: from + i, ...r })));
      expect(index.at(from)?.ownerId).toBe(all[from - 1]?.ownerId);
    }
  });
});

describe('RankIndex bulk load', () => {
  const rows = fc.uniqueArray(fc.record({ who: fc.nat(5000), score, subscore: score }), {
    selector: (r) => r.who,
    maxLength: 700,
  });

  for (const order of [RankOrder.DESCENDING, RankOrder.ASCENDING]) {
    it(`${order}: load(sorted rows) equals the same rows upserted one by one, and stays editable`, () => {
      fc.assert(
        fc.property(rows, fc.constantFrom(TINY, SMALL, {}), (list, options) => {
          const model = new Model(order);
          const incremental = new RankIndex(order, options);
          for (const r of list) {
            model.upsert(owner(r.who), r.score, r.subscore);
            incremental.upsert(owner(r.who), r.score, r.subscore);
          }
          const sorted: RankRow[] = model.sorted();
          const loaded = RankIndex.load(order, sorted, options);
          expect(dump(loaded)).toEqual(dump(incremental));
          expectSame(loaded, model);
          // The bulk-built tree must take later edits like an incremental one.
          for (const r of list.slice(0, 50)) {
            loaded.upsert(owner(r.who), 1, 1);
            model.upsert(owner(r.who), 1, 1);
          }
          for (const r of list.slice(50, 100)) {
            loaded.remove(owner(r.who));
            model.rows.delete(owner(r.who).toLowerCase());
          }
          expectSame(loaded, model);
        }),
        { numRuns: 40 },
      );
    });
  }

  it('refuses rows out of rank order and repeated owners, naming the fault', () => {
    const fault = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return e instanceof RankIndexError ? e.fault : e;
      }
      return 'no error';
    };
    const a = owner(1);
    const b = owner(2);
    expect(
      fault(() =>
        RankIndex.load(RankOrder.DESCENDING, [
          { ownerId: a, score: 1, subscore: 0 },
          { ownerId: b, score: 2, subscore: 0 },
        ]),
      ),
    ).toBe(RankIndexFault.UNSORTED_LOAD);
    expect(
      fault(() =>
        RankIndex.load(RankOrder.ASCENDING, [
          { ownerId: b, score: 1, subscore: 0 },
          { ownerId: a, score: 1, subscore: 0 },
        ]),
      ),
    ).toBe(RankIndexFault.UNSORTED_LOAD);
    expect(
      fault(() =>
        RankIndex.load(RankOrder.ASCENDING, [
          { ownerId: a, score: 1, subscore: 0 },
          { ownerId: a, score: 2, subscore: 0 },
        ]),
      ),
    ).toBe(RankIndexFault.DUPLICATE_OWNER);
    const builder = RankIndex.builder(RankOrder.ASCENDING);
    builder.add(a, 1, 1);
    expect(builder.finish().rankOf(a)).toBe(1);
    expect(() => builder.add(b, 2, 2)).toThrow(/already finished/);
  });
});

describe('RankIndex edge cases', () => {
  const id = owner(7);

  it('an empty index has no ranks and no pages', () => {
    const index = new RankIndex(RankOrder.DESCENDING);
    expect(index.size).toBe(0);
    expect(index.rankOf(id)).toBe(0);
    expect(index.get(id)).toBeUndefined();
    expect(index.at(1)).toBeUndefined();
    expect(index.range(1, 100)).toEqual([]);
    expect(index.remove(id)).toBe(false);
    expect(RankIndex.load(RankOrder.ASCENDING, []).size).toBe(0);
  });

  it('one entry is rank 1; ranks past the end give nothing; a page stops at the end', () => {
    const index = new RankIndex(RankOrder.ASCENDING);
    expect(index.upsert(id.toUpperCase(), 5, 6)).toBe(1);
    expect(index.get(id)).toEqual({ rank: 1, ownerId: id, score: 5, subscore: 6 });
    expect(index.at(1)).toEqual({ rank: 1, ownerId: id, score: 5, subscore: 6 });
    expect(index.at(2)).toBeUndefined();
    expect(index.range(1, 10)).toHaveLength(1);
    expect(index.range(2, 10)).toEqual([]);
    expect(index.range(1, 0)).toEqual([]);
    expect(index.upsert(id, 5, 6)).toBe(1);
    expect(index.size).toBe(1);
  });

  it('keeps int64 scores exact: numbers while safe, bigints beyond', () => {
    const index = new RankIndex(RankOrder.DESCENDING);
    index.upsert(owner(1), 2n ** 63n - 1n, -(2n ** 63n));
    index.upsert(owner(2), 2n ** 63n - 2n, 0);
    index.upsert(owner(3), Number.MAX_SAFE_INTEGER, 2n ** 53n);
    index.upsert(owner(4), 9007199254740991n, 3);
    expect(index.range(1, 4).map((e) => [e.ownerId, e.score, e.subscore])).toEqual([
      [owner(1), 2n ** 63n - 1n, -(2n ** 63n)],
      [owner(2), 2n ** 63n - 2n, 0],
      [owner(3), Number.MAX_SAFE_INTEGER, 2n ** 53n],
      [owner(4), Number.MAX_SAFE_INTEGER, 3],
    ]);
  });

  it('refuses bad input with a typed error and leaves the index unchanged', () => {
    const index = new RankIndex(RankOrder.DESCENDING, { maxEntries: 2 });
    index.upsert(id, 1, 1);
    const cases: [() => unknown, RankIndexFault][] = [
      [() => index.upsert('not-a-uuid', 1, 1), RankIndexFault.INVALID_OWNER_ID],
      [() => index.upsert(`${id.slice(0, 35)}g`, 1, 1), RankIndexFault.INVALID_OWNER_ID],
      [() => index.rankOf(id.replaceAll('-', '_')), RankIndexFault.INVALID_OWNER_ID],
      [() => index.upsert(id, 2 ** 53, 1), RankIndexFault.INVALID_SCORE],
      [() => index.upsert(id, 1.5, 1), RankIndexFault.INVALID_SCORE],
      [() => index.upsert(id, 1, Number.NaN), RankIndexFault.INVALID_SCORE],
      [() => index.upsert(id, 2n ** 63n, 1), RankIndexFault.INVALID_SCORE],
      [() => index.upsert(id, '1' as unknown as number, 1), RankIndexFault.INVALID_SCORE],
      [() => index.range(0, 1), RankIndexFault.INVALID_RANK],
      [() => index.range(1, -1), RankIndexFault.INVALID_RANK],
      [() => index.at(1.5), RankIndexFault.INVALID_RANK],
    ];
    for (const [fn, fault] of cases) {
      expect(fn).toThrow(RankIndexError);
      try {
        fn();
      } catch (e) {
        expect((e as RankIndexError).fault).toBe(fault);
        expect((e as DomainError).kind).toBe(ErrorKind.INVALID_ARGUMENT);
      }
    }
    expect(index.get(id)).toEqual({ rank: 1, ownerId: id, score: 1, subscore: 1 });
    index.upsert(owner(8), 1, 1);
    try {
      index.upsert(owner(9), 1, 1);
      expect.unreachable('a third record was accepted');
    } catch (e) {
      expect((e as RankIndexError).fault).toBe(RankIndexFault.INDEX_FULL);
      expect((e as DomainError).kind).toBe(ErrorKind.RESOURCE_EXHAUSTED);
    }
    // A full index still takes updates and removals of the records it holds.
    expect(index.upsert(owner(8), 9, 9)).toBe(1);
    expect(index.remove(id)).toBe(true);
    expect(index.upsert(owner(9), 0, 0)).toBe(2);
  });
});
