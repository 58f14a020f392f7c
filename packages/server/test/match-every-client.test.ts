/**
 * "Every client takes part": a byte-level GameMaker TCP client, a plain WebSocket client (text frames
 * only, as GDevelop's WebSocket extension sends them) and the unmodified nakama-js client share one
 * relayed match and each receives the others' data, with the sender's presence.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GmRealtimeClient } from './gm-realtime-client.ts';
import { startTestServer, type TestServer } from './helpers.ts';
import { b64, connectMatchPlayer, text, unb64 } from './match-helpers.ts';
import { disconnectAll, type Player, RawSocket } from './realtime-helpers.ts';

let server: TestServer;
const opened: Player[] = [];
let gm: GmRealtimeClient | undefined;
let plain: RawSocket | undefined;

beforeAll(async () => {
  server = await startTestServer();
});
afterEach(() => {
  disconnectAll(opened);
  gm?.destroy();
  plain?.close();
  gm = plain = undefined;
});
afterAll(() => server.stop());

type Data = { match_id: string; op_code: string; data: string; presence: { session_id: string } };

describe('one relayed match, three kinds of client', () => {
  it('relays data between GameMaker TCP, plain WebSocket and nakama-js clients', async () => {
    const js = await connectMatchPlayer(server, opened, 'js-player');
    const created = await js.socket.createMatch();
    const matchId = created.match_id;

    gm = await GmRealtimeClient.tcp(server.gm!.port);
    const gmSelf = await gm.authenticate(await GmRealtimeClient.token(server.baseUrl));
    const gmJoin = await gm.request('match_join', { match_id: matchId });
    expect(gmJoin.match).toMatchObject({ match_id: matchId, size: 1 });

    plain = await RawSocket.login(server);
    const plainJoin = await plain.request('1', { match_join: { match_id: matchId } });
    const plainMatch = plainJoin.match as {
      presences: { session_id: string }[];
      self: { session_id: string };
    };
    expect(plainMatch.presences.map((p) => p.session_id).sort()).toEqual(
      [created.self.session_id, gmSelf.session_id as string].sort(),
    );
    const plainSelf = plainMatch.self.session_id;

    // GameMaker → the other two.
    let plainMark = plain.received.length;
    gm.send({ match_data_send: { match_id: matchId, op_code: 1, data: b64('from gml') } });
    const [jsGotGm] = await js.match.dataCount(1);
    expect(jsGotGm).toMatchObject({ op_code: 1, presence: { session_id: gmSelf.session_id } });
    expect(text(jsGotGm!)).toBe('from gml');
    const plainGotGm = (await plain.next('match_data', plainMark)).match_data as Data;
    expect(plainGotGm).toMatchObject({ op_code: '1', presence: { session_id: gmSelf.session_id } });
    expect(unb64(plainGotGm.data)).toBe('from gml');

    // Plain WebSocket → the other two.
    plainMark = plain.received.length;
    plain.send({
      match_data_send: { match_id: matchId, op_code: '2', data: b64('from plain ws'), presences: [] },
    });
    const [, jsGotPlain] = await js.match.dataCount(2);
    expect(jsGotPlain).toMatchObject({ op_code: 2, presence: { session_id: plainSelf } });
    expect(text(jsGotPlain!)).toBe('from plain ws');
    const gmGotPlain = (await gm.nextPush('match_data')).match_data as Data;
    expect(gmGotPlain).toMatchObject({ op_code: '2', presence: { session_id: plainSelf } });
    expect(unb64(gmGotPlain.data)).toBe('from plain ws');

    // nakama-js → the other two; the sender does not get its own data back.
    await js.socket.sendMatchState(matchId, 3, 'from nakama-js');
    const gmGotJs = (await gm.nextPush('match_data')).match_data as Data;
    expect(gmGotJs).toMatchObject({ op_code: '3', presence: { session_id: created.self.session_id } });
    expect(unb64(gmGotJs.data)).toBe('from nakama-js');
    const plainGotJs = (await plain.next('match_data', plainMark)).match_data as Data;
    expect(plainGotJs).toMatchObject({ op_code: '3', presence: { session_id: created.self.session_id } });
    expect(unb64(plainGotJs.data)).toBe('from nakama-js');
    expect(js.match.data).toHaveLength(2);
  });
});
