/**
 * The leaderboard store against SQLite and PostgreSQL through the contract harness: boards, exact
 * int64 scores, keyset scans in both orders and directions, the naive rank count, tournament places
 * under concurrent claims, restarts and joining a caller's transaction.
 */
import { expect, it } from 'vitest';
import { describeStoreContract } from '../../../../test/store-contract.ts';
import { pick } from '../../../database.ts';
import { newUuid } from '../../../shared/ids.ts';
import {
  type Board,
  DEFAULT_MAX_NUM_SCORE,
  type LeaderboardRecord,
  MAX_SCORE,
  SortOrder,
} from '../leaderboard-types.ts';
import { LEADERBOARD_MIGRATIONS } from '../migrations.ts';
import { leaderboardStores } from './dialects.ts';

const T0 = new Date('2025-03-01T12:00:00.000Z');

const board = (id: string, sortOrder: SortOrder = SortOrder.DESC): Board => ({
  id,
  authoritative: false,
  sortOrder,
  operator: 0,
  resetSchedule: null,
  metadata: '{"a":1}',
  createTime: T0,
  tournament: false,
  category: 0,
  title: '',
  description: '',
  duration: 0,
  startTime: 0,
  endTime: 0,
  maxSize: 0,
  maxNumScore: DEFAULT_MAX_NUM_SCORE,
  joinRequired: false,
});

const record = (
  leaderboardId: string,
  ownerId: string,
  score: bigint,
  subscore = 0n,
  expiryTime = 0,
): LeaderboardRecord => ({
  leaderboardId,
  ownerId,
  username: `u-${ownerId.slice(0, 4)}`,
  score,
  subscore,
  numScore: 1,
  maxNumScore: DEFAULT_MAX_NUM_SCORE,
  metadata: '{}',
  createTime: T0.getTime(),
  updateTime: T0.getTime(),
  expiryTime,
});

/** Owner ids in a known text order. */
const owner = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

describeStoreContract(
  'leaderboard store',
  { migrations: [LEADERBOARD_MIGRATIONS], setup: (db) => pick(db, leaderboardStores) },
  (store, backend) => {
    it('stores boards once and reads them back after a restart', async () => {
      expect(await store().createBoard(board('b1'))).toBe(true);
      expect(await store().createBoard({ ...board('b1'), authoritative: true })).toBe(false);
      await store().createBoard({
        ...board('t1', SortOrder.ASC),
        tournament: true,
        duration: 60,
        endTime: 99,
      });
      await backend.reopen();
      expect(await store().getBoard('b1')).toEqual(board('b1'));
      expect((await store().listBoards()).map((b) => [b.id, b.tournament, b.sortOrder, b.endTime])).toEqual([
        ['b1', false, SortOrder.DESC, 0],
        ['t1', true, SortOrder.ASC, 99],
      ]);
      expect(await store().deleteBoard('b1')).toBe(true);
      expect(await store().getBoard('b1')).toBeNull();
    });

    it('keeps int64 scores exact and refuses a second insert of the same owner and period', async () => {
      await store().createBoard(board('b'));
      const big = record('b', owner(1), MAX_SCORE, MAX_SCORE - 1n);
      expect(await store().insertRecord(big)).toBe(true);
      expect(await store().insertRecord({ ...big, score: 1n })).toBe(false);
      expect(await store().insertRecord({ ...big, expiryTime: 100 })).toBe(true);
      expect(await store().getRecord({ leaderboardId: 'b', expiryTime: 0 }, owner(1))).toEqual(big);
      await store().updateRecord({ ...big, score: 2n ** 53n + 1n, numScore: 2, metadata: '{"x":1}' });
      const read = await store().getRecord({ leaderboardId: 'b', expiryTime: 0 }, owner(1));
      expect(read?.score).toBe(2n ** 53n + 1n);
      expect(read?.numScore).toBe(2);
      expect(read?.metadata).toBe('{"x":1}');
    });

    it('scans in rank order both ways, from a keyset position, on both sort orders', async () => {
      for (const order of [SortOrder.DESC, SortOrder.ASC]) {
        const id = `b${order}`;
        await store().createBoard(board(id, order));
        // Ties on score break by subscore, then owner id.
        const rows = [
          {
            ...record(id, owner(1), 10n, 1n),
            username: 'u1',
            metadata: '{"a":1}',
            createTime: Date.parse('2025-03-01T12:00:00.123Z'),
            updateTime: Date.parse('1969-12-31T23:59:59.456Z'),
          },
          record(id, owner(2), 10n, 1n),
          record(id, owner(3), 10n, 2n),
          record(id, owner(4), 5n),
          record(id, owner(5), 20n),
        ];
        await store().insertRecords(rows);
        const period = { leaderboardId: id, expiryTime: 0 };
        const all = await store().scanRecords({ ...period, order, limit: 10 });
        const expected =
          order === SortOrder.DESC
            ? [owner(5), owner(3), owner(2), owner(1), owner(4)]
            : [owner(4), owner(1), owner(2), owner(3), owner(5)];
        expect(all.map((r) => r.ownerId)).toEqual(expected);
        // Every field comes back as written, times to the millisecond.
        for (const r of all) expect(r).toEqual({ ...rows.find((w) => w.ownerId === r.ownerId), rank: 0 });
        const from = all[1]!;
        const next = await store().scanRecords({ ...period, order, after: from, limit: 2 });
        expect(next.map((r) => r.ownerId)).toEqual(expected.slice(2, 4));
        const back = await store().scanRecords({
          ...period,
          order,
          after: all[3]!,
          backward: true,
          limit: 10,
        });
        expect(back.map((r) => r.ownerId)).toEqual(expected.slice(0, 3).reverse());
        expect(await store().countAbove(period, order, all[3]!)).toBe(3);
        expect(await store().countRecords(period)).toBe(5);
      }
    });

    it('lists live periods, deletes records and an owner everywhere', async () => {
      await store().createBoard(board('b'));
      await store().insertRecords([
        record('b', owner(1), 1n, 0n, 0),
        record('b', owner(1), 1n, 0n, 1000),
        record('b', owner(2), 1n, 0n, 3000),
        record('b', owner(3), 1n, 0n, 3000),
      ]);
      const live = await store().livePeriods(2000);
      expect(live.sort((a, b) => a.expiryTime - b.expiryTime)).toEqual([
        { leaderboardId: 'b', expiryTime: 0, count: 1 },
        { leaderboardId: 'b', expiryTime: 3000, count: 2 },
      ]);
      const gone = await store().deleteRecord({ leaderboardId: 'b', expiryTime: 3000 }, owner(2));
      expect(gone?.ownerId).toBe(owner(2));
      expect(await store().deleteRecord({ leaderboardId: 'b', expiryTime: 3000 }, owner(2))).toBeNull();
      const periods = await store().deleteOwnerRecords(owner(1));
      expect(periods.map((p) => p.expiryTime).sort((a, b) => a - b)).toEqual([0, 1000]);
      expect(
        await store().getRecords({ leaderboardId: 'b', expiryTime: 3000 }, [owner(1), owner(3)]),
      ).toHaveLength(1);
    });

    it('counts tournament places per period, exactly, under concurrent claims', async () => {
      await store().createBoard({ ...board('t'), tournament: true, duration: 60, maxSize: 5 });
      const period = { leaderboardId: 't', expiryTime: 500 };
      const claims = await Promise.all(
        Array.from({ length: 12 }, () => backend.db().tx(() => store().claimSlot(period, 5))),
      );
      expect(claims.filter(Boolean)).toHaveLength(5);
      expect(await store().slotCount(period)).toBe(5);
      // A new period starts counting again; the old one reads as empty once superseded.
      expect(await store().claimSlot({ ...period, expiryTime: 900 }, 5)).toBe(true);
      expect(await store().slotCount({ ...period, expiryTime: 900 })).toBe(1);
      expect(await store().slotCount(period)).toBe(0);
    });

    it('joins a caller transaction: rolled back with it, committed with it', async () => {
      await store().createBoard(board('b'));
      const db = backend.db();
      const id = newUuid();
      await expect(
        db.tx(async () => {
          await store().insertRecord(record('b', id, 7n));
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(await store().getRecord({ leaderboardId: 'b', expiryTime: 0 }, id)).toBeNull();
      await db.tx(async () => {
        await store().insertRecord(record('b', id, 7n));
        const locked = await store().getRecord({ leaderboardId: 'b', expiryTime: 0 }, id, {
          forUpdate: true,
        });
        expect(locked?.score).toBe(7n);
      });
      expect((await store().getRecord({ leaderboardId: 'b', expiryTime: 0 }, id))?.score).toBe(7n);
    });
  },
);
