/**
 * The notification store on the database port, against SQLite and PostgreSQL through the contract
 * harness: the behaviour of today's stores, plus joining a caller's transaction.
 */
import { expect, it } from 'vitest';
import { describeStoreContract } from '../../../../test/store-contract.ts';
import type { AnyDb } from '../../../db/db.ts';
import { newUuid, newUuidV7 } from '../../../shared/ids.ts';
import { InvalidCursorError, type NotificationRecord } from '../../../storage/types.ts';
import { ACCOUNT_MIGRATIONS } from '../../accounts/migrations.ts';
import { NOTIFICATION_MIGRATIONS } from '../migrations.ts';
import { createNotificationStore } from './notification-store.ts';

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

/** Adds a user row (the accounts feature's table; its store is not on the port yet). */
async function addUser(db: AnyDb, username: string): Promise<string> {
  const id = newUuid();
  if (db.dialect === 'sqlite') {
    await db.run((c) =>
      c
        .prepare('INSERT INTO users (id, username, create_time, update_time) VALUES (?, ?, ?, ?)')
        .run(id, username, T0, T0),
    );
  } else {
    await db.query('INSERT INTO users (id, username, create_time, update_time) VALUES ($1, $2, $3, $3)', [
      id,
      username,
      new Date(T0),
    ]);
  }
  return id;
}

/** Changes a user row: another feature's write, to share a transaction with. */
async function rename(db: AnyDb, id: string, username: string): Promise<void> {
  if (db.dialect === 'sqlite') {
    await db.run((c) => c.prepare('UPDATE users SET username = ? WHERE id = ?').run(username, id));
  } else {
    await db.query('UPDATE users SET username = $1 WHERE id = $2', [username, id]);
  }
}

async function usernameOf(db: AnyDb, id: string): Promise<string | undefined> {
  if (db.dialect === 'sqlite') {
    return db.run(
      (c) =>
        (c.prepare('SELECT username FROM users WHERE id = ?').get(id) as { username: string } | undefined)
          ?.username,
    );
  }
  return (await db.row<{ username: string }>('SELECT username FROM users WHERE id = $1', [id]))?.username;
}

describeStoreContract(
  'notification store',
  { migrations: [ACCOUNT_MIGRATIONS, NOTIFICATION_MIGRATIONS], setup: createNotificationStore },
  (store, backend) => {
    const twoUsers = async () =>
      [await addUser(backend.db(), 'nora'), await addUser(backend.db(), 'otto')] as const;

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
      const empty = await s.listNotifications(newUuid(), { limit: 5 });
      expect(empty.notifications).toEqual([]);
      const fromStart = await s.listNotifications(otto, { limit: 5, cursor: empty.cacheableCursor });
      expect(fromStart.notifications).toEqual([first[2]]);
      await expect(s.listNotifications(nora, { limit: 1, cursor: '%%%' })).rejects.toBeInstanceOf(
        InvalidCursorError,
      );
      await expect(s.listNotifications(nora, { limit: 101 })).rejects.toBeInstanceOf(RangeError);
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

    it("joins the caller's transaction: another feature's write and the push commit or vanish together", async () => {
      const s = store();
      const db = backend.db();
      const [nora] = await twoUsers();
      const pushed: string[] = [];
      const send = (n: NotificationRecord, name: string) =>
        db.tx(async () => {
          await rename(db, nora, name);
          await s.insertNotifications([n]);
          db.afterCommit(() => pushed.push(n.subject));
          if (name === 'fail') throw new Error('rolled back');
        });

      await expect(send(notification(nora, 1), 'fail')).rejects.toThrow('rolled back');
      expect(await usernameOf(db, nora)).toBe('nora');
      expect((await s.listNotifications(nora, { limit: 10 })).notifications).toEqual([]);
      expect(pushed).toEqual([]);

      const kept = notification(nora, 2);
      await send(kept, 'nora2');
      expect(await usernameOf(db, nora)).toBe('nora2');
      expect((await s.listNotifications(nora, { limit: 10 })).notifications).toEqual([kept]);
      expect(pushed).toEqual(['subject 2']);
    });
  },
);
