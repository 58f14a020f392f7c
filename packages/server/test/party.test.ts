/**
 * Parties with the unmodified nakama-js 2.8.0 client over `/ws`.
 */
import type { Presence } from '@heroiclabs/nakama-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers.ts';
import {
  connectMultiplayer,
  fence,
  type MultiplayerPlayer,
  rejection,
  sessionIds,
  type WirePresence,
} from './multiplayer-helpers.ts';
import { disconnectAll, type Player, RawSocket } from './realtime-helpers.ts';

let server: TestServer;
const opened: Player[] = [];

beforeAll(async () => {
  server = await startTestServer();
});
afterEach(() => disconnectAll(opened));
afterAll(() => server.stop());

const player = () => connectMultiplayer(server, opened);

/** The presence of a player's (only) session, as the server knows it. */
function presenceOf(p: MultiplayerPlayer): Presence {
  const [session] = server.realtime.sessions.byUser(p.userId);
  return { user_id: p.userId, session_id: session!.id, username: session!.username } as Presence;
}

/** A party led by `leader` that `members` joined (open), every join event seen by the leader. */
async function openParty(leader: MultiplayerPlayer, members: MultiplayerPlayer[], maxSize = 8) {
  const party = await leader.socket.createParty(true, maxSize);
  await leader.mp.next('onpartypresence');
  for (const m of members) {
    await m.socket.joinParty(party.party_id);
    await m.mp.next('onparty');
    await leader.mp.next('onpartypresence');
  }
  return party;
}

/** The next party presence event with leaves that `p` receives. */
async function leaveSeen(p: MultiplayerPlayer): Promise<WirePresence[]> {
  for (;;) {
    const e = await p.mp.next('onpartypresence');
    if (e.leaves) return e.leaves as WirePresence[];
  }
}

describe('parties', () => {
  it('create: the reply has the creator as leader and only member, then its own join event', async () => {
    const a = await player();
    const party = await a.socket.createParty(false, 3);
    const self = presenceOf(a);
    expect(party.party_id).toMatch(new RegExp(`^[0-9a-f-]{36}\\.${server.config.node}$`));
    expect(party).toMatchObject({ open: false, max_size: 3, self, leader: self, presences: [self] });
    const joined = await a.mp.next('onpartypresence');
    expect(joined).toEqual({ party_id: party.party_id, joins: [self] });
    expect(server.parties.parties.size).toBeGreaterThan(0);
  });

  it('open party: join replies {cid}, the joiner gets the party state, everyone the join event', async () => {
    const [a, b] = [await player(), await player()];
    const party = await a.socket.createParty(true, 4);
    await a.mp.next('onpartypresence');
    await b.socket.joinParty(party.party_id);
    const state = await b.mp.next('onparty');
    expect(state).toMatchObject({ party_id: party.party_id, open: true, max_size: 4 });
    expect(state.self).toEqual(presenceOf(b));
    expect(state.leader).toEqual(presenceOf(a));
    expect(sessionIds(state.presences)).toEqual([presenceOf(a).session_id, presenceOf(b).session_id]);
    expect((await a.mp.next('onpartypresence')).joins).toEqual([presenceOf(b)]);
    expect((await b.mp.next('onpartypresence')).joins).toEqual([presenceOf(b)]);
  });

  it('a full party refuses joins with "Error joining party: party full"', async () => {
    const [a, b] = [await player(), await player()];
    const party = await a.socket.createParty(true, 1);
    expect(await rejection(b.socket.joinParty(party.party_id))).toEqual({
      code: 3,
      message: 'Error joining party: party full',
    });
    expect(await rejection(b.socket.joinParty(`${party.party_id.split('.')[0]}.elsewhere`))).toEqual({
      code: 3,
      message: 'Error joining party: party not found',
    });
    expect((await rejection(b.socket.joinParty('not-a-party'))).message).toBe('Invalid party ID');
  });

  it('closed party: join requests go to the leader, can be listed, accepted once, duplicates refused', async () => {
    const [a, b, c] = [await player(), await player(), await player()];
    const party = await a.socket.createParty(false, 3);
    await b.socket.joinParty(party.party_id);
    const request = await a.mp.next('onpartyjoinrequest');
    expect(request).toEqual({ party_id: party.party_id, presences: [presenceOf(b)] });
    expect(await rejection(b.socket.joinParty(party.party_id))).toEqual({
      code: 3,
      message: 'Error joining party: party join request duplicate',
    });
    await c.socket.joinParty(party.party_id);
    const listed = await a.socket.listPartyJoinRequests(party.party_id);
    expect(sessionIds(listed.presences)).toEqual([presenceOf(b).session_id, presenceOf(c).session_id]);

    await a.socket.acceptPartyMember(party.party_id, request.presences[0]!);
    const state = await b.mp.next('onparty');
    expect(sessionIds(state.presences)).toEqual([presenceOf(a).session_id, presenceOf(b).session_id]);
    expect((await a.mp.next('onpartypresence', 5000)).joins).toBeDefined(); // own join at create
    expect((await a.mp.next('onpartypresence')).joins).toEqual([presenceOf(b)]);
    expect(await rejection(a.socket.acceptPartyMember(party.party_id, request.presences[0]!))).toEqual({
      code: 3,
      message: 'Error accepting party join request: party join request not found',
    });
    expect(await rejection(b.socket.joinParty(party.party_id))).toEqual({
      code: 3,
      message: 'Error joining party: party join request already member',
    });
    // Removing a pending request rejects it.
    await a.socket.removePartyMember(party.party_id, presenceOf(c));
    expect((await a.socket.listPartyJoinRequests(party.party_id)).presences).toEqual([]);
  });

  it('leader-only operations are refused to other members with "…: party leader only"', async () => {
    const [a, b] = [await player(), await player()];
    const party = await openParty(a, [b]);
    const id = party.party_id;
    const cases: [Promise<unknown>, string][] = [
      [b.socket.promotePartyMember(id, presenceOf(b)), 'Error promoting new party leader: party leader only'],
      [
        b.socket.acceptPartyMember(id, presenceOf(b)),
        'Error accepting party join request: party leader only',
      ],
      [
        b.socket.removePartyMember(id, presenceOf(a)),
        'Error removing party member or join request: party leader only',
      ],
      [b.socket.closeParty(id), 'Error closing party: party leader only'],
      [b.socket.listPartyJoinRequests(id), 'Error listing party join requests: party leader only'],
      [b.socket.addMatchmakerParty(id, '*', 2, 2), 'Error adding party to matchmaker: party leader only'],
      [b.socket.removeMatchmakerParty(id, 'x'), 'Error removing party from matchmaker: party leader only'],
    ];
    for (const [call, message] of cases) expect(await rejection(call)).toEqual({ code: 3, message });
  });

  it('promote: every member gets party_leader; the reply carries it too', async () => {
    const [a, b] = [await player(), await player()];
    const party = await openParty(a, [b]);
    const reply = await a.socket.promotePartyMember(party.party_id, presenceOf(b));
    expect(reply).toEqual({ party_id: party.party_id, presence: presenceOf(b) });
    expect((await a.mp.next('onpartyleader')).presence).toEqual(presenceOf(b));
    expect((await b.mp.next('onpartyleader')).presence).toEqual(presenceOf(b));
    // The old leader has lost its rights, the new one has them.
    expect((await rejection(a.socket.closeParty(party.party_id))).message).toBe(
      'Error closing party: party leader only',
    );
    expect((await rejection(a.socket.promotePartyMember(party.party_id, presenceOf(a)))).message).toMatch(
      /leader only/,
    );
  });

  it('the leader leaving makes the oldest member leader; the last member leaving closes the party', async () => {
    const [a, b, c] = [await player(), await player(), await player()];
    const party = await openParty(a, [b, c]);
    await a.socket.leaveParty(party.party_id);
    expect((await b.mp.next('onpartyleader')).presence).toEqual(presenceOf(b));
    expect((await c.mp.next('onpartyleader')).presence).toEqual(presenceOf(b));
    expect(await leaveSeen(b)).toEqual([presenceOf(a)]);
    await b.socket.leaveParty(party.party_id);
    expect((await c.mp.next('onpartyleader')).presence).toEqual(presenceOf(c));
    await c.socket.leaveParty(party.party_id);
    expect((await rejection(a.socket.joinParty(party.party_id))).message).toBe(
      'Error joining party: party not found',
    );
  });

  it('remove: the removed member gets party_close, the others its leave; the leader cannot remove itself', async () => {
    const [a, b, c] = [await player(), await player(), await player()];
    const party = await openParty(a, [b, c]);
    await a.socket.removePartyMember(party.party_id, presenceOf(b));
    expect(await b.mp.next('onpartyclose')).toEqual({ party_id: party.party_id });
    expect(await leaveSeen(c)).toEqual([presenceOf(b)]);
    expect(await rejection(a.socket.removePartyMember(party.party_id, presenceOf(a)))).toEqual({
      code: 3,
      message: 'Error removing party member or join request: party cannot remove self',
    });
    expect((await rejection(a.socket.removePartyMember(party.party_id, presenceOf(b)))).message).toBe(
      'Error removing party member or join request: party member not found',
    );
    await fence(a);
    expect(a.mp.all('onpartyclose')).toEqual([]);
  });

  it('close: every member gets party_close and the party is gone', async () => {
    const [a, b] = [await player(), await player()];
    const party = await openParty(a, [b]);
    await a.socket.closeParty(party.party_id);
    expect(await a.mp.next('onpartyclose')).toEqual({ party_id: party.party_id });
    expect(await b.mp.next('onpartyclose')).toEqual({ party_id: party.party_id });
    expect((await rejection(b.socket.joinParty(party.party_id))).message).toBe(
      'Error joining party: party not found',
    );
  });

  it('data goes to every other member with the sender and op code, never back to the sender', async () => {
    const [a, b, c] = [await player(), await player(), await player()];
    const party = await openParty(a, [b, c]);
    await a.socket.sendPartyData(party.party_id, 0, JSON.stringify({ hello: 'world' }));
    for (const p of [b, c]) {
      const data = await p.mp.next('onpartydata');
      expect(data.presence).toEqual(presenceOf(a));
      expect(data.op_code).toBe(0);
      expect(JSON.parse(new TextDecoder().decode(data.data))).toEqual({ hello: 'world' });
    }
    await fence(a);
    expect(a.mp.all('onpartydata')).toEqual([]);
    // A non-member's data is refused, with an uncorrelated error (nakama-js sends it without a cid).
    const outsider = await RawSocket.login(server);
    outsider.send({ party_data_send: { party_id: party.party_id, op_code: '1', data: 'AA==' } });
    const error = await outsider.next('error');
    expect(error).toEqual({
      error: { code: 3, message: 'Error sending party data: party member not found' },
    });
    outsider.close();
  });

  it('a disconnect is a leave: a disconnected leader is replaced by the oldest member', async () => {
    const [a, b, c] = [await player(), await player(), await player()];
    const party = await openParty(a, [b, c]);
    a.socket.disconnect(false);
    expect((await b.mp.next('onpartyleader')).presence).toEqual(presenceOf(b));
    expect((await c.mp.next('onpartyleader')).presence).toEqual(presenceOf(b));
    await b.socket.promotePartyMember(party.party_id, presenceOf(c));
    expect((await c.mp.next('onpartyleader')).presence).toEqual(presenceOf(c));
  });

  it('party_update (not in nakama-js 2.8.0): the leader changes the label and open flag, others may not', async () => {
    const leader = await RawSocket.login(server);
    const created = await leader.request('1', { party_create: { open: false, max_size: 2 } });
    const partyId = (created.party as { party_id: string }).party_id;
    expect(
      await leader.request('2', { party_update: { party_id: partyId, label: '{"mode":"duo"}', open: true } }),
    ).toEqual({ cid: '2' });
    const joiner = await player();
    await joiner.socket.joinParty(partyId);
    expect(await joiner.mp.next('onparty')).toMatchObject({ open: true, label: '{"mode":"duo"}' });
    const member = await RawSocket.login(server);
    await member.request('1', { party_join: { party_id: partyId } });
    expect((await member.request('2', { party_update: { party_id: partyId, open: false } })).error).toEqual({
      code: 3,
      message: 'Error updating party: party leader only',
    });
    member.close();
    const refused = await leader.request('3', { party_update: { party_id: partyId, label: '[1]' } });
    expect(refused.error).toMatchObject({
      code: 3,
      message: 'Error updating party: party label must be a JSON object',
    });
    leader.close();
  });
});
