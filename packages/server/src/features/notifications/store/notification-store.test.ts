/**
 * The notification store on the database port, against SQLite and PostgreSQL through the contract
 * harness: the behaviour of the stores before the port, plus restarts, cursors handed out before the
 * move, and joining a caller's transaction.
 */
import { expect, it } from 'vitest';
import { describeStoreContract } from '../../../../test/store-contract.ts';
import { pick } from '../../../database.ts';
import { InvalidCursorError } from '../../../db/cursor.ts';
import { newUuid, newUuidV7 } from '../../../shared/ids.ts';
import { ACCOUNT_MIGRATIONS } from '../../accounts/migrations.ts';
import { accountStores } from '../../accounts/store/dialects.ts';
import { NOTIFICATION_MIGRATIONS } from '../migrations.ts';
import { notificationStores } from './dialects.ts';
import type { NotificationRecord } from './notification-store.ts';

const T0 = Date.parse('2025-03-01T12:00:00.000Z');

/** Notification `n` for a user, `ms` after T0. */
const notification = (userId: string, n: number, ms = n, senderId: string | null = null) =>
  ({
    id: newUuidV7(T0 + ms),
    userId,
    subject: `subject ${n}`,
    content: JSON.stringify({ n }),
    code: n,
    senderId,
    createTime: new Date(T0 + ms),
  }) satisfies NotificationRecord;

describeStoreContract(
  'notification store',
  {
    migrations: [ACCOUNT_MIGRATIONS, NOTIFICATION_MIGRATIONS],
    // The account store too: recipients must exist, and its writes share transactions with ours.
    setup: (db) => ({ notifications: pick(db, notificationStores), accounts: pick(db, accountStores) }),
  },
  (stores, backend) => {
    const store = () => stores().notifications;
    const addUser = async (username: string, id = newUuid()) =>
      (
        await stores().accounts.createAccount({
          id,
          username,
          identity: { kind: 'device', id: `device-${username}` },
          now: new Date(T0),
        })
      ).id;
    const twoUsers = async () => [await addUser('nora'), await addUser('otto')] as const;

    it('pages notifications with a cacheable cursor that stays valid as new ones arrive', async () => {
      const s = store();
      const [nora, otto] = await twoUsers();
      const first = [notification(nora, 1, 1, otto), notification(nora, 2), notification(otto, 3)];
      await s.insertNotifications(first);
      const p1 = await s.listNotifications(nora, { limit: 1 });
      expect(p1.notifications).toEqual([first[0]]);
      const p2 = await s.listNotifications(nora, { limit: 1, cursor: p1.cacheableCursor });
      expect(p2.notifications).toEqual([first[1]]);
      const p3 = await s.listNotifications(nora, { limit: 1, cursor: p2.cacheableCursor });
      expect(p3.notifications).toEqual([]);
      expect(p3.cacheableCursor).toBe(p2.cacheableCursor);
      const later = notification(nora, 4);
      await s.insertNotifications([later]);
      expect(
        (await s.listNotifications(nora, { limit: 100, cursor: p3.cacheableCursor })).notifications,
      ).toEqual([later]);
      // An empty first listing still hands out a cursor, which then starts at the beginning.
      const empty = await s.listNotifications(newUuid(), { limit: 5 });
      expect(empty.notifications).toEqual([]);
      const fromStart = await s.listNotifications(otto, { limit: 5, cursor: empty.cacheableCursor });
      expect(fromStart.notifications).toEqual([first[2]]);
      await expect(s.listNotifications(nora, { limit: 1, cursor: '%%%' })).rejects.toBeInstanceOf(
        InvalidCursorError,
      );
      await expect(s.listNotifications(nora, { limit: 101 })).rejects.toBeInstanceOf(RangeError);
    });

    it('accepts cursors handed out before the database port, and still writes them the same', async () => {
      const s = store();
      const nora = await addUser('nora');
      // Written by storage/pagination.ts (removed): after (T0 + 2 ms, id …0001), and the start.
      const AFTER_FIRST = 'WzEsMTc0MDgzMDQwMDAwMiwiMDE5NTUyMDgtOWMwMi03MDAwLTgwMDAtMDAwMDAwMDAwMDAxIl0';
      const START = 'WzFd';
      const ns = [1, 2, 3].map((n) => ({
        ...notification(nora, n, n + 1),
        id: `01955208-9c0${n + 1}-7000-8000-00000000000${n}`,
      }));
      await s.insertNotifications(ns);
      const page = await s.listNotifications(nora, { limit: 10, cursor: AFTER_FIRST });
      expect(page.notifications).toEqual(ns.slice(1));
      expect((await s.listNotifications(nora, { limit: 10, cursor: START })).notifications).toEqual(ns);
      expect((await s.listNotifications(nora, { limit: 1 })).cacheableCursor).toBe(AFTER_FIRST);
      expect((await s.listNotifications(newUuid(), { limit: 1 })).cacheableCursor).toBe(START);
    });

    it("deletes only the caller's notifications", async () => {
      const s = store();
      const [nora, otto] = await twoUsers();
      const ns = [notification(nora, 1), notification(nora, 2), notification(otto, 3)];
      await s.insertNotifications(ns);
      expect(await s.deleteNotifications(nora, [ns[0]!.id, ns[2]!.id, newUuid(), 'junk'])).toBe(1);
      expect(await s.deleteNotifications(nora, [])).toBe(0);
      expect((await s.listNotifications(nora, { limit: 10 })).notifications).toEqual([ns[1]]);
      expect((await s.listNotifications(otto, { limit: 10 })).notifications).toEqual([ns[2]]);
    });

    it('stores a batch of notifications all or none (every recipient must exist)', async () => {
      const s = store();
      const [nora] = await twoUsers();
      await expect(
        s.insertNotifications([notification(nora, 1), notification(newUuid(), 2)]),
      ).rejects.toThrow();
      expect((await s.listNotifications(nora, { limit: 10 })).notifications).toEqual([]);
      await s.insertNotifications([]);
    });

    it('keeps notifications across a reopen', async () => {
      const nora = await addUser('nora');
      const n = notification(nora, 1);
      await store().insertNotifications([n]);
      await backend.reopen();
      expect((await store().listNotifications(nora, { limit: 10 })).notifications).toEqual([n]);
    });

    it("joins the caller's transaction: another feature's write and the push commit or vanish together", async () => {
      const s = store();
      const db = backend.db();
      const { accounts } = stores();
      const [nora] = await twoUsers();
      const pushed: string[] = [];
      const send = (n: NotificationRecord, name: string) =>
        db.tx(async () => {
          await accounts.updateProfile(nora, { username: name }, new Date(T0 + 1));
          await s.insertNotifications([n]);
          db.afterCommit(() => pushed.push(n.subject));
          if (name === 'fail') throw new Error('rolled back');
        });

      await expect(send(notification(nora, 1), 'fail')).rejects.toThrow('rolled back');
      expect((await accounts.getUser(nora))?.username).toBe('nora');
      expect((await s.listNotifications(nora, { limit: 10 })).notifications).toEqual([]);
      expect(pushed).toEqual([]);

      const kept = notification(nora, 2);
      await send(kept, 'nora2');
      expect((await accounts.getUser(nora))?.username).toBe('nora2');
      expect((await s.listNotifications(nora, { limit: 10 })).notifications).toEqual([kept]);
      expect(pushed).toEqual(['subject 2']);
    });

    it("creates the recipient and its first notification in one transaction (the batch's all-or-none holds inside it)", async () => {
      const db = backend.db();
      const s = store();
      const id = newUuid();
      await expect(
        db.tx(async () => {
          await addUser('pia', id);
          await s.insertNotifications([notification(id, 1), notification(newUuid(), 2)]);
        }),
      ).rejects.toThrow();
      expect(await stores().accounts.getUser(id)).toBeNull();
      await db.tx(async () => {
        await addUser('pia', id);
        await s.insertNotifications([notification(id, 3)]);
      });
      expect((await s.listNotifications(id, { limit: 10 })).notifications.map((n) => n.code)).toEqual([3]);
    });
  },
);
