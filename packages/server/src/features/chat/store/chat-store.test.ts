/**
 * The chat store on the database port, against SQLite and PostgreSQL through the contract harness:
 * the behaviour of the stores before the port, plus restarts, cursors handed out before the move, and
 * a message and the notification it causes in one transaction.
 */
import { expect, it } from 'vitest';
import { describeStoreContract } from '../../../../test/store-contract.ts';
import { pick } from '../../../database.ts';
import { InvalidCursorError } from '../../../db/cursor.ts';
import { newUuid, newUuidV7 } from '../../../shared/ids.ts';
import { ACCOUNT_MIGRATIONS } from '../../accounts/migrations.ts';
import { accountStores } from '../../accounts/store/dialects.ts';
import { NOTIFICATION_MIGRATIONS } from '../../notifications/migrations.ts';
import { notificationStores } from '../../notifications/store/dialects.ts';
import { CHAT_MIGRATIONS } from '../migrations.ts';
import type { ChatHistoryPage, ChatMessageRecord } from './chat-store.ts';
import { chatStores } from './dialects.ts';

const T0 = Date.parse('2025-03-01T12:00:00.000Z');
const ROOM = '2...lobby';
const OTHER_ROOM = '2...other';

const contents = (page: ChatHistoryPage) => page.messages.map((m) => JSON.parse(m.content).n as number);

describeStoreContract(
  'chat store',
  {
    migrations: [ACCOUNT_MIGRATIONS, CHAT_MIGRATIONS, NOTIFICATION_MIGRATIONS],
    setup: (db) => ({
      chat: pick(db, chatStores),
      accounts: pick(db, accountStores),
      notifications: pick(db, notificationStores),
    }),
  },
  (stores, backend) => {
    const store = () => stores().chat;
    const sender = newUuid();
    /** Message `n` of a channel, `n` ms after T0 (several may share a millisecond). */
    const message = (n: number, ms = n, channelId = ROOM): ChatMessageRecord => ({
      id: newUuidV7(T0 + ms),
      channelId,
      code: 0,
      senderId: sender,
      username: 'alice',
      content: JSON.stringify({ n }),
      createTime: new Date(T0 + ms),
      updateTime: new Date(T0 + ms),
    });
    async function insertAll(ms: ChatMessageRecord[]): Promise<void> {
      for (const m of ms) await store().insertMessage(m);
    }

    it('stores, reads back and lists messages by create time, then id', async () => {
      const s = store();
      const a = message(1, 5);
      // Same millisecond: the id decides, so order is stable whatever the insertion order.
      const [b, c] = [message(2, 9), message(3, 9)].sort((x, y) => (x.id < y.id ? -1 : 1));
      await insertAll([c!, a, b!, message(9, 1, OTHER_ROOM)]);
      expect(await s.getMessage(a.id)).toEqual(a);
      expect(await s.getMessage(newUuid())).toBeNull();
      const page = await s.listMessages(ROOM, { limit: 100, forward: true });
      expect(page.messages).toEqual([a, b, c]);
      expect(page.nextCursor).toBeNull();
      expect(page.prevCursor).toBeNull();
      const back = await s.listMessages(ROOM, { limit: 100, forward: false });
      expect(back.messages).toEqual([c, b, a]);
      expect(await s.listMessages('2...empty', { limit: 10, forward: true })).toEqual({
        messages: [],
        nextCursor: null,
        prevCursor: null,
        cacheableCursor: null,
      });
    });

    it('pages forward with next and prev cursors, and a cacheable cursor sees only newer messages', async () => {
      const s = store();
      await insertAll([1, 2, 3, 4, 5].map((n) => message(n)));
      const p1 = await s.listMessages(ROOM, { limit: 2, forward: true });
      expect(contents(p1)).toEqual([1, 2]);
      expect(p1.prevCursor).toBeNull();
      const p2 = await s.listMessages(ROOM, { limit: 2, forward: true, cursor: p1.nextCursor! });
      expect(contents(p2)).toEqual([3, 4]);
      const p3 = await s.listMessages(ROOM, { limit: 2, forward: true, cursor: p2.nextCursor! });
      expect(contents(p3)).toEqual([5]);
      expect(p3.nextCursor).toBeNull();
      // Walking back returns pages in the listing's (ascending) order.
      const back2 = await s.listMessages(ROOM, { limit: 2, forward: true, cursor: p3.prevCursor! });
      expect(contents(back2)).toEqual([3, 4]);
      const back1 = await s.listMessages(ROOM, { limit: 2, forward: true, cursor: back2.prevCursor! });
      expect(contents(back1)).toEqual([1, 2]);
      expect(back1.prevCursor).toBeNull();
      const again = await s.listMessages(ROOM, { limit: 2, forward: true, cursor: back1.nextCursor! });
      expect(contents(again)).toEqual([3, 4]);

      const cached = p3.cacheableCursor!;
      const none = await s.listMessages(ROOM, { limit: 10, forward: true, cursor: cached });
      expect(none.messages).toEqual([]);
      expect(none.cacheableCursor).toBe(cached);
      await insertAll([message(6), message(7)]);
      const fresh = await s.listMessages(ROOM, { limit: 10, forward: true, cursor: cached });
      expect(contents(fresh)).toEqual([6, 7]);
    });

    it('pages backward, newest first, and walks back toward the newest', async () => {
      const s = store();
      await insertAll([1, 2, 3, 4, 5].map((n) => message(n)));
      const p1 = await s.listMessages(ROOM, { limit: 2, forward: false });
      expect(contents(p1)).toEqual([5, 4]);
      const p2 = await s.listMessages(ROOM, { limit: 2, forward: false, cursor: p1.nextCursor! });
      expect(contents(p2)).toEqual([3, 2]);
      const p3 = await s.listMessages(ROOM, { limit: 2, forward: false, cursor: p2.nextCursor! });
      expect(contents(p3)).toEqual([1]);
      expect(p3.nextCursor).toBeNull();
      const back = await s.listMessages(ROOM, { limit: 2, forward: false, cursor: p3.prevCursor! });
      expect(contents(back)).toEqual([3, 2]);
      // The cacheable cursor of a backward page points after its newest message, for forward listing.
      await s.insertMessage(message(6));
      const fresh = await s.listMessages(ROOM, { limit: 10, forward: true, cursor: p1.cacheableCursor! });
      expect(contents(fresh)).toEqual([6]);
    });

    it('refuses cursors of another channel or direction, garbage cursors and unbounded limits', async () => {
      const s = store();
      await insertAll([1, 2, 3].map((n) => message(n)));
      const page = await s.listMessages(ROOM, { limit: 1, forward: true });
      const bad = [
        s.listMessages(OTHER_ROOM, { limit: 1, forward: true, cursor: page.nextCursor! }),
        s.listMessages(ROOM, { limit: 1, forward: false, cursor: page.nextCursor! }),
        s.listMessages(ROOM, { limit: 1, forward: true, cursor: 'not a cursor' }),
        s.listMessages(ROOM, { limit: 1, forward: true, cursor: Buffer.from('[1]').toString('base64url') }),
      ];
      for (const p of bad) await expect(p).rejects.toBeInstanceOf(InvalidCursorError);
      await expect(s.listMessages(ROOM, { limit: 0, forward: true })).rejects.toBeInstanceOf(RangeError);
      await expect(s.listMessages(ROOM, { limit: 101, forward: true })).rejects.toBeInstanceOf(RangeError);
    });

    it('accepts cursors handed out before the database port, and still writes them the same', async () => {
      const s = store();
      // Written by storage/pagination.ts (removed) for a forward listing of 2...lobby: continue after
      // (T0 + 2 ms, id …0001), and go back from (T0 + 3 ms, id …0002).
      const NEXT_AFTER_FIRST =
        'WzEsIjIuLi5sb2JieSIsMTc0MDgzMDQwMDAwMiwiMDE5NTUyMDgtOWMwMi03MDAwLTgwMDAtMDAwMDAwMDAwMDAxIiwxLDFd';
      const PREV_FROM_SECOND =
        'WzEsIjIuLi5sb2JieSIsMTc0MDgzMDQwMDAwMywiMDE5NTUyMDgtOWMwMy03MDAwLTgwMDAtMDAwMDAwMDAwMDAyIiwxLDBd';
      const ms = [1, 2, 3].map((n) => ({
        ...message(n, n + 1),
        id: `01955208-9c0${n + 1}-7000-8000-00000000000${n}`,
      }));
      await insertAll(ms);
      const p1 = await s.listMessages(ROOM, { limit: 1, forward: true });
      expect(p1.nextCursor).toBe(NEXT_AFTER_FIRST);
      const p2 = await s.listMessages(ROOM, { limit: 1, forward: true, cursor: NEXT_AFTER_FIRST });
      expect(p2.messages).toEqual([ms[1]]);
      expect(p2.prevCursor).toBe(PREV_FROM_SECOND);
      const back = await s.listMessages(ROOM, { limit: 5, forward: true, cursor: PREV_FROM_SECOND });
      expect(back.messages).toEqual([ms[0]]);
      expect(
        contents(await s.listMessages(ROOM, { limit: 5, forward: true, cursor: NEXT_AFTER_FIRST })),
      ).toEqual([2, 3]);
    });

    it("updates and removes only the sender's own message in its own channel", async () => {
      const s = store();
      const m = message(1);
      await s.insertMessage(m);
      const key = { channelId: ROOM, id: m.id, senderId: sender };
      const change = { content: '{"n":10}', username: 'alice2', updateTime: new Date(T0 + 500) };
      expect(await s.updateMessage({ ...key, senderId: newUuid() }, change)).toBeNull();
      expect(await s.updateMessage({ ...key, channelId: OTHER_ROOM }, change)).toBeNull();
      expect(await s.updateMessage({ ...key, id: newUuid() }, change)).toBeNull();
      const updated = await s.updateMessage(key, change);
      expect(updated).toEqual({
        ...m,
        content: '{"n":10}',
        username: 'alice2',
        updateTime: change.updateTime,
      });
      expect(await s.getMessage(m.id)).toEqual(updated);

      expect(await s.removeMessage({ ...key, senderId: newUuid() })).toBeNull();
      expect(await s.removeMessage(key)).toEqual(updated);
      expect(await s.removeMessage(key)).toBeNull();
      expect(await s.getMessage(m.id)).toBeNull();
    });

    it("removes every message of one sender (account deletion), in every channel, and no one else's", async () => {
      const s = store();
      const other = { ...message(5, 5), id: newUuidV7(T0 + 5), senderId: newUuid(), username: 'bob' };
      await insertAll([message(1), message(2, 2, OTHER_ROOM), other]);
      expect(await s.removeMessagesBySender(sender)).toBe(2);
      expect(contents(await s.listMessages(ROOM, { limit: 10, forward: true }))).toEqual([5]);
      expect((await s.listMessages(OTHER_ROOM, { limit: 10, forward: true })).messages).toEqual([]);
      expect(await s.removeMessagesBySender(newUuid())).toBe(0);
    });

    it('keeps history across a reopen', async () => {
      const m = message(1);
      await store().insertMessage(m);
      await backend.reopen();
      expect(await store().getMessage(m.id)).toEqual(m);
    });

    it("writes a message and the notification it causes in the caller's transaction: both or neither", async () => {
      const db = backend.db();
      const { accounts, notifications } = stores();
      const bob = await accounts.createAccount({
        id: newUuid(),
        username: 'bob',
        identity: { kind: 'device', id: 'device-bob' },
        now: new Date(T0),
      });
      const pushed: string[] = [];
      const send = (m: ChatMessageRecord, recipient: string) =>
        db.tx(async () => {
          await store().insertMessage(m);
          await notifications.insertNotifications([
            {
              id: newUuidV7(T0),
              userId: recipient,
              subject: 'new message',
              content: m.content,
              code: 1,
              senderId: sender,
              createTime: new Date(T0),
            },
          ]);
          db.afterCommit(() => pushed.push(m.id));
        });

      // An unknown recipient fails the notification (foreign key): the message goes too.
      const lost = message(1);
      await expect(send(lost, newUuid())).rejects.toThrow();
      expect(await store().getMessage(lost.id)).toBeNull();
      expect(pushed).toEqual([]);

      const kept = message(2);
      await send(kept, bob.id);
      expect(await store().getMessage(kept.id)).toEqual(kept);
      expect((await notifications.listNotifications(bob.id, { limit: 10 })).notifications).toHaveLength(1);
      expect(pushed).toEqual([kept.id]);
    });
  },
);
