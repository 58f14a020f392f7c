import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newUuid, newUuidV7 } from '../shared/ids.ts';
import type { StorageFixture } from './contract.ts';
import {
  type ChatHistoryPage,
  type ChatMessageRecord,
  InvalidCursorError,
  type NotificationRecord,
  type Storage,
} from './types.ts';

const T0 = Date.parse('2025-03-01T12:00:00.000Z');
const ROOM = '2...lobby';
const OTHER_ROOM = '2...other';

/**
 * The chat-history and notification behaviour every {@link Storage} must have, run against SQLite and
 * PostgreSQL by each backend's test file (next to {@link describeStorageContract}).
 */
export function describeChatStorageContract(name: string, open: () => Promise<StorageFixture>): void {
  describe(`chat and notification storage contract: ${name}`, () => {
    let fx: StorageFixture;
    let s: Storage;
    beforeEach(async () => {
      fx = await open();
      s = fx.storage;
    });
    afterEach(async () => {
      await fx.cleanup();
    });

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
    const contents = (page: ChatHistoryPage) => page.messages.map((m) => JSON.parse(m.content).n as number);
    async function insertAll(ms: ChatMessageRecord[]): Promise<void> {
      for (const m of ms) await s.chat.insertMessage(m);
    }

    it('stores, reads back and lists messages by create time, then id', async () => {
      const a = message(1, 5);
      // Same millisecond: the id decides, so order is stable whatever the insertion order.
      const [b, c] = [message(2, 9), message(3, 9)].sort((x, y) => (x.id < y.id ? -1 : 1));
      await insertAll([c!, a, b!, message(9, 1, OTHER_ROOM)]);
      expect(await s.chat.getMessage(a.id)).toEqual(a);
      expect(await s.chat.getMessage(newUuid())).toBeNull();
      const page = await s.chat.listMessages(ROOM, { limit: 100, forward: true });
      expect(page.messages).toEqual([a, b, c]);
      expect(page.nextCursor).toBeNull();
      expect(page.prevCursor).toBeNull();
      const back = await s.chat.listMessages(ROOM, { limit: 100, forward: false });
      expect(back.messages).toEqual([c, b, a]);
      expect(await s.chat.listMessages('2...empty', { limit: 10, forward: true })).toEqual({
        messages: [],
        nextCursor: null,
        prevCursor: null,
        cacheableCursor: null,
      });
    });

    it('pages forward with next and prev cursors, and a cacheable cursor sees only newer messages', async () => {
      await insertAll([1, 2, 3, 4, 5].map((n) => message(n)));
      const p1 = await s.chat.listMessages(ROOM, { limit: 2, forward: true });
      expect(contents(p1)).toEqual([1, 2]);
      expect(p1.prevCursor).toBeNull();
      const p2 = await s.chat.listMessages(ROOM, { limit: 2, forward: true, cursor: p1.nextCursor! });
      expect(contents(p2)).toEqual([3, 4]);
      const p3 = await s.chat.listMessages(ROOM, { limit: 2, forward: true, cursor: p2.nextCursor! });
      expect(contents(p3)).toEqual([5]);
      expect(p3.nextCursor).toBeNull();
      // Walking back returns pages in the listing's (ascending) order.
      const back2 = await s.chat.listMessages(ROOM, { limit: 2, forward: true, cursor: p3.prevCursor! });
      expect(contents(back2)).toEqual([3, 4]);
      const back1 = await s.chat.listMessages(ROOM, { limit: 2, forward: true, cursor: back2.prevCursor! });
      expect(contents(back1)).toEqual([1, 2]);
      expect(back1.prevCursor).toBeNull();
      const again = await s.chat.listMessages(ROOM, { limit: 2, forward: true, cursor: back1.nextCursor! });
      expect(contents(again)).toEqual([3, 4]);

      const cached = p3.cacheableCursor!;
      const none = await s.chat.listMessages(ROOM, { limit: 10, forward: true, cursor: cached });
      expect(none.messages).toEqual([]);
      expect(none.cacheableCursor).toBe(cached);
      await insertAll([message(6), message(7)]);
      const fresh = await s.chat.listMessages(ROOM, { limit: 10, forward: true, cursor: cached });
      expect(contents(fresh)).toEqual([6, 7]);
    });

    it('pages backward, newest first, and walks back toward the newest', async () => {
      await insertAll([1, 2, 3, 4, 5].map((n) => message(n)));
      const p1 = await s.chat.listMessages(ROOM, { limit: 2, forward: false });
      expect(contents(p1)).toEqual([5, 4]);
      const p2 = await s.chat.listMessages(ROOM, { limit: 2, forward: false, cursor: p1.nextCursor! });
      expect(contents(p2)).toEqual([3, 2]);
      const p3 = await s.chat.listMessages(ROOM, { limit: 2, forward: false, cursor: p2.nextCursor! });
      expect(contents(p3)).toEqual([1]);
      expect(p3.nextCursor).toBeNull();
      const back = await s.chat.listMessages(ROOM, { limit: 2, forward: false, cursor: p3.prevCursor! });
      expect(contents(back)).toEqual([3, 2]);
      // The cacheable cursor of a backward page points after its newest message, for forward listing.
      await s.chat.insertMessage(message(6));
      const fresh = await s.chat.listMessages(ROOM, {
        limit: 10,
        forward: true,
        cursor: p1.cacheableCursor!,
      });
      expect(contents(fresh)).toEqual([6]);
    });

    it('refuses cursors of another channel or direction, garbage cursors and unbounded limits', async () => {
      await insertAll([1, 2, 3].map((n) => message(n)));
      const page = await s.chat.listMessages(ROOM, { limit: 1, forward: true });
      const bad = [
        s.chat.listMessages(OTHER_ROOM, { limit: 1, forward: true, cursor: page.nextCursor! }),
        s.chat.listMessages(ROOM, { limit: 1, forward: false, cursor: page.nextCursor! }),
        s.chat.listMessages(ROOM, { limit: 1, forward: true, cursor: 'not a cursor' }),
        s.chat.listMessages(ROOM, {
          limit: 1,
          forward: true,
          cursor: Buffer.from('[1]').toString('base64url'),
        }),
      ];
      for (const p of bad) await expect(p).rejects.toBeInstanceOf(InvalidCursorError);
      await expect(s.chat.listMessages(ROOM, { limit: 0, forward: true })).rejects.toBeInstanceOf(RangeError);
      await expect(s.chat.listMessages(ROOM, { limit: 101, forward: true })).rejects.toBeInstanceOf(
        RangeError,
      );
    });

    it("updates and removes only the sender's own message in its own channel", async () => {
      const m = message(1);
      await s.chat.insertMessage(m);
      const key = { channelId: ROOM, id: m.id, senderId: sender };
      const change = { content: '{"n":10}', username: 'alice2', updateTime: new Date(T0 + 500) };
      expect(await s.chat.updateMessage({ ...key, senderId: newUuid() }, change)).toBeNull();
      expect(await s.chat.updateMessage({ ...key, channelId: OTHER_ROOM }, change)).toBeNull();
      expect(await s.chat.updateMessage({ ...key, id: newUuid() }, change)).toBeNull();
      const updated = await s.chat.updateMessage(key, change);
      expect(updated).toEqual({
        ...m,
        content: '{"n":10}',
        username: 'alice2',
        updateTime: change.updateTime,
      });
      expect(await s.chat.getMessage(m.id)).toEqual(updated);

      expect(await s.chat.removeMessage({ ...key, senderId: newUuid() })).toBeNull();
      expect(await s.chat.removeMessage(key)).toEqual(updated);
      expect(await s.chat.removeMessage(key)).toBeNull();
      expect(await s.chat.getMessage(m.id)).toBeNull();
    });

    it('keeps history and notifications across a reopen', async () => {
      const m = message(1);
      await s.chat.insertMessage(m);
      const user = await s.accounts.createAccount({
        id: newUuid(),
        username: 'keeper',
        identity: { kind: 'device', id: 'device-keeper' },
        now: new Date(T0),
      });
      const n = notification(user.id, 1);
      await s.notifications.insertNotifications([n]);
      const again = await fx.reopen();
      expect(await again.chat.getMessage(m.id)).toEqual(m);
      expect((await again.notifications.listNotifications(user.id, { limit: 10 })).notifications).toEqual([
        n,
      ]);
    });

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

    async function twoUsers(): Promise<[string, string]> {
      const make = (username: string) =>
        s.accounts.createAccount({
          id: newUuid(),
          username,
          identity: { kind: 'device', id: `device-${username}` },
          now: new Date(T0),
        });
      return [(await make('nora')).id, (await make('otto')).id];
    }

    it('pages notifications with a cacheable cursor that stays valid as new ones arrive', async () => {
      const [nora, otto] = await twoUsers();
      const first = [notification(nora, 1, 1, otto), notification(nora, 2), notification(otto, 3)];
      await s.notifications.insertNotifications(first);
      const p1 = await s.notifications.listNotifications(nora, { limit: 1 });
      expect(p1.notifications).toEqual([first[0]]);
      const p2 = await s.notifications.listNotifications(nora, { limit: 1, cursor: p1.cacheableCursor });
      expect(p2.notifications).toEqual([first[1]]);
      const p3 = await s.notifications.listNotifications(nora, { limit: 1, cursor: p2.cacheableCursor });
      expect(p3.notifications).toEqual([]);
      expect(p3.cacheableCursor).toBe(p2.cacheableCursor);
      const later = notification(nora, 4);
      await s.notifications.insertNotifications([later]);
      const p4 = await s.notifications.listNotifications(nora, { limit: 100, cursor: p3.cacheableCursor });
      expect(p4.notifications).toEqual([later]);
      // An empty first listing still hands out a cursor, which then starts at the beginning.
      const empty = await s.notifications.listNotifications(newUuid(), { limit: 5 });
      expect(empty.notifications).toEqual([]);
      const fromStart = await s.notifications.listNotifications(otto, {
        limit: 5,
        cursor: empty.cacheableCursor,
      });
      expect(fromStart.notifications).toEqual([first[2]]);
      await expect(
        s.notifications.listNotifications(nora, { limit: 1, cursor: '%%%' }),
      ).rejects.toBeInstanceOf(InvalidCursorError);
      await expect(s.notifications.listNotifications(nora, { limit: 101 })).rejects.toBeInstanceOf(
        RangeError,
      );
    });

    it("deletes only the caller's notifications", async () => {
      const [nora, otto] = await twoUsers();
      const ns = [notification(nora, 1), notification(nora, 2), notification(otto, 3)];
      await s.notifications.insertNotifications(ns);
      expect(await s.notifications.deleteNotifications(nora, [ns[0]!.id, ns[2]!.id, newUuid(), 'junk'])).toBe(
        1,
      );
      expect(await s.notifications.deleteNotifications(nora, [])).toBe(0);
      expect((await s.notifications.listNotifications(nora, { limit: 10 })).notifications).toEqual([ns[1]]);
      expect((await s.notifications.listNotifications(otto, { limit: 10 })).notifications).toEqual([ns[2]]);
    });

    it('stores a batch of notifications all or none (every recipient must exist)', async () => {
      const [nora] = await twoUsers();
      const batch = [notification(nora, 1), notification(newUuid(), 2)];
      await expect(s.notifications.insertNotifications(batch)).rejects.toThrow();
      expect((await s.notifications.listNotifications(nora, { limit: 10 })).notifications).toEqual([]);
      await s.notifications.insertNotifications([]);
    });
  });
}
