import { describe, expect, it } from 'vitest';
import { recordListBody, recordListJson, recordListText } from './leaderboard-json.ts';
import type { RankedRecord } from './leaderboard-types.ts';
import type { RecordList } from './record-reads.ts';

const base: RankedRecord = {
  leaderboardId: 'board "one"',
  ownerId: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
  username: null,
  score: 0n,
  subscore: 0n,
  numScore: 0,
  maxNumScore: 0,
  metadata: '',
  createTime: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678)),
  updateTime: new Date(Date.UTC(1999, 11, 31, 23, 59, 59)),
  expiryTime: 0,
  rank: 0,
};
const full: RankedRecord = {
  ...base,
  username: 'ü "quoted" \\ \n\u2028',
  score: 9_223_372_036_854_775_807n,
  subscore: 3n,
  numScore: 12,
  maxNumScore: 5,
  metadata: '{"a":"</script>"}',
  expiryTime: 1_767_225_600,
  rank: 1_000_000,
};

describe('recordListText', () => {
  const lists: [string, RecordList][] = [
    ['empty', { records: [], ownerRecords: [], rankCount: 0 }],
    ['owner records only', { records: [], ownerRecords: [full], rankCount: 7 }],
    [
      'records, owners, both cursors',
      {
        records: [base, full, { ...full, leaderboardId: 'other' }],
        ownerRecords: [base],
        nextCursor: 'next+/=',
        prevCursor: 'prev',
        rankCount: 3,
      },
    ],
    ['a cursor and no records', { records: [], ownerRecords: [], nextCursor: 'n', rankCount: 0 }],
  ];

  it.each(lists)('writes exactly the JSON of recordListJson: %s', (_name, list) => {
    const text = recordListText(list);
    expect(text).toBe(JSON.stringify(recordListJson(list)));
    expect(JSON.stringify(recordListBody(list))).toBe(text);
    expect(recordListBody(list).value()).toEqual(recordListJson(list));
  });
});
