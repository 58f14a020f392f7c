/**
 * Cluster mode, authoritative matches: a match runs on the node that created it; players join it,
 * send it input and receive its broadcasts from every node (nakama-js on n1, a GameMaker TCP client on
 * n2, the SDK on n3); `matchSignal`, `matchGet` and listings with label queries work from any node.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RealtimeSocket } from '../../client/src/node.ts';
import { connectedPlayer, until } from '../../client/test/realtime-helpers.ts';
import type { MatchHandler } from '../src/runtime/api.ts';
import { ClusterBed, clusterAvailable, eventually, seen } from './cluster-helpers.ts';
import { GmRealtimeClient } from './gm-realtime-client.ts';
import type { TestServer } from './helpers.ts';
import { b64, connectMatchPlayer, rejection, text, unb64 } from './match-helpers.ts';
import { disconnectAll, type Player } from './realtime-helpers.ts';

const available = await clusterAvailable('cluster-matches');
const bed = new ClusterBed();
let n1: TestServer;
let n2: TestServer;
let n3: TestServer;
const opened: Player[] = [];
const gms: GmRealtimeClient[] = [];
const sdks: RealtimeSocket[] = [];

/** An echo game: inputs come back to everyone as "<node of the sender>:<data>"; op 9 kicks the sender. */
interface EchoState {
  readonly inputs: number;
}
const echo: MatchHandler<EchoState> = {
  matchInit: (_ctx, params) => ({ state: { inputs: 0 }, tickRate: 20, label: JSON.stringify(params) }),
  matchJoinAttempt: (_ctx, _d, _tick, state, _presence, metadata) =>
    metadata.reject ? { state, accept: false, rejectMessage: metadata.reject } : { state, accept: true },
  matchLoop: (_ctx, dispatcher, _tick, state, messages) => {
    for (const m of messages) {
      if (m.opCode === 9) dispatcher.matchKick([m.sender]);
      else
        dispatcher.broadcastMessage(
          m.opCode + 1,
          `${m.sender.node}:${Buffer.from(m.data).toString()}`,
          null,
          m.sender,
        );
    }
    return { state: { inputs: state.inputs + messages.length } };
  },
  matchSignal: (ctx, _d, _tick, state, data) => ({ state, data: `${ctx.node}:${data}:${state.inputs}` }),
};

beforeAll(async () => {
  if (!available) return;
  [n1, n2, n3] = (await bed.start('n1', 'n2', 'n3')) as [TestServer, TestServer, TestServer];
  for (const node of [n1, n2, n3]) {
    await node.runtime.run((initializer, nk) => {
      initializer.registerMatch('echo', echo);
      initializer.registerRpc('create', (_ctx, payload) => nk.matchCreate('echo', JSON.parse(payload)));
      initializer.registerRpc('signal', async (_ctx, payload) => {
        const { matchId, data } = JSON.parse(payload) as { matchId: string; data: string };
        return await nk.matchSignal(matchId, data);
      });
      initializer.registerRpc('get', (_ctx, matchId) => JSON.stringify(nk.matchGet(matchId)));
      initializer.registerRpc('list', (_ctx, query) =>
        JSON.stringify(nk.matchList(100, true, null, null, null, query).map((m) => m.matchId)),
      );
    });
  }
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
  return { gm, self: self as { session_id: string; user_id: string } };
}

async function sdkOn(server: TestServer, label: string) {
  const player = await connectedPlayer(server, label);
  sdks.push(player.socket);
  return player;
}

describe.runIf(available)('authoritative matches across nodes', () => {
  it('run on their node and take players, inputs and broadcasts from every node', async () => {
    const js = await connectMatchPlayer(n1, opened);
    const matchId = (await js.socket.rpc('create', JSON.stringify({ mode: 'duel' }))).payload!;
    expect(matchId).toMatch(/\.n1$/);
    const { gm, self: gmSelf } = await gmOn(n2);
    const gmJoin = await gm.request('match_join', { match_id: matchId });
    expect(gmJoin.match).toMatchObject({
      match_id: matchId,
      authoritative: true,
      label: '{"mode":"duel"}',
      size: 0,
    });
    const sdk = await sdkOn(n3, 'm3');
    await seen([n3], { mode: 6, subject: matchId.split('.')[0]!, label: 'n1' }, 1);
    const sdkJoin = await sdk.socket.joinMatch(matchId);
    expect(sdkJoin.presences?.map((p) => p.session_id)).toEqual([gmSelf.session_id]);
    // n1 learns of the joins on n2 and n3 one bus hop after their replies.
    await eventually(() => expect(n1.matches.service.get(matchId)?.size).toBe(2));
    const jsJoin = await js.socket.joinMatch(matchId);
    expect(jsJoin.size).toBe(2);
    // Input from n2's player runs on n1 and is broadcast to all three nodes.
    gm.send({ match_data_send: { match_id: matchId, op_code: 1, data: b64('hello') } });
    const [atJs] = await js.match.dataCount(1);
    expect(text(atJs!)).toBe('n2:hello');
    expect(atJs!.presence).toMatchObject({ session_id: gmSelf.session_id });
    const atSdk = await until(sdk.socket, 'match_data');
    expect(atSdk.body).toMatchObject({ op_code: 2 });
    const atGm = await gm.nextPush('match_data');
    expect(unb64((atGm.match_data as { data: string }).data)).toBe('n2:hello');
    // Input from n3 too.
    sdk.socket.sendMatchData(matchId, 5, 'from sdk');
    const got = await js.match.dataCount(2);
    expect(text(got[1]!)).toBe('n3:from sdk');
    // The SDK player kicks itself (op 9): it gets its leave, the others hear it.
    sdk.socket.sendMatchData(matchId, 9, '');
    const kicked = await until(sdk.socket, 'match_presence_event', (e) => (e.body.leaves?.length ?? 0) > 0);
    expect(kicked.body.leaves?.map((p) => p.user_id)).toEqual([sdk.session.userId]);
    await eventually(() => expect(n1.matches.service.get(matchId)?.size).toBe(2));
    // A join the handler rejects, from another node, gets its reason.
    const { gm: gm2 } = await gmOn(n2);
    const refused = await gm2.request('match_join', { match_id: matchId, metadata: { reject: 'full up' } });
    expect(refused.error).toMatchObject({ code: 5, message: 'full up' });
  });

  it('answer matchSignal, matchGet and listings with label queries from any node', async () => {
    const js = await connectMatchPlayer(n1, opened);
    const onN1 = (await js.socket.rpc('create', JSON.stringify({ mode: 'ranked', skill: 70 }))).payload!;
    const sdk = await sdkOn(n3, 'lister');
    const onN2 = n2.matches.registry.create('echo', { mode: 'ranked', skill: 30 }).id;
    await sdk.socket.joinMatch(onN2);
    // Every node lists both matches, whichever node runs them.
    await eventually(async () => {
      const listed = JSON.parse((await sdk.socket.rpc('list', '+label.mode:ranked'))!) as string[];
      expect(listed.sort()).toEqual([onN1, onN2].sort());
    });
    expect(JSON.parse((await sdk.socket.rpc('list', '+label.skill:>=50'))!)).toEqual([onN1]);
    // The size counts the lister's presence, which n3 tracks: n2 sees it one bus hop later.
    await eventually(async () => {
      const viaHttp = await fetch(
        `${n2.baseUrl}/v2/match?limit=10&authoritative=true&query=${encodeURIComponent('+label.mode:ranked')}`,
        {
          headers: { authorization: `Bearer ${js.session.token}` },
        },
      ).then((r) => r.json() as Promise<{ matches: { match_id: string; size?: number }[] }>);
      expect(viaHttp.matches.map((m) => m.match_id).sort()).toEqual([onN1, onN2].sort());
      expect(viaHttp.matches.find((m) => m.match_id === onN2)?.size).toBe(1);
    });
    // matchGet and matchSignal of n2's match, from n3 and from n1.
    expect(JSON.parse((await sdk.socket.rpc('get', onN2))!)).toMatchObject({
      matchId: onN2,
      authoritative: true,
      size: 1,
      handlerName: 'echo',
    });
    expect((await js.socket.rpc('signal', JSON.stringify({ matchId: onN2, data: 'ping' }))).payload).toBe(
      'n2:ping:0',
    );
    // nk.matchSignal is a Promise whether the match runs on this node or another.
    const local = n2.runtime.nk.matchSignal(onN2, 'here');
    const remote = n1.runtime.nk.matchSignal(onN2, 'there');
    expect(local).toBeInstanceOf(Promise);
    expect(remote).toBeInstanceOf(Promise);
    expect([await local, await remote]).toEqual(['n2:here:0', 'n2:there:0']);
    const missing = await rejection(
      js.socket.rpc('signal', JSON.stringify({ matchId: `${onN2.slice(0, 30)}000000.n2`, data: 'x' })),
    );
    expect(missing.message).toMatch(/not found/);
    // A match that ends leaves the listings of every node.
    await n2.matches.registry.get(onN2.split('.')[0]!)!.terminate(0);
    await eventually(async () => {
      expect(JSON.parse((await sdk.socket.rpc('list', '+label.mode:ranked'))!)).toEqual([onN1]);
    });
    await until(sdk.socket, 'match_presence_event', (e) => (e.body.leaves?.length ?? 0) > 0);
  });
});
