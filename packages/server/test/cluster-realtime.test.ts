/**
 * Cluster mode, realtime features: three Tether nodes on one PostgreSQL schema and one Redis, and
 * three kinds of client each on a different node — nakama-js on n1, a GameMaker TCP client on n2,
 * the Tether SDK on n3 — sharing chat rooms, direct messages, status, notifications, custom streams
 * and a relayed match.
 */
import type { ChannelMessage, ChannelPresenceEvent, Notification, StreamData } from '@heroiclabs/nakama-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RealtimeSocket } from '../../client/src/node.ts';
import { connectedPlayer, until } from '../../client/test/realtime-helpers.ts';
import { ClusterBed, clusterAvailable, eventually, seen } from './cluster-helpers.ts';
import { GmRealtimeClient } from './gm-realtime-client.ts';
import type { TestServer } from './helpers.ts';
import { b64, connectMatchPlayer, text } from './match-helpers.ts';
import {
  connectPlayer,
  disconnectAll,
  nakamaClient,
  type Player,
  type PresenceEventBody,
} from './realtime-helpers.ts';

const available = await clusterAvailable('cluster-realtime');
const bed = new ClusterBed();
let n1: TestServer;
let n2: TestServer;
let n3: TestServer;
const opened: Player[] = [];
const gms: GmRealtimeClient[] = [];
const sdks: RealtimeSocket[] = [];

beforeAll(async () => {
  if (!available) return;
  [n1, n2, n3] = (await bed.start('n1', 'n2', 'n3')) as [TestServer, TestServer, TestServer];
  // An RPC on n3 that reaches sessions of other nodes through nk.
  await n3.runtime.run((initializer, nk) => {
    initializer.registerRpc('gather', (_ctx, payload) => {
      const { members, stream } = JSON.parse(payload) as {
        members: { userId: string; sessionId: string }[];
        stream: { mode: number; subject: string };
      };
      for (const m of members) nk.streamUserJoin(m.userId, m.sessionId, stream);
      nk.streamSend(stream, 'gathered');
      return JSON.stringify(nk.streamUserList(stream).map((p) => `${p.username}@${p.node}`));
    });
    initializer.registerRpc('reward', async (_ctx, userId) => {
      await nk.notificationSend(userId, 'reward', { coins: 5 }, 101, null, false);
    });
  });
}, 60_000);
afterEach(() => {
  disconnectAll(opened);
  for (const gm of gms.splice(0)) gm.destroy();
  for (const s of sdks.splice(0)) s.disconnect();
});
afterAll(() => bed.stop(), 60_000);

/** A GameMaker TCP client logged in and authenticated on n2. */
async function gmOn(server: TestServer, options: { status?: boolean } = {}) {
  const gm = await GmRealtimeClient.tcp(server.gm!.port);
  gms.push(gm);
  const token = await GmRealtimeClient.token(server.baseUrl);
  const self = (await gm.authenticate(token, options)) as {
    session_id: string;
    user_id: string;
    username: string;
  };
  return { gm, self, token };
}

/** An SDK player on `server`, with its session id (a `/ws` connection is not told it). */
async function sdkOn(server: TestServer, label: string) {
  const player = await connectedPlayer(server, label);
  sdks.push(player.socket);
  const sessionId = server.realtime.sessions.byUser(player.session.userId)[0]!.id;
  return { ...player, sessionId };
}

describe.runIf(available)('three nodes, three clients', () => {
  it('share a chat room: presences, messages and leaves cross nodes', async () => {
    const js = await connectPlayer(n1, opened, { username: `js${Date.now()}` });
    const joined = await js.socket.joinChat('lobby', 1, true, false);
    await seen([n2], { mode: 2, label: 'lobby' }, 1);
    const { gm, self: gmSelf } = await gmOn(n2);
    const gmJoin = await gm.request('channel_join', { target: 'lobby', type: 1, persistence: true });
    const channelId = (gmJoin.channel as { id: string }).id;
    expect(channelId).toBe(joined.id);
    // The GameMaker client sees the nakama-js member from the other node in its reply.
    expect(
      (gmJoin.channel as { presences: { session_id: string }[] }).presences.map((p) => p.session_id),
    ).toEqual([joined.self.session_id]);
    const sdk = await sdkOn(n3, 'sdk');
    await sdk.socket.joinChat('lobby');
    // nakama-js hears its own join, then the two others' (each once, whichever node they are on).
    const joins = () =>
      js.events
        .all<ChannelPresenceEvent>('onchannelpresence')
        .flatMap((e) => e.joins?.map((p) => p.session_id) ?? []);
    await eventually(() => expect(joins()).toHaveLength(3));
    expect(joins().sort()).toEqual([joined.self.session_id, gmSelf.session_id, sdk.sessionId].sort());
    // A message from the GameMaker client reaches nakama-js (n1) and the SDK (n3).
    gm.send({ cid: 'm1', channel_message_send: { channel_id: channelId, content: '{"from":"gml"}' } });
    const atJs = await js.events.next<ChannelMessage>('onchannelmessage');
    expect(atJs).toMatchObject({
      channel_id: channelId,
      content: { from: 'gml' },
      sender_id: gmSelf.user_id,
    });
    const atSdk = await until(sdk.socket, 'channel_message');
    expect(atSdk.body).toMatchObject({ channel_id: channelId, message_id: atJs.message_id });
    // The SDK leaves: the others hear it once.
    await sdk.socket.leaveChat(channelId);
    const leaves = () =>
      js.events
        .all<ChannelPresenceEvent>('onchannelpresence')
        .flatMap((e) => e.leaves?.map((p) => p.session_id) ?? []);
    await eventually(() => expect(leaves()).toEqual([sdk.sessionId]));
    const gmLeaves = () =>
      gm
        .pushes('channel_presence_event')
        .flatMap(
          (e) => (e.channel_presence_event as PresenceEventBody).leaves?.map((p) => p.session_id) ?? [],
        );
    await eventually(() => expect(gmLeaves()).toEqual([sdk.sessionId]));
    // History is in the shared database: listed from any node.
    const history = await fetch(`${n3.baseUrl}/v2/channel/${encodeURIComponent(channelId)}?limit=10`, {
      headers: { authorization: `Bearer ${js.session.token}` },
    }).then((r) => r.json() as Promise<{ messages: { message_id: string }[] }>);
    expect(history.messages.map((m) => m.message_id)).toEqual([atJs.message_id]);
  });

  it('open direct messages across nodes, with the DM request notification', async () => {
    const js = await connectPlayer(n1, opened);
    const { gm, self: gmSelf } = await gmOn(n2);
    const dm = await js.socket.joinChat(gmSelf.user_id, 2, true, false);
    const request = await gm.nextPush('notifications');
    expect(request).toMatchObject({
      notifications: { notifications: [{ code: -1, sender_id: js.session.user_id }] },
    });
    const gmDm = await gm.request('channel_join', { target: js.session.user_id, type: 2, persistence: true });
    expect((gmDm.channel as { id: string }).id).toBe(dm.id);
    const joinedUsers = () =>
      js.events
        .all<ChannelPresenceEvent>('onchannelpresence')
        .flatMap((e) => e.joins?.map((p) => p.user_id) ?? []);
    await eventually(() => expect(joinedUsers()).toEqual([js.session.user_id, gmSelf.user_id]));
    await js.socket.writeChatMessage(dm.id, { hi: 'gm' });
    const atGm = await gm.nextPush('channel_message');
    expect(atGm.channel_message).toMatchObject({ channel_id: dm.id, content: '{"hi":"gm"}' });
    gm.send({ cid: 'r', channel_message_send: { channel_id: dm.id, content: '{"hi":"js"}' } });
    await eventually(() => expect(js.events.all<ChannelMessage>('onchannelmessage')).toHaveLength(2));
    expect(js.events.all<ChannelMessage>('onchannelmessage')[1]).toMatchObject({ content: { hi: 'js' } });
  });

  it('share a group channel: system messages of a membership change on one node, a kick removes a member on another', async () => {
    const owner = await connectPlayer(n1, opened);
    const client = nakamaClient(n1);
    const group = await client.createGroup(owner.session, { name: `guild${Date.now()}`, open: true });
    const gid = group.id!;
    const channel = await owner.socket.joinChat(gid, 3, true, false);
    // A member on n2 joins the group (over n2's HTTP API) and its channel.
    const { gm, self: gmSelf, token } = await gmOn(n2);
    const joinedGroup = await fetch(`${n2.baseUrl}/v2/group/${gid}/join`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(joinedGroup.status).toBe(200);
    await eventually(() =>
      expect(owner.events.all<ChannelMessage>('onchannelmessage').map((m) => m.code)).toContain(3),
    );
    await gm.request('channel_join', { target: gid, type: 3, persistence: true });
    const joins = () =>
      owner.events
        .all<ChannelPresenceEvent>('onchannelpresence')
        .flatMap((e) => e.joins?.map((p) => p.session_id) ?? []);
    await eventually(() => expect(joins()).toContain(gmSelf.session_id));
    await owner.socket.writeChatMessage(channel.id, { to: 'guild' });
    expect((await gm.nextPush('channel_message')).channel_message).toMatchObject({
      content: '{"to":"guild"}',
    });
    // The owner (n1) kicks the member: it sees its own departure, then is off the channel on n2 too.
    await client.kickGroupUsers(owner.session, gid, [gmSelf.user_id]);
    await eventually(() =>
      expect(
        gm.pushes('channel_message').map((e) => (e.channel_message as { code?: number }).code),
      ).toContain(6),
    );
    await eventually(() => expect(n2.realtime.streams.count({ mode: 3, subject: gid })).toBe(1));
  });

  it('follow status across nodes', async () => {
    const { gm, self: gmSelf } = await gmOn(n2, { status: true });
    const js = await connectPlayer(n1, opened);
    const followed = await js.socket.followUsers([gmSelf.user_id]);
    expect(followed.presences.map((p) => p.session_id)).toEqual([gmSelf.session_id]);
    await gm.request('status_update', { status: 'in a match' });
    const event = await js.events.next<PresenceEventBody>('onstatuspresence');
    expect(event.joins).toEqual([
      expect.objectContaining({ session_id: gmSelf.session_id, status: 'in a match' }),
    ]);
    expect(event.leaves).toEqual([expect.objectContaining({ session_id: gmSelf.session_id, status: '' })]);
    gm.destroy();
    const gone = await js.events.next<PresenceEventBody>('onstatuspresence');
    expect(gone.leaves).toEqual([expect.objectContaining({ session_id: gmSelf.session_id })]);
  });

  it('reach sessions of other nodes from server code: notifications and custom streams', async () => {
    const js = await connectPlayer(n1, opened);
    const { gm, self: gmSelf } = await gmOn(n2);
    const sdk = await sdkOn(n3, 'caller');
    await sdk.socket.rpc('reward', js.session.user_id!);
    expect(await js.events.next<Notification>('onnotification')).toMatchObject({
      subject: 'reward',
      content: { coins: 5 },
    });
    const jsSession = n1.realtime.sessions.byUser(js.session.user_id!)[0]!;
    const stream = { mode: 120, subject: 'arena' };
    const listed = await sdk.socket.rpc(
      'gather',
      JSON.stringify({
        stream,
        members: [
          { userId: js.session.user_id, sessionId: jsSession.id },
          { userId: gmSelf.user_id, sessionId: gmSelf.session_id },
        ],
      }),
    );
    // n3 asked n1 and n2 to track their sessions; its own list shows them once their changes are back.
    expect(JSON.parse(listed!)).toEqual(expect.any(Array));
    await eventually(() => expect(n3.realtime.streams.count(stream)).toBe(2));
    expect(
      n3.realtime.streams
        .presences(stream)
        .map((p) => p.node)
        .sort(),
    ).toEqual(['n1', 'n2']);
    expect(await js.events.next<PresenceEventBody>('onstreampresence')).toMatchObject({ stream });
    expect(n3.realtime.streams.send(stream, 'second')).toBe(2);
    await eventually(() =>
      expect(js.events.all<StreamData>('onstreamdata').map((d) => d.data)).toContain('second'),
    );
    await eventually(() =>
      expect(gm.pushes('stream_data').map((e) => (e.stream_data as { data: string }).data)).toContain(
        'second',
      ),
    );
  });

  it('play a relayed match created on n1 and joined from n2 and n3', async () => {
    const js = await connectMatchPlayer(n1, opened, `host${Date.now()}`);
    const created = await js.socket.createMatch();
    const relayed = { mode: 5, subject: created.match_id.split('.')[0]! };
    await seen([n2], relayed, 1);
    const { gm, self: gmSelf } = await gmOn(n2);
    const gmJoin = await gm.request('match_join', { match_id: created.match_id });
    expect(gmJoin.match).toMatchObject({ match_id: created.match_id, size: 1 });
    const sdk = await sdkOn(n3, 'player');
    await seen([n3], relayed, 2);
    const sdkJoin = await sdk.socket.joinMatch(created.match_id);
    expect(sdkJoin.presences?.map((p) => p.session_id).sort()).toEqual(
      [created.self.session_id, gmSelf.session_id].sort(),
    );
    await js.match.presenceCount(2, (e) =>
      (e.joins ?? []).some((p) => p.session_id !== created.self.session_id),
    );
    // Listed from any node.
    const listed = await fetch(`${n2.baseUrl}/v2/match?limit=100`, {
      headers: { authorization: `Bearer ${js.session.token}` },
    }).then((r) => r.json() as Promise<{ matches: { match_id: string; size?: number }[] }>);
    expect(listed.matches).toContainEqual({ match_id: created.match_id, size: 3 });
    gm.send({ match_data_send: { match_id: created.match_id, op_code: 3, data: b64('from n2') } });
    const [atJs] = await js.match.dataCount(1);
    expect(text(atJs!)).toBe('from n2');
    expect(atJs!.presence).toMatchObject({ session_id: gmSelf.session_id });
    const atSdk = await until(sdk.socket, 'match_data');
    expect(atSdk.body).toMatchObject({ op_code: 3, presence: { session_id: gmSelf.session_id } });
    sdk.socket.sendMatchData(created.match_id, 4, 'from n3');
    await js.match.dataCount(2);
    const atGm = await gm.nextPush('match_data');
    expect(atGm.match_data).toMatchObject({ op_code: '4', data: b64('from n3') });
    gm.destroy();
    const [left] = await js.match.presenceCount(1, (e) => (e.leaves?.length ?? 0) > 0);
    expect(left!.leaves?.map((p) => p.session_id)).toEqual([gmSelf.session_id]);
  });
});
