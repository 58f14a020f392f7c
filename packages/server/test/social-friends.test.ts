/**
 * Friends with the unmodified nakama-js 2.8.0 client (and raw HTTP for exact wire shapes and what
 * nakama-js cannot send), on every backend: invitations and acceptance with their notifications live
 * and stored, blocks (invites and direct messages refused, an open DM channel emptied), the friend
 * limit, paging with cursors, Nakama's errors, and two users adding each other at the same moment.
 */
import { describe, expect, it } from 'vitest';
import { testBackends } from './backends.ts';
import { type ChatUser, chatServerPerTest, socketError } from './nakama-chat.ts';
import { installNakamaShim } from './realtime-helpers.ts';
import { api, httpError } from './social-helpers.ts';

installNakamaShim();
const backends = await testBackends('friends (nakama-js)');
const DIRECT = 2;

describe.each(backends)('friends on $name', (backend) => {
  const { start, user, server } = chatServerPerTest(backend);
  const codes = (u: ChatUser) => u.log.notifications.map((n) => n.code);

  it('invites, notifies live and stored (-2), accepts (-3), and lists both sides with Nakama wire shapes', async () => {
    const client = await start();
    const [ann, ben] = [await user(client, 'ann'), await user(client, 'ben')];
    await client.addFriends(ann.session, [ben.id]);
    const request = await ben.log.notification(0);
    expect(request).toMatchObject({
      code: -2,
      subject: 'ann wants to add you as a friend',
      content: { username: 'ann' },
      sender_id: ann.id,
      persistent: true,
    });
    const stored = await client.listNotifications(ben.session, 10);
    expect(stored.notifications?.map((n) => [n.id, n.code])).toEqual([[request.id, -2]]);
    // Ben's side: a received invitation, exactly as Nakama writes it.
    const raw = await api(server()!, ben.session, 'GET', '/v2/friend');
    expect(raw.status).toBe(200);
    expect(raw.body).toEqual({
      friends: [
        {
          user: expect.objectContaining({ id: ann.id, username: 'ann', online: true }),
          state: 2,
          update_time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
          metadata: '{}',
        },
      ],
    });
    // Ben adds by username (any case): that accepts.
    await client.addFriends(ben.session, [], ['ANN']);
    expect(await ann.log.notification(0)).toMatchObject({
      code: -3,
      subject: 'ben accepted your friend request',
      content: { username: 'ben' },
      sender_id: ben.id,
    });
    for (const [u, other] of [
      [ann, ben],
      [ben, ann],
    ] as const) {
      const list = await client.listFriends(u.session);
      expect(list.friends?.map((f) => [f.user?.id, f.state])).toEqual([[other.id, 0]]);
    }
    // Adding a friend again changes nothing and notifies nobody.
    await client.addFriends(ann.session, [ben.id]);
    await client.addFriends(ben.session, [ann.id]);
    expect((await client.listNotifications(ann.session, 10)).notifications).toHaveLength(1);
    expect((await client.listNotifications(ben.session, 10)).notifications).toHaveLength(1);
  });

  it('blocks: invitations from the blocked user do nothing, DMs are refused both ways, an open DM channel empties', async () => {
    const client = await start();
    const [ann, ben] = [await user(client, 'ann'), await user(client, 'ben')];
    const dm = await ann.socket.joinChat(ben.id, DIRECT, true, false);
    await ben.socket.joinChat(ann.id, DIRECT, true, false);
    await client.addFriends(ann.session, [ben.id]);
    await client.blockFriends(ann.session, [ben.id]);
    // The block ended the invitation on ben's side, and both left the DM channel.
    expect((await client.listFriends(ann.session)).friends?.map((f) => f.state)).toEqual([3]);
    expect((await client.listFriends(ben.session)).friends).toEqual([]);
    expect(await socketError(ben.socket.writeChatMessage(dm.id, { hi: 1 }))).toEqual({
      code: 3,
      message: 'Must join channel before sending messages',
    });
    expect(await socketError(ann.socket.writeChatMessage(dm.id, { hi: 1 }))).toMatchObject({ code: 3 });
    // Ben's invitation to ann does nothing; ann hears nothing (only the -2 ben got earlier went out).
    await client.addFriends(ben.session, [ann.id]);
    expect((await client.listFriends(ben.session)).friends).toEqual([]);
    expect((await client.listNotifications(ann.session, 10)).notifications ?? []).toEqual([]);
    // Neither can open the DM channel again; the blocked side sees "not found".
    expect(await socketError(ben.socket.joinChat(ann.id, DIRECT, true, false))).toEqual({
      code: 3,
      message: 'User ID not found',
    });
    expect(await socketError(ann.socket.joinChat(ben.id, DIRECT, true, false))).toEqual({
      code: 3,
      message: 'Cannot open direct message channel with a user you blocked',
    });
    // Deleting a block lifts it: the DM opens again.
    await client.deleteFriends(ann.session, [ben.id]);
    expect((await client.listFriends(ann.session)).friends).toEqual([]);
    expect((await ben.socket.joinChat(ann.id, DIRECT, true, false)).id).toBe(dm.id);
    expect(codes(ann)).toEqual([-1]); // only ben's DM request
  });

  it('refuses invitations past the friend limit, and nothing changes', async () => {
    const client = await start({ friendsMaxPerUser: 2 });
    const [ann, ben, cat, dan] = [
      await user(client, 'ann'),
      await user(client, 'ben'),
      await user(client, 'cat'),
      await user(client, 'dan'),
    ];
    await client.addFriends(dan.session, [ann.id]); // ann received one: not counted until accepted
    await client.addFriends(ann.session, [ben.id, cat.id]);
    expect(await httpError(client.addFriends(ann.session, [dan.id]))).toEqual({
      status: 400,
      code: 9,
      message: 'Friend limit reached: at most 2 friends and sent invitations.',
    });
    expect((await client.listFriends(ann.session)).friends?.map((f) => [f.user?.id, f.state])).toEqual([
      [ben.id, 1],
      [cat.id, 1],
      [dan.id, 2],
    ]);
    expect(await httpError(client.addFriends(ann.session, [], ['dan']))).toMatchObject({ code: 9 });
    // Withdrawing an invitation makes room.
    await client.deleteFriends(ann.session, [cat.id]);
    await client.addFriends(ann.session, [dan.id]);
    expect((await client.listFriends(ann.session, 0)).friends?.map((f) => f.user?.id)).toEqual([dan.id]);
  });

  it('pages the list with cursors, by state or all, and refuses bad input with Nakama codes', async () => {
    const client = await start();
    const [ann, ...others] = [
      await user(client, 'ann'),
      await user(client, 'ben'),
      await user(client, 'cat'),
      await user(client, 'dan'),
      await user(client, 'eve'),
    ];
    await client.addFriends(ann.session, [others[0]!.id, others[1]!.id]);
    await client.addFriends(others[2]!.session, [ann.id]);
    await client.blockFriends(ann.session, [others[3]!.id]);
    const seen: [string | undefined, number | undefined][] = [];
    let cursor: string | undefined;
    do {
      const page = await client.listFriends(ann.session, undefined, 1, cursor);
      seen.push(...(page.friends ?? []).map((f) => [f.user?.username, f.state] as [string, number]));
      cursor = page.cursor;
    } while (cursor);
    expect(seen).toEqual([
      ['ben', 1],
      ['cat', 1],
      ['dan', 2],
      ['eve', 3],
    ]);
    const sent = await client.listFriends(ann.session, 1, 1);
    expect(sent.friends?.map((f) => f.user?.username)).toEqual(['ben']);
    // A cursor of one filter is refused with another.
    expect(await httpError(client.listFriends(ann.session, 2, 1, sent.cursor))).toEqual({
      status: 400,
      code: 3,
      message: 'Cursor is invalid.',
    });
    expect(await httpError(client.listFriends(ann.session, undefined, 1, 'nonsense'))).toMatchObject({
      message: 'Cursor is invalid.',
    });
    expect(await httpError(client.listFriends(ann.session, undefined, 1001))).toEqual({
      status: 400,
      code: 3,
      message: 'Invalid limit - limit must be between 1 and 1000.',
    });
    expect(await httpError(client.listFriends(ann.session, 4))).toMatchObject({
      message: 'Invalid state - state must be between 0 and 3.',
    });
    const self = { status: 400, code: 3 };
    expect(await httpError(client.addFriends(ann.session, [ann.id]))).toEqual({
      ...self,
      message: 'Cannot add self as friend.',
    });
    expect(await httpError(client.addFriends(ann.session, [], ['Ann']))).toMatchObject({
      message: 'Cannot add self as friend.',
    });
    expect(await httpError(client.deleteFriends(ann.session, [ann.id]))).toMatchObject({
      message: 'Cannot delete self.',
    });
    expect(await httpError(client.blockFriends(ann.session, [ann.id]))).toMatchObject({
      message: 'Cannot block self.',
    });
    expect(await httpError(client.addFriends(ann.session, ['not-a-uuid']))).toMatchObject({
      message: "Invalid user ID 'not-a-uuid'.",
    });
    expect(await httpError(client.addFriends(ann.session, [], ['nobody-here']))).toEqual({
      ...self,
      message: 'No valid ID or username was provided.',
    });
    expect(
      await httpError(client.blockFriends(ann.session, ['00000000-0000-4000-8000-000000000000'])),
    ).toMatchObject({
      message: 'No valid ID or username was provided.',
    });
    // Deleting nobody who exists is a no-op, as in Nakama; nothing above changed anything.
    await client.deleteFriends(ann.session, ['00000000-0000-4000-8000-000000000000']);
    expect((await client.listFriends(ann.session)).friends?.map((f) => f.state)).toEqual([1, 1, 2, 3]);
    const bad = await api(server()!, ann.session, 'POST', '/v2/friend?ids=x&ids=y');
    expect(bad.body).toMatchObject({ code: 3, message: "Invalid user ID 'x'." });
  });

  it('makes two users who add each other at the same moment friends, with one invitation and one acceptance', async () => {
    const client = await start();
    const pairs: [ChatUser, ChatUser][] = [];
    for (let i = 0; i < 10; i++) pairs.push([await user(client, `a${i}`), await user(client, `b${i}`)]);
    await Promise.all(
      pairs.flatMap(([a, b]) => [client.addFriends(a.session, [b.id]), client.addFriends(b.session, [a.id])]),
    );
    for (const [a, b] of pairs) {
      expect((await client.listFriends(a.session)).friends?.map((f) => f.state)).toEqual([0]);
      expect((await client.listFriends(b.session)).friends?.map((f) => f.state)).toEqual([0]);
      const stored = [
        ...((await client.listNotifications(a.session, 10)).notifications ?? []),
        ...((await client.listNotifications(b.session, 10)).notifications ?? []),
      ].map((n) => n.code ?? 0);
      expect(stored.sort((x, y) => x - y)).toEqual([-3, -2]);
    }
  });
});
