/**
 * A byte-level GameMaker client (TCP carrier) in a party with the unmodified nakama-js client, then
 * matchmade with it and redeeming the token: parties and the matchmaker behave the same on every
 * carrier.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GmRealtimeClient } from './gm-realtime-client.ts';
import { startTestServer, type TestServer } from './helpers.ts';
import { connectMultiplayer } from './multiplayer-helpers.ts';
import { disconnectAll, type Player } from './realtime-helpers.ts';

let server: TestServer;
const opened: Player[] = [];
let gm: GmRealtimeClient | undefined;

beforeAll(async () => {
  server = await startTestServer({ matchmakerIntervalMs: 3_600_000 });
});
afterEach(() => {
  disconnectAll(opened);
  gm?.destroy();
  gm = undefined;
});
afterAll(() => server.stop());

describe('parties and matchmaking from a GameMaker client', () => {
  it('joins a nakama-js party, exchanges data both ways, matchmakes and joins the relayed match', async () => {
    const host = await connectMultiplayer(server, opened);
    const party = await host.socket.createParty(true, 2);
    gm = await GmRealtimeClient.tcp(server.gm!.port);
    const me = await gm.authenticate(await GmRealtimeClient.token(server.baseUrl));

    // GML sends numbers as JSON numbers: op_code 0 as a number is accepted.
    expect(await gm.request('party_join', { party_id: party.party_id })).toEqual({ cid: expect.any(String) });
    const state = (await gm.nextPush('party')).party as { presences: unknown[]; leader: { user_id: string } };
    expect(state.presences).toHaveLength(2);
    expect(state.leader.user_id).toBe(host.userId);
    gm.send({ party_data_send: { party_id: party.party_id, op_code: 0, data: btoa('from gml') } });
    const data = await host.mp.next('onpartydata');
    expect(data.op_code).toBe(0);
    expect(new TextDecoder().decode(data.data)).toBe('from gml');
    expect(data.presence.user_id).toBe(me.user_id);
    await host.socket.sendPartyData(party.party_id, 7, 'from js');
    expect((await gm.nextPush('party_data')).party_data).toMatchObject({
      party_id: party.party_id,
      op_code: '7',
      data: btoa('from js'),
    });

    // Leave the party, then matchmake one-to-one.
    await gm.request('party_leave', { party_id: party.party_id });
    const added = await gm.request('matchmaker_add', {
      min_count: 2,
      max_count: 2,
      query: '+properties.engine:nakama-js',
      string_properties: { engine: 'gamemaker' },
    });
    expect(added.matchmaker_ticket).toEqual({ ticket: expect.any(String) });
    await host.socket.addMatchmaker('+properties.engine:gamemaker', 2, 2, { engine: 'nakama-js' });
    await server.matchmaker.matchmaker.process();
    const matched = (await gm.nextPush('matchmaker_matched')).matchmaker_matched as { token: string };
    const joined = await gm.request('match_join', { token: matched.token });
    const { token } = await host.mp.next('onmatchmakermatched');
    const hostMatch = await host.socket.joinMatch(undefined, token);
    expect(hostMatch.match_id).toBe((joined.match as { match_id: string }).match_id);
    expect(hostMatch.presences?.map((p) => p.user_id)).toEqual([me.user_id]);
  });
});
