import { describe, expect, it } from 'vitest';
import { recordListBytes, recordListJson } from './leaderboard-json.ts';
import type { RankedRecord } from './leaderboard-types.ts';
import type { RecordList } from './record-reads.ts';

/** A small deterministic generator (mulberry32), so a failure names its seed. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TEXTS = [
  '',
  'plain',
  'naïve café',
  '日本語のテキスト',
  'emoji 🎮🏆',
  'quote " and backslash \\',
  'control \u0000\u0001\b\f\n\r\t\u001f',
  'lone surrogate \ud800 and \udfff',
  '\u2028\u2029',
  'del \u007f and latin-1 \u00ff',
  '{"a":1,"b":[true,null],"ü":"ß"}',
];

function record(next: () => number, i: number): RankedRecord {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const big = () => pick([0n, 1n, 42n, 2n ** 53n + 1n, 2n ** 63n - 1n, BigInt(Math.floor(next() * 1e12))]);
  const time = () =>
    pick([
      0,
      1_700_000_000_123,
      253_402_300_799_999,
      253_402_300_800_000, // year 10000: formatTimestamp's toISOString path
      -62_135_596_800_000, // year 1
      -1,
      Math.floor(next() * 2e12),
    ]);
  return {
    leaderboardId: pick(['board', 'ü-board', 'b"oard']),
    ownerId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    username: pick([null, '', 'player', 'jöhn 🎮', 'a"b']),
    score: big(),
    subscore: big(),
    numScore: pick([0, 1, 7, 1_000_000]),
    maxNumScore: pick([0, 1, 1_000_000, 2 ** 31 - 1]),
    metadata: pick(TEXTS),
    createTime: time(),
    updateTime: time(),
    expiryTime: pick([0, 1_700_003_600, 253_402_300_799]),
    rank: pick([0, 1, 99, 500_000, 2 ** 40]),
  };
}

describe('recordListBytes', () => {
  it('writes the bytes of JSON.stringify(recordListJson(list)) for generated lists', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const next = rng(seed);
      const n = Math.floor(next() * 4) === 0 ? 0 : Math.floor(next() * 120);
      const m = Math.floor(next() * 3) === 0 ? Math.floor(next() * 5) : 0;
      const list: RecordList = {
        records: Array.from({ length: n }, (_, i) => record(next, i)),
        ownerRecords: Array.from({ length: m }, (_, i) => record(next, 1000 + i)),
        nextCursor: next() < 0.5 ? undefined : next() < 0.5 ? '' : 'Q3Vyc29y_-9==',
        prevCursor: next() < 0.5 ? undefined : 'cHJldg',
        rankCount: Math.floor(next() * 3) === 0 ? 0 : Math.floor(next() * 2e6),
      };
      const expected = Buffer.from(JSON.stringify(recordListJson(list)), 'utf8');
      const actual = recordListBytes(list);
      expect(actual.toString('utf8'), `seed ${seed}`).toBe(expected.toString('utf8'));
      expect(actual.equals(expected), `seed ${seed}`).toBe(true);
    }
  });

  it('writes an empty list as {}', () => {
    expect(recordListBytes({ records: [], ownerRecords: [], rankCount: 0 }).toString()).toBe('{}');
  });
});
