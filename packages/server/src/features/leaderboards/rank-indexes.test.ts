import { describe, expect, it } from 'vitest';
import { RankIndexError, RankIndexFault, RankOrder } from './rank-index.ts';
import { RankIndexes } from './rank-indexes.ts';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const C = '00000000-0000-4000-8000-00000000000c';

function faultOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e instanceof RankIndexError ? e.fault : e;
  }
  return 'no error';
}

describe('RankIndexes', () => {
  it('keeps one index per (board, period); create is idempotent and periods are independent', () => {
    const indexes = new RankIndexes();
    const now = indexes.create('weekly', 1_700_000_000, RankOrder.DESCENDING);
    expect(indexes.create('weekly', 1_700_000_000, RankOrder.DESCENDING)).toBe(now);
    now.upsert(A, 10, 0);
    const next = indexes.create('weekly', 1_700_604_800, RankOrder.DESCENDING);
    next.upsert(B, 5, 0);
    indexes.create('forever', 0, RankOrder.ASCENDING).upsert(A, 3, 0);
    expect(indexes.get('weekly', 1_700_000_000)?.rankOf(A)).toBe(1);
    expect(indexes.get('weekly', 1_700_000_000)?.rankOf(B)).toBe(0);
    expect(indexes.get('weekly', 1_700_604_800)?.size).toBe(1);
    expect(indexes.get('weekly', 42)).toBeUndefined();
    expect(indexes.periods('weekly')).toEqual([1_700_000_000, 1_700_604_800]);
    expect(indexes.periodCount).toBe(3);
  });

  it('refuses a period of the other order, an empty board id and a bad expiry time', () => {
    const indexes = new RankIndexes();
    indexes.create('b', 0, RankOrder.ASCENDING);
    expect(faultOf(() => indexes.create('b', 0, RankOrder.DESCENDING))).toBe(RankIndexFault.ORDER_MISMATCH);
    expect(faultOf(() => indexes.create('', 0, RankOrder.DESCENDING))).toBe(RankIndexFault.INVALID_PERIOD);
    expect(faultOf(() => indexes.create('b', -1, RankOrder.DESCENDING))).toBe(RankIndexFault.INVALID_PERIOD);
    expect(faultOf(() => indexes.create('b', 1.5, RankOrder.DESCENDING))).toBe(RankIndexFault.INVALID_PERIOD);
    expect(faultOf(() => indexes.load('b', Number.NaN, RankOrder.DESCENDING, []))).toBe(
      RankIndexFault.INVALID_PERIOD,
    );
  });

  it('drops one period on reset, every expired period on trim, and a whole board on delete', () => {
    const indexes = new RankIndexes();
    for (const expiry of [0, 100, 200, 300])
      indexes.create('daily', expiry, RankOrder.DESCENDING).upsert(A, 1, 1);
    indexes.create('other', 150, RankOrder.ASCENDING);
    expect(indexes.drop('daily', 100)).toBe(true);
    expect(indexes.drop('daily', 100)).toBe(false);
    expect(indexes.drop('nope', 0)).toBe(false);
    // Period 0 never expires; 150 and 200 have come by 200.
    expect(indexes.dropExpired(200)).toBe(2);
    expect(indexes.periods('daily')).toEqual([0, 300]);
    expect(indexes.periods('other')).toEqual([]);
    expect(indexes.dropBoard('daily')).toBe(2);
    expect(indexes.get('daily', 0)).toBeUndefined();
    expect(indexes.periodCount).toBe(0);
  });

  it('load replaces a period with a bulk-built index; a failed load leaves the old one in place', () => {
    const indexes = new RankIndexes();
    const old = indexes.create('t', 0, RankOrder.DESCENDING);
    old.upsert(C, 1, 1);
    const loaded = indexes.load('t', 0, RankOrder.DESCENDING, [
      { ownerId: B, score: 9, subscore: 0 },
      { ownerId: A, score: 9, subscore: 0 },
      { ownerId: C, score: 1n, subscore: 0 },
    ]);
    // Equal scores: the larger owner id ranks first on a descending board.
    expect(loaded.range(1, 3).map((e) => [e.rank, e.ownerId])).toEqual([
      [1, B],
      [2, A],
      [3, C],
    ]);
    expect(indexes.get('t', 0)).toBe(loaded);

    const builder = indexes.builder('t', 0, RankOrder.DESCENDING, 2);
    builder.add(A, 1, 0);
    expect(faultOf(() => builder.add(B, 2, 0))).toBe(RankIndexFault.UNSORTED_LOAD);
    expect(indexes.get('t', 0)).toBe(loaded);
    const streamed = indexes.builder('t', 0, RankOrder.DESCENDING);
    streamed.add(A, 2, 0);
    streamed.add(B, 1, 0);
    expect(indexes.get('t', 0)).toBe(loaded);
    const built = streamed.finish();
    expect(indexes.get('t', 0)).toBe(built);
    expect(built.rankOf(B)).toBe(2);
  });

  it('applies its options to every index it makes', () => {
    const indexes = new RankIndexes({ maxEntries: 1 });
    const index = indexes.create('capped', 0, RankOrder.DESCENDING);
    index.upsert(A, 1, 1);
    expect(faultOf(() => index.upsert(B, 1, 1))).toBe(RankIndexFault.INDEX_FULL);
    expect(
      faultOf(() =>
        indexes.load('capped', 5, RankOrder.DESCENDING, [
          { ownerId: A, score: 2, subscore: 0 },
          { ownerId: B, score: 1, subscore: 0 },
        ]),
      ),
    ).toBe(RankIndexFault.INDEX_FULL);
  });
});
