/**
 * Matches over the GameMaker carriers (TCP and `/gm`, byte-level client) next to a nakama-js player:
 * the same envelopes, relayed data both ways, and inputs to an authoritative match.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GmRealtimeClient } from './gm-realtime-client.ts';
import { startTestServer, type TestServer } from './helpers.ts';
import { b64, connectMatchPlayer, text, unb64 } from './match-helpers.ts';
import { disconnectAll, type Player } from './realtime-helpers.ts';

let server: TestServer;
const opened: Player[] = [];
let gm: GmRealtimeClient | undefined;

beforeAll(async () => {
  server = await startTestServer();
  await server.runtime.run((initializer) => {
    // Echoes every input back to everyone as op 100 + op, with the sender.
    initializer.registerMatch('echo', {
      matchInit: () => ({ state: {}, tickRate: 30 }),
      matchLoop: (_ctx, d, _tick, state, messages) => {
        for (const m of messages) d.broadcastMessage(100 + m.opCode, m.data, null, m.sender);
        return { state };
      },
    });
  });
});
afterEach(() => {
  disconnectAll(opened);
  gm?.destroy();
  gm = undefined;
});
afterAll(() => server.stop());

describe.each(['tcp', 'ws'] as const)('GameMaker %s client in matches', (carrier) => {
  async function gmClient(): Promise<{ client: GmRealtimeClient; me: Record<string, unknown> }> {
    const token = await GmRealtimeClient.token(server.baseUrl);
    const client =
      carrier === 'tcp'
        ? await GmRealtimeClient.tcp(server.gm!.port)
        : await GmRealtimeClient.ws(`ws://127.0.0.1:${server.http.port}/gm`);
    gm = client;
    return { client, me: await client.authenticate(token) };
  }

  it('shares a relayed match with a nakama-js player, data both ways', async () => {
    const ann = await connectMatchPlayer(server, opened, `ann-${carrier}`);
    const { match_id, self } = await ann.socket.createMatch();
    const { client, me } = await gmClient();
    const joined = await client.request('match_join', { match_id });
    expect(joined.match).toMatchObject({ match_id, size: 1, presences: [{ session_id: self.session_id }] });
    const own = await client.nextPush('match_presence_event');
    expect(own.match_presence_event).toMatchObject({ match_id, joins: [{ session_id: me.session_id }] });

    client.send({ match_data_send: { match_id, op_code: 5, data: b64('from gml') } });
    const [fromGm] = await ann.match.dataCount(1);
    expect(fromGm).toMatchObject({ op_code: 5, presence: { session_id: me.session_id } });
    expect(text(fromGm!)).toBe('from gml');

    await ann.socket.sendMatchState(match_id, 0, 'from js');
    const data = (await client.nextPush('match_data')).match_data as Record<string, unknown>;
    expect(data).toMatchObject({ match_id, op_code: '0', presence: { session_id: self.session_id } });
    expect(unb64(data.data)).toBe('from js');
  });

  it('sends inputs to an authoritative match and receives its broadcasts', async () => {
    const id = server.runtime.nk.matchCreate('echo');
    const { client, me } = await gmClient();
    const joined = await client.request('match_join', { match_id: id });
    expect(joined.match).toMatchObject({ match_id: id, authoritative: true, size: 0 });
    client.send({ match_data_send: { match_id: id, op_code: '7', data: b64('jump') } });
    const echo = (await client.nextPush('match_data')).match_data as Record<string, unknown>;
    expect(echo).toMatchObject({ match_id: id, op_code: '107', presence: { session_id: me.session_id } });
    expect(unb64(echo.data)).toBe('jump');
    const left = await client.request('match_leave', { match_id: id });
    expect(Object.keys(left)).toEqual(['cid']);
  });
});
