/**
 * Cluster mode, parties and the matchmaker: a party lives on the node that created it and its members
 * on other nodes run its operations there; the matchmaker is one pool of every node's tickets, run by
 * one elected node, each ticket matched at most once. nakama-js on n1, a GameMaker TCP client on n2,
 * the SDK on n3.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RealtimeSocket } from '../../client/src/node.ts';
import { connectedPlayer, until } from '../../client/test/realtime-helpers.ts';
import { ClusterBed, clusterAvailable, eventually } from './cluster-helpers.ts';
import { GmRealtimeClient } from './gm-realtime-client.ts';
import type { TestServer } from './helpers.ts';
import { connectMultiplayer, sessionIds } from './multiplayer-helpers.ts';
import { disconnectAll, type Player } from './realtime-helpers.ts';

const available = await clusterAvailable('cluster-parties');
const bed = new ClusterBed({ matchmakerIntervalMs: 150, matchmakerMaxIntervals: 1 });
let n1: TestServer;
let n2: TestServer;
let n3: TestServer;
const opened: Player[] = [];
const gms: GmRealtimeClient[] = [];
const sdks: RealtimeSocket[] = [];

beforeAll(async () => {
  if (!available) return;
  [n1, n2, n3] = (await bed.start('n1', 'n2', 'n3')) as [TestServer, TestServer, TestServer];
}, 60_000);
afterEach(() => {
  disconnectAll(opened);
  for (const gm of gms.splice(0)) gm.destroy();
  for (const s of sdks.splice(0)) s.disconnect();
});
afterAll(() => bed.stop(), 60_000);

async function gmOn(server: TestServer) {
  const gm = await GmRealtimeClient.tcp(server.gm!.port);
  gms.push(gm);
  const self = await gm.authenticate(await GmRealtimeClient.token(server.baseUrl));
  return { gm, self: self as { session_id: string; user_id: string; username: string } };
}

async function sdkOn(server: TestServer, label: string) {
  const player = await connectedPlayer(server, label);
  sdks.push(player.socket);
  const sessionId = server.realtime.sessions.byUser(player.session.userId)[0]!.id;
  return {
    ...player,
    sessionId,
    presence: { user_id: player.session.userId, session_id: sessionId, username: player.session.username },
  };
}

describe.runIf(available)('parties across nodes', () => {
  it('take members from every node, who run its operations on its node', async () => {
    const leader = await connectMultiplayer(n1, opened);
    const party = await leader.socket.createParty(false, 4);
    expect(party.party_id).toMatch(/\.n1$/);
    // A GameMaker player on n2 asks to join the closed party; the leader (n1) accepts.
    const { gm, self: gmSelf } = await gmOn(n2);
    const asked = await gm.request('party_join', { party_id: party.party_id });
    expect(asked.error).toBeUndefined();
    const request = await leader.mp.next('onpartyjoinrequest');
    expect(sessionIds(request.presences)).toEqual([gmSelf.session_id]);
    await leader.socket.acceptPartyMember(party.party_id, request.presences[0]!);
    const state = await gm.nextPush('party');
    expect(state.party).toMatchObject({ party_id: party.party_id, presences: expect.any(Array) });
    // The SDK player on n3 asks too, and is accepted.
    const sdk = await sdkOn(n3, 'member');
    await sdk.socket.joinParty(party.party_id);
    const second = await leader.mp.next('onpartyjoinrequest');
    expect(sessionIds(second.presences)).toEqual([sdk.sessionId]);
    await leader.socket.acceptPartyMember(party.party_id, second.presences[0]!);
    const sdkState = await until(sdk.socket, 'party');
    expect((sdkState.body.presences ?? []).length).toBe(3);
    // Everyone hears the joins, once each.
    const leaderJoins = () => leader.mp.all('onpartypresence').flatMap((e) => sessionIds(e.joins));
    await eventually(() => expect(leaderJoins()).toContain(sdk.sessionId));
    expect(leaderJoins().filter((s) => s === gmSelf.session_id)).toHaveLength(1);
    // Data from the GameMaker player (n2, run on n1) reaches n1 and n3.
    gm.send({ cid: 'd', party_data_send: { party_id: party.party_id, op_code: 7, data: 'aGk=' } });
    const data = await leader.mp.next('onpartydata');
    expect(data).toMatchObject({ op_code: 7, presence: { session_id: gmSelf.session_id } });
    expect((await until(sdk.socket, 'party_data')).body).toMatchObject({ op_code: 7 });
    // The leader hands over to the SDK player on n3, who now leads from another node.
    await leader.socket.promotePartyMember(party.party_id, sdk.presence as never);
    await until(sdk.socket, 'party_leader');
    const list = await sdk.socket.listPartyJoinRequests(party.party_id);
    expect(list.party_id).toBe(party.party_id);
    await sdk.socket.removePartyMember(party.party_id, {
      user_id: gmSelf.user_id,
      session_id: gmSelf.session_id,
      username: gmSelf.username,
    });
    expect((await gm.nextPush('party_close')).party_close).toEqual({ party_id: party.party_id });
    // A member leaving from another node, then the leader closing from n3.
    await sdk.socket.closeParty(party.party_id);
    expect(await leader.mp.next('onpartyclose')).toMatchObject({ party_id: party.party_id });
    await eventually(() => expect(n1.parties.parties.size).toBe(0));
  });
});

describe.runIf(available)('one matchmaker pool', () => {
  it('matches tickets of three nodes together, each once, from one elected node', async () => {
    const js = await connectMultiplayer(n1, opened);
    const { gm, self: gmSelf } = await gmOn(n2);
    const sdk = await sdkOn(n3, 'mm');
    const props = { string_properties: { mode: 'cluster' } };
    const jsTicket = await js.socket.addMatchmaker('+properties.mode:cluster', 3, 3, props.string_properties);
    const gmTicket = await gm.request('matchmaker_add', {
      min_count: 3,
      max_count: 3,
      query: '+properties.mode:cluster',
      ...props,
    });
    const sdkTicket = await sdk.socket.addMatchmaker({
      minCount: 3,
      maxCount: 3,
      query: '+properties.mode:cluster',
      stringProperties: props.string_properties,
    });
    const matched = await js.mp.next('onmatchmakermatched', 8000);
    expect(matched.ticket).toBe(jsTicket.ticket);
    expect(matched.users.map((u) => u.presence.user_id).sort()).toEqual(
      [js.userId, gmSelf.user_id, sdk.session.userId].sort(),
    );
    const atGm = await gm.nextPush('matchmaker_matched');
    expect(atGm.matchmaker_matched).toMatchObject({
      ticket: (gmTicket.matchmaker_ticket as { ticket: string }).ticket,
      token: matched.token,
    });
    const atSdk = await until(sdk.socket, 'matchmaker_matched');
    expect(atSdk.body).toMatchObject({ ticket: sdkTicket.ticket, token: matched.token });
    // Matched once: every pool is empty and nobody hears a second match.
    await eventually(() => expect([n1, n2, n3].map((n) => n.matchmaker.matchmaker.size)).toEqual([0, 0, 0]));
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(js.mp.all('onmatchmakermatched')).toHaveLength(1);
    expect(gm.pushes('matchmaker_matched')).toHaveLength(1);
    // The three players meet in the relayed match of the token, from three nodes.
    const a = await js.socket.joinMatch(undefined, matched.token);
    const b = await gm.request('match_join', { token: matched.token });
    expect((b.match as { match_id: string }).match_id).toBe(a.match_id);
  });

  it('matches a party whose leader is on another node with a player of a third node', async () => {
    const owner = await connectMultiplayer(n1, opened);
    const party = await owner.socket.createParty(true, 4);
    const { gm, self: gmSelf } = await gmOn(n2);
    await gm.request('party_join', { party_id: party.party_id });
    await gm.nextPush('party');
    // Promote the GameMaker player (n2): it adds the party's ticket, run on n1 where the party lives.
    await owner.socket.promotePartyMember(party.party_id, {
      user_id: gmSelf.user_id,
      session_id: gmSelf.session_id,
      username: gmSelf.username,
    } as never);
    await gm.nextPush('party_leader');
    const added = await gm.request('party_matchmaker_add', {
      party_id: party.party_id,
      min_count: 3,
      max_count: 3,
      query: '*',
    });
    const ticket = (added.party_matchmaker_ticket as { ticket: string }).ticket;
    expect(await owner.mp.next('onpartymatchmakerticket')).toMatchObject({
      party_id: party.party_id,
      ticket,
    });
    const solo = await sdkOn(n3, 'solo');
    await solo.socket.addMatchmaker({ minCount: 3, maxCount: 3, query: '*' });
    const matched = await owner.mp.next('onmatchmakermatched', 8000);
    expect(matched.users).toHaveLength(3);
    expect(matched.users.filter((u) => u.party_id === party.party_id)).toHaveLength(2);
    expect((await until(solo.socket, 'matchmaker_matched')).body).toMatchObject({ token: matched.token });
  });
});
