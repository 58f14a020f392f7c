/**
 * The leaderboard and tournament services on real databases (both backends, through the contract
 * harness) with a manual clock: Nakama's operator semantics, exact ranks against a sort of the
 * stored rows, pages and cursors, the rank index surviving rollbacks and restarts, resets and
 * tournament rules, and bad input.
 */
import { expect, it } from 'vitest';
import { describeStoreContract } from '../../../test/store-contract.ts';
import { pick } from '../../database.ts';
import type { AnyDb } from '../../db/db.ts';
import { createLogger } from '../../observability/logger.ts';
import { ManualClock } from '../../shared/clock.ts';
import { DomainError } from '../../shared/domain-error.ts';
import { newUuid } from '../../shared/ids.ts';
import { BoardRegistry } from './board-registry.ts';
import { LeaderboardService } from './leaderboard-service.ts';
import { LEADERBOARD_MIGRATIONS } from './migrations.ts';
import { RankBook } from './rank-book.ts';
import { ResetScheduler } from './reset-scheduler.ts';
import { leaderboardStores } from './store/dialects.ts';
import { TournamentService } from './tournament-service.ts';

const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);
const SERVER = { authoritative: true };
const CLIENT = { authoritative: false };

async function build(db: AnyDb, clock: ManualClock) {
  const logger = createLogger('silent');
  const store = pick(db, leaderboardStores);
  const boards = new BoardRegistry({ store, clock });
  const ranks = new RankBook({ store, logger });
  const lb = new LeaderboardService({ store, db, clock, ranks, boards, logger });
  const tn = new TournamentService(lb);
  await boards.load();
  await ranks.rebuild(lb.nowSec(), (id) => boards.cached(id));
  const calls: string[] = [];
  const scheduler = new ResetScheduler({
    leaderboards: lb,
    tournaments: tn,
    clock,
    logger,
    hooks: () => ({
      leaderboardReset: (b, reset) => void calls.push(`reset ${b.id} ${reset}`),
      tournamentEnd: (t, end) => void calls.push(`end ${t.board.id} ${end}`),
      tournamentReset: (t, _end, reset) => void calls.push(`treset ${t.board.id} ${reset}`),
    }),
  });
  scheduler.start();
  scheduler.close(); // the tests drive it with runDue()
  return { lb, tn, scheduler, calls, store };
}

/** The domain error a promise rejects with: its kind and message. */
async function failure(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof DomainError)) throw new Error(`expected a DomainError, got ${String(err)}`);
  return `${err.kind} ${err.message}`;
}

const clock = new ManualClock(T0);

describeStoreContract(
  'leaderboard service',
  {
    migrations: [LEADERBOARD_MIGRATIONS],
    setup: (db) => {
      clock.advance(T0 - clock.now());
      return build(db, clock);
    },
  },
  (svc, backend) => {
    const write = (id: string, ownerId: string, score: unknown, subscore: unknown = 0, extra = {}) =>
      svc().lb.writeRecord(id, { ownerId, score, subscore, ...extra }, SERVER);

    it('applies best, set, incr and decr as Nakama does', async () => {
      const { lb } = svc();
      const o = newUuid();
      await lb.createLeaderboard({ id: 'best' });
      expect(await write('best', o, 10, 5)).toMatchObject({ score: 10n, subscore: 5n, numScore: 1, rank: 1 });
      // Each field takes the better value independently: (10,5) then (8,7) is (10,7).
      expect(await write('best', o, 8, 7)).toMatchObject({ score: 10n, subscore: 7n, numScore: 2 });
      expect(await write('best', o, 9, 1)).toMatchObject({ score: 10n, subscore: 7n, numScore: 2 });
      await lb.createLeaderboard({ id: 'best-asc', sortOrder: 'ascending' });
      await write('best-asc', o, 10, 5);
      expect(await write('best-asc', o, 8, 7)).toMatchObject({ score: 8n, subscore: 5n });
      await lb.createLeaderboard({ id: 'set', operator: 'set' });
      await write('set', o, 10);
      expect(await write('set', o, 3)).toMatchObject({ score: 3n, numScore: 2 });
      expect(await write('set', o, 3)).toMatchObject({ score: 3n, numScore: 2 });
      await lb.createLeaderboard({ id: 'incr', operator: 'increment' });
      await write('incr', o, 10);
      expect(await write('incr', o, '9007199254740993')).toMatchObject({ score: 9007199254741003n });
      expect(await write('incr', o, -3)).toMatchObject({ score: 9007199254741000n });
      await lb.createLeaderboard({ id: 'decr', operator: 'decr' });
      expect(await write('decr', o, 10)).toMatchObject({ score: 0n, subscore: 0n });
      // A per-write override (server code) and metadata kept when absent.
      const m = await write('best', o, 1, 0, { operator: 'set', metadata: { a: 1 } });
      expect(m).toMatchObject({ score: 1n, subscore: 0n, metadata: '{"a":1}' });
      expect((await write('best', o, 2))?.metadata).toBe('{"a":1}');
    });

    it('serves exact ranks from the index, in step through rollbacks and restarts', async () => {
      const { lb } = svc();
      await lb.createLeaderboard({ id: 'r' });
      const owners = Array.from({ length: 60 }, () => newUuid());
      for (const [i, o] of owners.entries()) await write('r', o, i % 7, i % 3);
      const expected = [...owners.entries()]
        .map(([i, o]) => ({ o, s: i % 7, ss: i % 3 }))
        .sort((a, b) => b.s - a.s || b.ss - a.ss || (a.o < b.o ? 1 : -1))
        .map((r) => r.o);
      const page1 = await lb.listRecords('r', { limit: 25 });
      expect(page1.records.map((r) => r.ownerId)).toEqual(expected.slice(0, 25));
      expect(page1.records.map((r) => r.rank)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
      expect(page1.rankCount).toBe(60);
      const page2 = await lb.listRecords('r', { limit: 25, cursor: page1.nextCursor });
      expect(page2.records.map((r) => r.rank)).toEqual(Array.from({ length: 25 }, (_, i) => i + 26));
      const back = await lb.listRecords('r', { limit: 25, cursor: page2.prevCursor });
      expect(back.records.map((r) => r.ownerId)).toEqual(expected.slice(0, 25));
      const mid = expected[30]!;
      const around = await lb.haystack('r', mid, { limit: 10 });
      // Up to 10 above and 5 below, then the last 10 of those: Nakama's window favours the end.
      expect(around.records.map((r) => r.rank)).toEqual([27, 28, 29, 30, 31, 32, 33, 34, 35, 36]);
      expect(around.records.map((r) => r.ownerId)).toEqual(expected.slice(26, 36));
      expect(
        (await lb.listRecords('r', { limit: 0, ownerIds: [mid.toUpperCase()] })).ownerRecords[0]?.rank,
      ).toBe(31);

      // A write whose transaction rolls back never reaches the index.
      const last = expected[59]!;
      await expect(
        backend.db().tx(async () => {
          await write('r', last, 100);
          throw new Error('rolled back');
        }),
      ).rejects.toThrow('rolled back');
      expect(svc().lb.ranks.held({ leaderboardId: 'r', expiryTime: 0 })?.rankOf(last)).toBe(60);
      await lb.deleteRecord('r', expected[0]!, SERVER);
      expect((await write('r', last, 100)).rank).toBe(1);

      // A restarted server rebuilds the same ranks from the database.
      await backend.reopen();
      const again = await svc().lb.listRecords('r', { limit: 3, ownerIds: [mid] });
      expect(again.records.map((r) => r.ownerId)).toEqual([last, ...expected.slice(1, 3)]);
      expect(again.ownerRecords[0]?.rank).toBe(31); // one above deleted, one moved above
      expect(again.rankCount).toBe(59);
    });

    it('deletes an owner everywhere (account deletion), in the caller transaction, ranks following', async () => {
      const { lb } = svc();
      await lb.createLeaderboard({ id: 'x' });
      await lb.createLeaderboard({ id: 'y', sortOrder: 'asc' });
      const [gone, kept] = [newUuid(), newUuid()];
      for (const id of ['x', 'y']) {
        await write(id, gone, 10);
        await write(id, kept, 5);
      }
      await expect(
        backend.db().tx(async () => {
          expect(await lb.deleteOwner(gone)).toBe(2);
          throw new Error('account deletion failed later');
        }),
      ).rejects.toThrow('account deletion failed later');
      expect((await lb.listRecords('x', { limit: 0, ownerIds: [kept] })).ownerRecords[0]?.rank).toBe(2);
      await backend.db().tx(() => lb.deleteOwner(gone));
      for (const id of ['x', 'y']) {
        const list = await lb.listRecords(id, { limit: 10, ownerIds: [kept] });
        expect(list.records.map((r) => [r.ownerId, r.rank])).toEqual([[kept, 1]]);
        expect(list.rankCount).toBe(1);
      }
    });

    it('refuses bad input with Nakama codes and writes nothing', async () => {
      const { lb } = svc();
      await lb.createLeaderboard({ id: 'auth', authoritative: true });
      await lb.createLeaderboard({ id: 'open' });
      const o = newUuid();
      expect(await failure(lb.writeRecord('auth', { ownerId: o, score: 1 }, CLIENT))).toBe(
        'PERMISSION_DENIED Leaderboard only allows authoritative score submissions.',
      );
      expect(await failure(lb.writeRecord('nope', { ownerId: o, score: 1 }, CLIENT))).toBe(
        'NOT_FOUND Leaderboard not found.',
      );
      expect(await failure(write('open', o, 1.5))).toMatch(/^INVALID_ARGUMENT Invalid score/);
      expect(await failure(write('open', o, '9223372036854775808'))).toMatch(
        /^INVALID_ARGUMENT Invalid score/,
      );
      expect(await failure(write('open', o, -1))).toMatch(/^INVALID_ARGUMENT Invalid score/);
      expect(await failure(write('open', o, 1, 0, { metadata: '[1]' }))).toBe(
        'INVALID_ARGUMENT Metadata value must be JSON, if provided.',
      );
      expect(await failure(lb.createLeaderboard({ id: 'c', resetSchedule: '0 0 30 2 *' }))).toBe(
        'INVALID_ARGUMENT expects reset schedule to be a valid CRON expression',
      );
      expect(await failure(lb.createLeaderboard({ id: 'c', resetSchedule: 'every day' }))).toMatch(
        /valid CRON/,
      );
      expect(await failure(lb.createLeaderboard({ id: 'c', metadata: [1] }))).toMatch(
        /metadata to be an object/,
      );
      await write('open', o, 1);
      const page = await lb.listRecords('open', { limit: 1 });
      expect(await failure(lb.listRecords('auth', { limit: 1, cursor: page.nextCursor ?? 'x' }))).toBe(
        'INVALID_ARGUMENT Cursor is invalid or expired.',
      );
      expect((await lb.listRecords('open', { limit: 10 })).records).toHaveLength(1);
      expect((await lb.listRecords('auth', { limit: 10 })).records).toHaveLength(0);
    });

    it('resets a scheduled board: callback, new period, old period readable by expiry', async () => {
      const { lb, scheduler, calls } = svc();
      await lb.createLeaderboard({ id: 'daily', resetSchedule: '0 0 * * *' });
      const [a, b] = [newUuid(), newUuid()];
      const first = await write('daily', a, 5);
      const midnight = Date.UTC(2025, 0, 2) / 1000;
      expect(first.expiryTime).toBe(midnight);
      await write('daily', b, 9);
      clock.advance(13 * 3600 * 1000); // 01:00 the next day
      expect(await scheduler.runDue()).toBe(1);
      expect(calls).toEqual([`reset daily ${midnight}`]);
      expect(lb.ranks.held({ leaderboardId: 'daily', expiryTime: midnight })).toBeUndefined();
      expect((await lb.listRecords('daily', { limit: 10 })).records).toEqual([]);
      const again = await write('daily', a, 1);
      expect(again).toMatchObject({ rank: 1, expiryTime: midnight + 86400, numScore: 1 });
      const old = await lb.listRecords('daily', { limit: 10, expiry: midnight, ownerIds: [a] });
      expect(old.records.map((r) => [r.ownerId, r.rank])).toEqual([
        [b, 1],
        [a, 2],
      ]);
      expect(old.ownerRecords[0]?.rank).toBe(2);
      // No index holds the old period: around-owner reads the database and counts the rows above.
      const oldAround = await lb.haystack('daily', a, { limit: 1, expiry: midnight });
      expect(oldAround.records.map((r) => [r.ownerId, r.rank])).toEqual([[a, 2]]);
      expect(oldAround.prevCursor).toBeDefined();
    });

    it('applies tournament rules: window, joining, size, attempts, end', async () => {
      const { tn, scheduler, calls } = svc();
      const now = Math.floor(T0 / 1000);
      await tn.create({ id: 'later', duration: 60, startTime: now + 100 });
      const o = newUuid();
      expect(await failure(tn.write('later', { ownerId: o, score: 1 }, SERVER))).toBe(
        'FAILED_PRECONDITION Tournament is not active and cannot accept new scores.',
      );
      expect(await failure(tn.write('later', { ownerId: o, score: 1 }, CLIENT))).toBe(
        'PERMISSION_DENIED Tournament only allows authoritative score submissions.',
      );
      await tn.create({
        id: 'cup',
        duration: 600,
        endTime: now + 3600,
        joinRequired: true,
        maxSize: 2,
        maxNumScore: 2,
      });
      expect(await failure(tn.write('cup', { ownerId: o, score: 1 }, SERVER))).toBe(
        'FAILED_PRECONDITION Must join tournament before attempting to write value.',
      );
      const [p, q, r] = [newUuid(), newUuid(), newUuid()];
      await tn.join('cup', o, 'o');
      await tn.join('cup', o, 'o'); // a second join is a no-op
      await tn.join('cup', p, 'p');
      expect(await failure(tn.join('cup', q, 'q'))).toBe(
        'FAILED_PRECONDITION Tournament cannot be joined as it has reached its max size.',
      );
      expect((await tn.view(await tn.tournament('cup'))).size).toBe(2);
      expect(await tn.write('cup', { ownerId: o, score: 5 }, SERVER)).toMatchObject({
        score: 5n,
        numScore: 1,
        rank: 1,
      });
      await tn.write('cup', { ownerId: o, score: 7 }, SERVER);
      // Past max_num_score a joined participant's write is ignored, as Nakama does.
      expect(await tn.write('cup', { ownerId: o, score: 9 }, SERVER)).toMatchObject({
        score: 7n,
        numScore: 2,
      });
      await tn.addAttempt('cup', o, 1);
      expect(await tn.write('cup', { ownerId: o, score: 9 }, SERVER)).toMatchObject({
        score: 9n,
        numScore: 3,
      });

      await tn.create({ id: 'open', duration: 600, maxNumScore: 1, sortOrder: 'asc' });
      await tn.write('open', { ownerId: r, score: 3 }, SERVER);
      expect(await failure(tn.write('open', { ownerId: r, score: 2 }, SERVER))).toBe(
        'FAILED_PRECONDITION Reached allowed max number of score attempts.',
      );
      expect((await tn.list({})).tournaments.map((t) => t.board.id)).toEqual(['cup', 'open', 'later']); // end time descending: 0 (never) last

      clock.advance(601 * 1000);
      await scheduler.runDue();
      expect(calls).toContain(`end cup ${now + 600}`);
      expect(calls).toContain(`end open ${now + 600}`);
      clock.advance(3600 * 1000);
      expect(await failure(tn.write('cup', { ownerId: o, score: 1 }, SERVER))).toBe(
        'NOT_FOUND Tournament not found or has ended.',
      );
      expect(await failure(tn.listRecords('cup', { limit: 10 }))).toBe('NOT_FOUND Tournament has ended.');
      expect(await failure(tn.create({ id: 'open', duration: 0 }))).toBe(
        'INVALID_ARGUMENT duration must be > 0',
      );
      await svc().lb.createLeaderboard({ id: 'plain' });
      expect(await failure(tn.create({ id: 'plain', duration: 5 }))).toBe(
        'INVALID_ARGUMENT cannot create tournament as leaderboard is already in use',
      );
    });
  },
);
