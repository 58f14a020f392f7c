import { describe, expect, it } from 'vitest';
import { testBackends } from './backends.ts';
import { chatServerPerTest, httpStatus, login, socketError } from './nakama-chat.ts';
import { installNakamaShim } from './realtime-helpers.ts';

// Direct messages with the unmodified nakama-js 2.8.0 client, on every backend.
installNakamaShim();
const backends = await testBackends('chat direct messages (nakama-js)');
const DIRECT = 2;

describe.each(backends)('direct messages with nakama-js on $name', (backend) => {
  const { start, user } = chatServerPerTest(backend);

  it('opens a DM channel, invites the offline user with a -1 notification, and chats', async () => {
    const client = await start();
    const ann = await user(client, 'ann');
    const benSession = await login(client, 'ben'); // Ben exists but has no socket open.
    const [one, two] = [ann.id, benSession.user_id!].sort();
    const ch = await ann.socket.joinChat(benSession.user_id!, DIRECT, true, false);
    expect(ch).toMatchObject({ id: `4.${one}.${two}.`, user_id_one: one, user_id_two: two });
    expect(ch).not.toHaveProperty('room_name');

    // The invitation was stored before the join reply: Ben finds it at once.
    const listed = await client.listNotifications(benSession, 10);
    expect(listed.notifications).toEqual([
      {
        id: expect.any(String),
        subject: 'ann wants to chat',
        content: { username: 'ann' },
        code: -1,
        sender_id: ann.id,
        create_time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        persistent: true,
      },
    ]);

    const ben = await user(client, 'ben', benSession);
    const b = await ben.socket.joinChat(ann.id, DIRECT, true, false);
    expect(b.id).toBe(ch.id);
    expect(b.presences).toEqual([
      { user_id: ann.id, session_id: expect.any(String), username: 'ann', persistence: true },
    ]);
    expect(await ann.log.presence(1)).toMatchObject({
      channel_id: ch.id,
      joins: [{ user_id: ben.id }],
      user_id_one: one,
      user_id_two: two,
    });
    // Ann was in the channel, so Ben's join invited nobody.
    expect((await client.listNotifications(ann.session, 10)).notifications).toEqual([]);

    await ben.socket.writeChatMessage(ch.id, { text: 'hi ann' });
    for (const u of [ann, ben]) {
      expect(await u.log.message(0)).toMatchObject({
        channel_id: ch.id,
        sender_id: ben.id,
        content: { text: 'hi ann' },
        user_id_one: one,
        user_id_two: two,
      });
    }
    const history = await client.listChannelMessages(ann.session, ch.id, 10, true);
    expect(history.messages).toEqual([
      expect.objectContaining({ user_id_one: one, content: { text: 'hi ann' } }),
    ]);

    // Online but away from the channel: the invitation arrives live.
    await ben.socket.leaveChat(ch.id);
    await ann.socket.leaveChat(ch.id);
    await ann.socket.joinChat(ben.id, DIRECT, true, false);
    expect(await ben.log.notification(0)).toMatchObject({
      code: -1,
      subject: 'ann wants to chat',
      sender_id: ann.id,
    });
  });

  it('keeps DM history to its two users and refuses bad targets', async () => {
    const client = await start();
    const [ann, ben, eve] = [await user(client, 'ann'), await user(client, 'ben'), await user(client, 'eve')];
    const ch = await ann.socket.joinChat(ben.id, DIRECT, true, false);
    await ann.socket.writeChatMessage(ch.id, { secret: true });
    expect((await client.listChannelMessages(ben.session, ch.id, 10, true)).messages).toHaveLength(1);
    expect(await httpStatus(client.listChannelMessages(eve.session, ch.id, 10, true))).toBe(403);
    // Eve cannot post into it without joining, and cannot join it (a DM channel is joined by user id).
    expect(await socketError(eve.socket.writeChatMessage(ch.id, { x: 1 }))).toMatchObject({
      code: 3,
      message: 'Must join channel before sending messages',
    });
    const refusals = [
      [ann.id, 'Cannot open direct message channel with self'],
      ['not-a-uuid', 'Invalid user ID in direct message join'],
      ['00000000-0000-4000-8000-000000000000', 'User ID not found'],
    ] as const;
    for (const [target, message] of refusals) {
      expect(await socketError(ann.socket.joinChat(target, DIRECT, true, false))).toEqual({
        code: 3,
        message,
      });
    }
  });
});
