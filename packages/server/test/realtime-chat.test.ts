import { describe, expect, it } from 'vitest';
import { testBackends } from './backends.ts';
import { type ChatUser, chatServerPerTest, httpStatus, socketError } from './nakama-chat.ts';
import { installNakamaShim } from './realtime-helpers.ts';

// Room chat with the unmodified nakama-js 2.8.0 client over real sockets, on every backend.
installNakamaShim();
const backends = await testBackends('chat (nakama-js)');
const ROOM = 1;

describe.each(backends)('chat rooms with nakama-js on $name', (backend) => {
  const { start, user } = chatServerPerTest(backend);
  const presence = (u: ChatUser, persistence = true) => ({
    user_id: u.id,
    session_id: expect.any(String),
    username: u.username,
    ...(persistence ? { persistence: true } : {}),
  });

  it('lets three users chat in a room, with presence events and paged history', async () => {
    const client = await start();
    const [ann, ben, cat] = [await user(client, 'ann'), await user(client, 'ben'), await user(client, 'cat')];
    const a = await ann.socket.joinChat('lobby', ROOM, true, false);
    expect(a).toMatchObject({ id: '2...lobby', room_name: 'lobby', self: presence(ann) });
    expect(a.presences ?? []).toEqual([]);
    // Your own join arrives after the reply.
    expect(await ann.log.presence(0)).toEqual({
      channel_id: '2...lobby',
      joins: [presence(ann)],
      room_name: 'lobby',
    });
    const b = await ben.socket.joinChat('lobby', 0, true, false); // type 0 is a room too
    expect(b.presences).toEqual([presence(ann)]);
    expect((await ann.log.presence(1)).joins).toEqual([presence(ben)]);
    expect((await ben.log.presence(0)).joins).toEqual([presence(ben)]);
    const c = await cat.socket.joinChat('lobby', ROOM, true, false);
    expect(c.presences).toEqual([presence(ann), presence(ben)]);
    expect((await ann.log.presence(2)).joins).toEqual([presence(cat)]);
    expect((await ben.log.presence(1)).joins).toEqual([presence(cat)]);

    const senders = [ann, ben, cat, ann, ben];
    const acks = [];
    for (const [i, u] of senders.entries()) {
      const ack = await u.socket.writeChatMessage(a.id, { n: i + 1 });
      expect(ack).toMatchObject({ channel_id: a.id, code: 0, persistent: true, room_name: 'lobby' });
      expect(ack.username).toBe(u.username);
      acks.push(ack);
      for (const member of [ann, ben, cat]) {
        const m = await member.log.message(i);
        expect(m).toMatchObject({
          message_id: ack.message_id,
          sender_id: u.id,
          content: { n: i + 1 },
          code: 0,
        });
      }
    }

    // History forward in pages of 2, then walking back; and backward.
    const list = (limit: number, forward: boolean, cursor?: string) =>
      client.listChannelMessages(cat.session, a.id, limit, forward, cursor);
    const ns = (page: { messages?: { content?: unknown }[] }) =>
      (page.messages ?? []).map((m) => (m.content as { n: number }).n);
    const p1 = await list(2, true);
    expect(ns(p1)).toEqual([1, 2]);
    expect(p1.messages?.[0]).toMatchObject({
      message_id: acks[0]!.message_id,
      sender_id: ann.id,
      persistent: true,
    });
    const p2 = await list(2, true, p1.next_cursor);
    expect(ns(p2)).toEqual([3, 4]);
    const p3 = await list(2, true, p2.next_cursor);
    expect(ns(p3)).toEqual([5]);
    expect(p3.next_cursor).toBeUndefined();
    expect(ns(await list(2, true, p3.prev_cursor))).toEqual([3, 4]);
    const b1 = await list(2, false);
    expect(ns(b1)).toEqual([5, 4]);
    const b2 = await list(2, false, b1.next_cursor);
    expect(ns(b2)).toEqual([3, 2]);
    expect(ns(await list(2, false, b2.prev_cursor))).toEqual([5, 4]);
    expect(ns(await list(1, true))).toEqual([1]); // Nakama's default limit is 1; nakama-js always sends one
    // The cacheable cursor returns only what arrived since.
    await ann.socket.writeChatMessage(a.id, { n: 6 });
    expect(ns(await list(10, true, p3.cacheable_cursor))).toEqual([6]);

    await cat.socket.leaveChat(a.id);
    expect((await ann.log.presence(3)).leaves).toEqual([presence(cat)]);
    expect((await ben.log.presence(2)).leaves).toEqual([presence(cat)]);
    // Disconnecting leaves too.
    ben.socket.disconnect(false);
    expect((await ann.log.presence(4)).leaves).toEqual([presence(ben)]);
  });

  it('updates and removes your own messages, with acks and pushes', async () => {
    const client = await start();
    const [ann, ben] = [await user(client, 'ann'), await user(client, 'ben')];
    const ch = await ann.socket.joinChat('edits', ROOM, true, false);
    await ben.socket.joinChat('edits', ROOM, true, false);
    const sent = await ann.socket.writeChatMessage(ch.id, { text: 'helo' });
    await ben.log.message(0);

    const updated = await ann.socket.updateChatMessage(ch.id, sent.message_id, { text: 'hello' });
    expect(updated).toMatchObject({
      message_id: sent.message_id,
      code: 1,
      persistent: true,
      room_name: 'edits',
    });
    expect(updated.create_time).toBe(sent.create_time);
    for (const u of [ann, ben]) {
      expect(await u.log.message(1)).toMatchObject({
        code: 1,
        content: { text: 'hello' },
        sender_id: ann.id,
      });
    }
    expect(await socketError(ben.socket.updateChatMessage(ch.id, sent.message_id, { text: 'mine' }))).toEqual(
      {
        code: 3,
        message: 'Could not find message to update in channel history',
      },
    );
    const history = await client.listChannelMessages(ben.session, ch.id, 10, true);
    // The stored message has the new content and keeps code 0 (as in Nakama).
    expect(history.messages).toEqual([expect.objectContaining({ code: 0, content: { text: 'hello' } })]);

    const removed = await ann.socket.removeChatMessage(ch.id, sent.message_id);
    expect(removed).toMatchObject({ message_id: sent.message_id, code: 2 });
    for (const u of [ann, ben]) expect(await u.log.message(2)).toMatchObject({ code: 2, content: {} });
    expect((await client.listChannelMessages(ben.session, ch.id, 10, true)).messages).toEqual([]);
    expect(await socketError(ann.socket.removeChatMessage(ch.id, sent.message_id))).toEqual({
      code: 3,
      message: 'Could not find message to remove in channel history',
    });
  });

  it('does not store messages sent with persistence=false', async () => {
    const client = await start();
    const ann = await user(client, 'ann');
    const ch = await ann.socket.joinChat('ephemeral', ROOM, false, false);
    expect(ch.self).toEqual(presence(ann, false));
    const ack = await ann.socket.writeChatMessage(ch.id, { text: 'gone' });
    // nakama-js's type calls it `persistence`; the wire and the object it returns carry `persistent`.
    expect(ack).toMatchObject({ persistent: false });
    expect(await ann.log.message(0)).toMatchObject({ persistent: false, content: { text: 'gone' } });
    expect((await client.listChannelMessages(ann.session, ch.id, 10, true)).messages).toEqual([]);
  });

  it('keeps hidden members out of lists and presence events, but sends them messages', async () => {
    const client = await start();
    const [ann, hid, ben] = [await user(client, 'ann'), await user(client, 'hid'), await user(client, 'ben')];
    const ch = await ann.socket.joinChat('lobby', ROOM, true, false);
    await ann.log.presence(0);
    const h = await hid.socket.joinChat('lobby', ROOM, true, true);
    expect(h.presences).toEqual([presence(ann)]);
    const b = await ben.socket.joinChat('lobby', ROOM, true, false);
    expect(b.presences).toEqual([presence(ann)]);
    // Ann's next event is Ben's join: Hid's join was never announced.
    expect((await ann.log.presence(1)).joins).toEqual([presence(ben)]);
    expect((await hid.log.presence(0)).joins).toEqual([presence(ben)]);
    await ann.socket.writeChatMessage(ch.id, { hi: 1 });
    expect(await hid.log.message(0)).toMatchObject({ sender_id: ann.id, content: { hi: 1 } });
    await hid.socket.leaveChat(ch.id);
    await ann.socket.writeChatMessage(ch.id, { hi: 2 });
    await ben.log.message(1);
    expect(ann.log.presences).toHaveLength(2);
  });

  it('refuses bad input with Nakama error codes and messages', async () => {
    const client = await start();
    const [ann, ben] = [await user(client, 'ann'), await user(client, 'ben')];
    expect(await socketError(ann.socket.writeChatMessage('2...lobby', { x: 1 }))).toEqual({
      code: 3,
      message: 'Must join channel before sending messages',
    });
    const ch = await ann.socket.joinChat('lobby', ROOM, true, false);
    expect(await socketError(ann.socket.writeChatMessage(ch.id, [1, 2]))).toMatchObject({
      code: 3,
      message: 'Message content must be a valid JSON object',
    });
    expect(await socketError(ann.socket.joinChat('x'.repeat(65), ROOM, true, false))).toMatchObject({
      code: 3,
      message: 'Channel name is required and must be 1-64 chars: Invalid channel target',
    });
    expect(await socketError(ann.socket.joinChat('bad\u0007name', ROOM, true, false))).toMatchObject({
      code: 3,
    });
    expect(await socketError(ann.socket.joinChat(ben.id, 3, true, false))).toMatchObject({
      code: 3,
      message: 'Group not found: Invalid channel target',
    });
    expect(await socketError(ann.socket.leaveChat('not-a-channel'))).toMatchObject({
      code: 3,
      message: 'Invalid channel identifier',
    });
    expect(await httpStatus(client.listChannelMessages(ann.session, 'nope', 10, true))).toBe(400);
    expect(await httpStatus(client.listChannelMessages(ann.session, ch.id, 101, true))).toBe(400);
    expect(await httpStatus(client.listChannelMessages(ann.session, ch.id, 1, true, 'garbage'))).toBe(400);
    // The socket is still usable after errors.
    expect((await ann.socket.writeChatMessage(ch.id, { ok: true })).code).toBe(0);
  });
});
