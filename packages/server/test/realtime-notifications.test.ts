import { describe, expect, it } from 'vitest';
import { testBackends } from './backends.ts';
import { bearer, call } from './http-client.ts';
import { type ChatUser, chatServerPerTest, connectUser, httpStatus } from './nakama-chat.ts';
import { installNakamaShim } from './realtime-helpers.ts';

// Notifications with the unmodified nakama-js 2.8.0 client, on every backend. Direct-message
// invitations (code -1) are the notifications a client can cause, so they drive these tests.
installNakamaShim();
const backends = await testBackends('notifications (nakama-js)');
const DIRECT = 2;

describe.each(backends)('notifications with nakama-js on $name', (backend) => {
  const { users, start, user, server } = chatServerPerTest(backend);
  /** `from` opens a DM with `to`, which invites `to`; then leaves, so a later join invites again. */
  async function invite(from: ChatUser, to: ChatUser): Promise<void> {
    const ch = await from.socket.joinChat(to.id, DIRECT, true, false);
    await from.socket.leaveChat(ch.id);
  }

  it('delivers live to every socket of the user, lists with a cacheable cursor, and deletes', async () => {
    const client = await start();
    const [ann, ben, cat] = [await user(client, 'ann'), await user(client, 'ben'), await user(client, 'cat')];
    // A second socket of Ben's: both get every notification.
    const ben2 = await connectUser(client, 'ben', ben.session);
    users.push(ben2);

    await invite(ann, ben);
    await invite(cat, ben);
    await invite(ann, ben);
    for (const socket of [ben, ben2]) {
      const live = [
        await socket.log.notification(0),
        await socket.log.notification(1),
        await socket.log.notification(2),
      ];
      expect(live.map((n) => n.subject)).toEqual([
        'ann wants to chat',
        'cat wants to chat',
        'ann wants to chat',
      ]);
      expect(live[1]).toMatchObject({
        code: -1,
        content: { username: 'cat' },
        sender_id: cat.id,
        persistent: true,
      });
    }
    const liveIds = ben.log.notifications.map((n) => n.id);

    // Paging one at a time with the cacheable cursor, as Nakama's own client test does.
    const p1 = await client.listNotifications(ben.session, 1);
    expect(p1.notifications!.map((n) => n.id)).toEqual([liveIds[0]]);
    const p2 = await client.listNotifications(ben.session, 1, p1.cacheable_cursor);
    expect(p2.notifications!.map((n) => n.id)).toEqual([liveIds[1]]);
    const p3 = await client.listNotifications(ben.session, 1, p2.cacheable_cursor);
    expect(p3.notifications!.map((n) => n.id)).toEqual([liveIds[2]]);
    const p4 = await client.listNotifications(ben.session, 1, p3.cacheable_cursor);
    expect(p4.notifications).toEqual([]);
    expect(p4.cacheable_cursor).toBe(p3.cacheable_cursor);
    // The cursor stays valid: a later notification comes after it.
    await invite(cat, ben);
    const p5 = await client.listNotifications(ben.session, 100, p4.cacheable_cursor);
    expect(p5.notifications!.map((n) => n.subject)).toEqual(['cat wants to chat']);

    // Deleting: only the caller's own ids count.
    expect(await client.deleteNotifications(ann.session, [liveIds[0]!])).toBe(true);
    expect(await client.deleteNotifications(ben.session, [liveIds[0]!, liveIds[2]!])).toBe(true);
    const left = await client.listNotifications(ben.session, 100);
    expect(left.notifications!.map((n) => n.id)).toEqual([liveIds[1], p5.notifications![0]!.id]);
    expect((await client.listNotifications(ann.session, 100)).notifications).toEqual([]);
  });

  it('answers bad requests with Nakama error codes', async () => {
    const client = await start();
    const ann = await user(client, 'ann');
    expect(await httpStatus(client.listNotifications(ann.session, 0))).toBe(400);
    expect(await httpStatus(client.listNotifications(ann.session, 101))).toBe(400);
    expect(await httpStatus(client.listNotifications(ann.session, 1, 'not a cursor'))).toBe(400);
    expect(await httpStatus(client.deleteNotifications(ann.session, ['not-a-uuid']))).toBe(400);
    const base = server()!.baseUrl;
    const noAuth = await call(base, 'GET', '/v2/notification');
    expect(noAuth).toMatchObject({ status: 401, body: { code: 16, message: 'Auth token required' } });
    const bad = await call(base, 'GET', '/v2/notification?limit=abc', { auth: bearer(ann.session.token) });
    expect(bad).toMatchObject({ status: 400, body: { code: 3 } });
    const empty = await call(base, 'GET', '/v2/notification', { auth: bearer(ann.session.token) });
    expect(empty.status).toBe(200);
    expect(Object.keys(empty.body!)).toEqual(['cacheable_cursor']);
  });
});
