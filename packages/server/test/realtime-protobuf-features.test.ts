/**
 * Every socket feature over `/ws?format=protobuf`, driven by the unmodified nakama-js 2.8.0 client
 * with nakama-js-protobuf 1.4.0's `WebSocketAdapterPb`: status, room and direct chat (with history
 * over REST), notifications, custom streams, rpc, relayed and authoritative matches, the matchmaker
 * and parties. The JSON twins of these tests are realtime-*.test.ts, match-*.test.ts, party.test.ts
 * and matchmaker.test.ts; the assertions here cover what the binary format changes (bytes, numbers,
 * timestamps, filled-in defaults, party field numbers).
 */
import type { ChannelMessage, Notification, StreamData } from '@heroiclabs/nakama-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MatchHandler } from '../src/runtime/api.ts';
import { startTestServer, type TestServer } from './helpers.ts';
import { MatchRecorder, rejection } from './match-helpers.ts';
import { MultiplayerRecorder } from './multiplayer-helpers.ts';
import {
  connectPlayer,
  disconnectAll,
  nakamaClient,
  type Player,
  type PresenceEventBody,
} from './realtime-helpers.ts';

/** Echo room: op 1 echoes to the sender with op 101; 3 sets the label. */
const echo: MatchHandler<Record<string, never>> = {
  matchInit: (_ctx, params) => ({ state: {}, tickRate: 20, label: String(params.label ?? 'pb-room') }),
  matchJoinAttempt: (_ctx, _d, _tick, state, _presence, metadata) =>
    metadata.password === 'nope'
      ? { state, accept: false, rejectMessage: 'Wrong password' }
      : { state, accept: true },
  matchLoop: (_ctx, d, _tick, state, messages) => {
    for (const m of messages) {
      if (m.opCode === 1) d.broadcastMessage(101, m.data, [m.sender]);
      if (m.opCode === 3) d.matchLabelUpdate(new TextDecoder().decode(m.data));
    }
    return { state };
  },
};

let server: TestServer;
const opened: Player[] = [];

beforeAll(async () => {
  server = await startTestServer({ matchmakerIntervalMs: 100 });
  await server.runtime.run((initializer, nk) => {
    initializer.registerMatch('pb-echo', echo);
    initializer.registerRpc('pb_open', (_ctx, payload) =>
      nk.matchCreate('pb-echo', JSON.parse(payload || '{}')),
    );
    initializer.registerRpc('pb_echo', (ctx, payload) => JSON.stringify({ user: ctx.userId, payload }));
  }, 'pb-features');
});
afterEach(() => disconnectAll(opened));
afterAll(() => server.stop());

type PbPlayer = Player & { match: MatchRecorder; mp: MultiplayerRecorder; id: string; sid: string };

async function pb(opts: { username?: string; status?: boolean } = {}): Promise<PbPlayer> {
  const p = await connectPlayer(server, opened, { ...opts, protobuf: true });
  const id = p.session.user_id!;
  const sid = server.realtime.sessions.byUser(id).at(-1)!.id;
  return { ...p, match: new MatchRecorder(p.socket), mp: new MultiplayerRecorder(p.socket), id, sid };
}

const ids = (list: readonly { session_id: string }[] | undefined) => (list ?? []).map((p) => p.session_id);

describe('status and chat over protobuf', () => {
  it('follows, updates and unfollows status', async () => {
    const alice = await pb({ status: true });
    const bob = await pb();
    const followed = await bob.socket.followUsers([alice.id]);
    expect(ids(followed.presences)).toEqual([alice.sid]);
    await alice.socket.updateStatus('in a match');
    const update = await bob.events.next<PresenceEventBody>('onstatuspresence');
    expect(update.joins!.map((p) => [p.user_id, p.status])).toEqual([[alice.id, 'in a match']]);
    expect(update.leaves!.map((p) => p.status)).toEqual(['']);
    await bob.socket.unfollowUsers([alice.id]);
    await alice.socket.updateStatus('busy');
    await bob.socket.followUsers([]); // a fence: every earlier push has arrived
    expect(bob.events.all('onstatuspresence')).toHaveLength(1);
    await expect(bob.socket.followUsers(['alice'])).rejects.toMatchObject({ code: 3 });
  });

  it('joins a room, writes, updates and removes messages, sees presences, and reads history over REST', async () => {
    const [ann, ben] = [await pb({ username: `pbann${Date.now()}` }), await pb()];
    const room = `pb-room-${Date.now()}`;
    const a = await ann.socket.joinChat(room, 1, true, false);
    expect(a).toMatchObject({ id: `2...${room}`, room_name: room });
    const b = await ben.socket.joinChat(room, 1, true, false);
    expect(ids(b.presences)).toEqual([ann.sid]);
    const join = await ann.events.next<{ joins: { session_id: string }[] }>('onchannelpresence');
    expect(ids(join.joins)).toEqual([ann.sid]);
    expect(
      ids((await ann.events.next<{ joins: { session_id: string }[] }>('onchannelpresence')).joins),
    ).toEqual([ben.sid]);

    const ack = await ben.socket.writeChatMessage(a.id, { n: 1 });
    expect(ack).toMatchObject({
      channel_id: a.id,
      code: 0,
      persistent: true,
      username: ben.session.username,
    });
    expect(ack.create_time).toBeInstanceOf(Date); // nakama-js-protobuf turns Timestamps into Dates
    const got = await ann.events.next<ChannelMessage>('onchannelmessage');
    expect(got).toMatchObject({ message_id: ack.message_id, content: { n: 1 }, sender_id: ben.id, code: 0 });

    const updated = await ben.socket.updateChatMessage(a.id, ack.message_id, { n: 2 });
    expect(updated.message_id).toBe(ack.message_id);
    expect(await ann.events.next<ChannelMessage>('onchannelmessage')).toMatchObject({
      message_id: ack.message_id,
      content: { n: 2 },
    });
    const removed = await ben.socket.removeChatMessage(a.id, ack.message_id);
    expect(removed.message_id).toBe(ack.message_id);
    expect(await ann.events.next<ChannelMessage>('onchannelmessage')).toMatchObject({
      message_id: ack.message_id,
    });

    await ben.socket.writeChatMessage(a.id, { n: 3 });
    const history = await nakamaClient(server).listChannelMessages(ann.session, a.id, 10, true);
    expect((history.messages ?? []).map((m) => m.content)).toEqual([{ n: 3 }]);

    await ben.socket.leaveChat(a.id);
    await ann.events.next('onchannelmessage');
    const leave = await ann.events.next<{ leaves: { session_id: string }[] }>('onchannelpresence');
    expect(ids(leave.leaves)).toEqual([ben.sid]);
    expect(await rejection(ann.socket.writeChatMessage('2...nowhere', { n: 0 }))).toMatchObject({ code: 3 });
  });

  it('opens a direct chat: the invitation is a notification push, then messages flow', async () => {
    const [ann, ben] = [await pb(), await pb()];
    const dm = await ann.socket.joinChat(ben.id, 2, true, false);
    const invite = await ben.events.next<Notification>('onnotification');
    expect(invite).toMatchObject({ code: -1, sender_id: ann.id, persistent: true });
    expect(invite.create_time).toBeDefined();
    const joined = await ben.socket.joinChat(ann.id, 2, true, false);
    expect(joined.id).toBe(dm.id);
    await ann.socket.writeChatMessage(dm.id, { hi: 'ben' });
    expect(await ben.events.next<ChannelMessage>('onchannelmessage')).toMatchObject({
      channel_id: dm.id,
      content: { hi: 'ben' },
      user_id_one: expect.any(String),
    });
  });
});

describe('streams and rpc over protobuf', () => {
  it('delivers stream presence events and stream data', async () => {
    const [a, b] = [await pb({ username: `pbstream${Date.now()}` }), await pb()];
    const arena = { mode: 42, subject: 'arena', label: 'pb' };
    expect(server.realtime.streams.join(a.sid, arena)).toBe(true);
    const own = await a.events.next<PresenceEventBody>('onstreampresence');
    expect(own.stream).toMatchObject(arena);
    expect(ids(own.joins)).toEqual([a.sid]);
    server.realtime.streams.join(b.sid, arena, { status: 'ready' });
    expect((await a.events.next<PresenceEventBody>('onstreampresence')).joins![0]).toMatchObject({
      session_id: b.sid,
      status: 'ready',
    });
    const sender = server.realtime.streams.get(a.sid, arena)!;
    expect(server.realtime.streams.send(arena, 'hello', { sender, reliable: true })).toBe(2);
    const data = await b.events.next<StreamData>('onstreamdata');
    expect(data).toMatchObject({ stream: arena, data: 'hello', reliable: true });
    expect(data.sender).toMatchObject({ session_id: a.sid });
  });

  it('calls an rpc over the socket', async () => {
    const p = await pb();
    const reply = await p.socket.rpc('pb_echo', 'ping');
    expect(reply.id).toBe('pb_echo');
    expect(JSON.parse(reply.payload!)).toEqual({ user: p.id, payload: 'ping' });
  });
});

describe('matches over protobuf', () => {
  it('relayed: create, join, data to all or to listed presences, leave', async () => {
    const [a, b, c] = [await pb(), await pb(), await pb()];
    const m = await a.socket.createMatch();
    await b.socket.joinMatch(m.match_id);
    const cm = await c.socket.joinMatch(m.match_id);
    expect(ids(cm.presences).sort()).toEqual([a.sid, b.sid].sort());
    await a.match.presenceCount(3);
    await a.socket.sendMatchState(m.match_id, 3, new Uint8Array([9, 8, 7]));
    await a.socket.sendMatchState(m.match_id, 5, 'only c', [cm.self]);
    const [toB] = await b.match.dataCount(1);
    expect(toB).toMatchObject({ op_code: 3, match_id: m.match_id });
    expect([...toB!.data]).toEqual([9, 8, 7]);
    const toC = await c.match.dataCount(2);
    expect(toC.map((d) => [d.op_code, new TextDecoder().decode(d.data)])).toEqual([
      [3, '\t\b\x07'],
      [5, 'only c'],
    ]);
    await b.socket.leaveMatch(m.match_id);
    const left = (await a.match.presenceCount(1, (e) => !!e.leaves?.length))[0]!;
    expect(ids(left.leaves)).toEqual([b.sid]);
  });

  it('authoritative: join with metadata, loop echo, label listing', async () => {
    const p = await pb();
    const label = `pb-label-${Date.now()}`;
    const id = (await p.socket.rpc('pb_open', JSON.stringify({ label }))).payload!;
    expect(await rejection(p.socket.joinMatch(id, undefined, { password: 'nope' }))).toMatchObject({
      code: 5,
      message: 'Wrong password',
    });
    const joined = await p.socket.joinMatch(id);
    expect(joined).toMatchObject({ match_id: id, authoritative: true, label });
    await p.socket.sendMatchState(id, 1, new Uint8Array([1, 2, 3]));
    const [echoed] = await p.match.dataCount(1);
    expect(echoed!.op_code).toBe(101);
    expect([...echoed!.data]).toEqual([1, 2, 3]);
    const listed = await nakamaClient(server).listMatches(p.session, 10, true, label, 0, 10);
    expect((listed.matches ?? []).map((m) => m.match_id)).toEqual([id]);
  });

  it('matchmaker: add, remove, and a match with tokens', async () => {
    const [a, b] = [await pb(), await pb()];
    const query = `+properties.mode:pb${Date.now()}`;
    const props = { mode: query.slice('+properties.mode:'.length) };
    const removed = await a.socket.addMatchmaker(query, 2, 2, props);
    expect(removed.ticket).toEqual(expect.any(String));
    await a.socket.removeMatchmaker(removed.ticket);
    await a.socket.addMatchmaker(query, 2, 2, props, { skill: 3 });
    await b.socket.addMatchmaker(query, 2, 2, props);
    const [ma, mb] = [await a.mp.next('onmatchmakermatched'), await b.mp.next('onmatchmakermatched')];
    expect(ma.users.map((u) => u.presence.session_id).sort()).toEqual([a.sid, b.sid].sort());
    expect(ma.self.presence.session_id).toBe(a.sid);
    // Properties cross as protobuf maps (string → string, string → double).
    expect(ma.self).toMatchObject({ string_properties: props, numeric_properties: { skill: 3 } });
    expect(mb.users.find((u) => u.presence.session_id === a.sid)?.numeric_properties).toEqual({ skill: 3 });
    const first = await a.socket.joinMatch(undefined, ma.token);
    const second = await b.socket.joinMatch(undefined, mb.token);
    expect(second.match_id).toBe(first.match_id);
  });
});

describe('parties over protobuf', () => {
  it('create, join, data, promote and close, with the legacy Party field numbers', async () => {
    const [lead, mate] = [await pb(), await pb()];
    const party = await lead.socket.createParty(true, 4);
    expect(party).toMatchObject({ open: true, max_size: 4 });
    expect(party.party_id).toMatch(/^[0-9a-f-]{36}\./);
    expect(party.leader.session_id).toBe(lead.sid);
    expect(party.self.session_id).toBe(lead.sid);
    await lead.mp.next('onpartypresence');
    await mate.socket.joinParty(party.party_id);
    const seen = await mate.mp.next('onparty');
    expect(seen).toMatchObject({ party_id: party.party_id, open: true, max_size: 4 });
    expect(seen.leader.session_id).toBe(lead.sid);
    expect(ids(seen.presences).sort()).toEqual([lead.sid, mate.sid].sort());
    expect(ids((await lead.mp.next('onpartypresence')).joins)).toEqual([mate.sid]);

    await mate.socket.sendPartyData(party.party_id, 7, new Uint8Array([4, 5]));
    const data = await lead.mp.next('onpartydata');
    expect(data).toMatchObject({ party_id: party.party_id, op_code: 7 });
    expect([...(data.data as Uint8Array)]).toEqual([4, 5]);
    expect(data.presence.session_id).toBe(mate.sid);

    const promoted = await lead.socket.promotePartyMember(party.party_id, seen.self);
    expect(promoted.presence.session_id).toBe(mate.sid);
    expect((await mate.mp.next('onpartyleader')).presence.session_id).toBe(mate.sid);
    expect(await rejection(lead.socket.closeParty(party.party_id))).toMatchObject({ code: 3 });
    await mate.socket.closeParty(party.party_id);
    expect((await lead.mp.next('onpartyclose')).party_id).toBe(party.party_id);
  });

  it('join requests, acceptance and party matchmaking push their messages', async () => {
    const [lead, asker] = [await pb(), await pb()];
    const party = await lead.socket.createParty(false, 4);
    await lead.mp.next('onpartypresence');
    await asker.socket.joinParty(party.party_id);
    const request = await lead.mp.next('onpartyjoinrequest');
    expect(request.party_id).toBe(party.party_id);
    expect(ids(request.presences)).toEqual([asker.sid]);
    const listed = await lead.socket.listPartyJoinRequests(party.party_id);
    expect(ids(listed.presences)).toEqual([asker.sid]);
    await lead.socket.acceptPartyMember(party.party_id, request.presences[0]!);
    expect((await asker.mp.next('onparty')).party_id).toBe(party.party_id);
    const ticket = await lead.socket.addMatchmakerParty(party.party_id, '*', 2, 4, { mode: 'pb' });
    expect(ticket).toMatchObject({ party_id: party.party_id, ticket: expect.any(String) });
    const pushed = await asker.mp.next('onpartymatchmakerticket');
    expect(pushed).toMatchObject({ party_id: party.party_id, ticket: ticket.ticket });
    await lead.socket.removeMatchmakerParty(party.party_id, ticket.ticket);
  });
});
