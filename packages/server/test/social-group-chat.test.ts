/**
 * Group chat with the unmodified nakama-js 2.8.0 client over real sockets, on every backend: only
 * members join a group's channel; membership changes appear in it as Nakama's system messages (codes
 * 3–9, sender = the affected user, content `{}`) and in its history; a user who leaves or is kicked or
 * banned sees their own departure, then is off the channel at once; a deleted group's channel empties.
 */
import type { ChannelMessage } from '@heroiclabs/nakama-js';
import { describe, expect, it } from 'vitest';
import { testBackends } from './backends.ts';
import { type ChatUser, chatServerPerTest, socketError } from './nakama-chat.ts';
import { installNakamaShim } from './realtime-helpers.ts';
import { httpError } from './social-helpers.ts';

installNakamaShim();
const backends = await testBackends('group chat (nakama-js)');
const GROUP = 3;

describe.each(backends)('group chat on $name', (backend) => {
  const { start, user } = chatServerPerTest(backend);
  const system = (m: ChannelMessage) => [m.code, m.username];
  /** The first message `u` received (or receives) with this code. */
  async function withCode(u: ChatUser, code: number): Promise<ChannelMessage> {
    for (let i = 0; ; i++) {
      const m = await u.log.message(i);
      if (m.code === code) return m;
    }
  }

  /** A message from `from` that `to` receives, then proof that `gone` did not: a round trip on its socket. */
  async function notDelivered(gone: ChatUser, channelId: string, from: ChatUser, to: ChatUser) {
    const ack = await from.socket.writeChatMessage(channelId, { probe: true });
    for (let i = 0; (await to.log.message(i)).message_id !== ack.message_id; i++);
    expect(await socketError(gone.socket.writeChatMessage(channelId, { late: true }))).toEqual({
      code: 3,
      message: 'Must join channel before sending messages',
    });
    expect(gone.log.messages.map((m) => m.message_id)).not.toContain(ack.message_id);
  }

  it('announces every membership change in the channel and its history, and removes departed members at once', async () => {
    const client = await start();
    const [own, ann, ben, cat] = [
      await user(client, 'own'),
      await user(client, 'ann'),
      await user(client, 'ben'),
      await user(client, 'cat'),
    ];
    const group = await client.createGroup(own.session, { name: 'Guild', open: true });
    const gid = group.id!;
    const channel = await own.socket.joinChat(gid, GROUP, true, false);
    expect(channel).toMatchObject({ id: `3.${gid}..`, group_id: gid });
    // Not a member yet: no channel, no history.
    expect(await socketError(ann.socket.joinChat(gid, GROUP, true, false))).toEqual({
      code: 3,
      message: 'Group not found: Invalid channel target',
    });
    expect(await httpError(client.listChannelMessages(ann.session, channel.id, 10))).toMatchObject({
      status: 400,
      message: 'Group not found.',
    });

    await client.joinGroup(ann.session, gid); // 3 joined
    const joined = await own.log.message(0);
    expect(joined).toMatchObject({
      channel_id: channel.id,
      code: 3,
      sender_id: ann.id,
      username: 'ann',
      content: {},
      persistent: true,
      group_id: gid,
    });
    await ann.socket.joinChat(gid, GROUP, true, false);
    await client.addGroupUsers(own.session, gid, [ben.id, cat.id]); // 4 added, twice
    await ben.socket.joinChat(gid, GROUP, true, false);
    await cat.socket.joinChat(gid, GROUP, true, false);
    await client.promoteGroupUsers(own.session, gid, [ann.id]); // 7 promoted
    await client.demoteGroupUsers(own.session, gid, [ann.id]); // 9 demoted
    const seen = [];
    for (let i = 0; i < 5; i++) seen.push(system(await own.log.message(i)));
    expect(seen).toEqual([
      [3, 'ann'],
      [4, 'ben'],
      [4, 'cat'],
      [7, 'ann'],
      [9, 'ann'],
    ]);

    // Ben leaves: he sees his own departure, then is off the channel; the others see him go.
    await client.leaveGroup(ben.session, gid); // 5 left
    expect(system(await withCode(ben, 5))).toEqual([5, 'ben']);
    expect(system(await own.log.message(5))).toEqual([5, 'ben']);
    const leaveEvent = async (u: ChatUser) => {
      for (let i = 0; ; i++) {
        const e = await u.log.presence(i);
        if (e.leaves?.some((p) => p.user_id === ben.id)) return e;
      }
    };
    expect((await leaveEvent(ann)).channel_id).toBe(channel.id);
    await notDelivered(ben, channel.id, own, ann);
    expect(await socketError(ben.socket.joinChat(gid, GROUP, true, false))).toMatchObject({ code: 3 });

    // Kicked and banned members go the same way.
    await client.kickGroupUsers(own.session, gid, [cat.id]); // 6 kicked
    expect(system(await withCode(cat, 6))).toEqual([6, 'cat']);
    await notDelivered(cat, channel.id, own, ann);
    await client.banGroupUsers(own.session, gid, [ann.id]); // 8 banned
    expect(system(await withCode(ann, 8))).toEqual([8, 'ann']);
    expect(await socketError(ann.socket.writeChatMessage(channel.id, { late: true }))).toMatchObject({
      code: 3,
    });
    expect(await socketError(ann.socket.joinChat(gid, GROUP, true, false))).toMatchObject({ code: 3 });

    // History: every system message and chat message in order, system messages with content {}.
    const history = await client.listChannelMessages(own.session, channel.id, 100, true);
    const codes = (history.messages ?? []).map((m) => m.code);
    expect(codes.filter((c) => c !== 0)).toEqual([3, 4, 4, 7, 9, 5, 6, 8]);
    expect(history.messages?.find((m) => m.code === 6)).toMatchObject({
      sender_id: cat.id,
      username: 'cat',
      content: {},
      group_id: gid,
    });
  });

  it('empties the channel of a deleted group', async () => {
    const client = await start();
    const [own, ann] = [await user(client, 'own'), await user(client, 'ann')];
    const group = await client.createGroup(own.session, { name: 'Doomed', open: true });
    await client.joinGroup(ann.session, group.id!);
    const channel = await own.socket.joinChat(group.id!, GROUP, true, false);
    await ann.socket.joinChat(group.id!, GROUP, true, false);
    await client.deleteGroup(own.session, group.id!);
    for (const u of [own, ann]) {
      expect(await socketError(u.socket.writeChatMessage(channel.id, { x: 1 }))).toMatchObject({
        code: 3,
        message: 'Must join channel before sending messages',
      });
    }
  });
});
