/**
 * Cluster mode, a node dies: n1 and n2 run in this process, n3 is a child process killed with
 * SIGKILL. Within 10 s the others drop its presences and announce the leaves, end its authoritative
 * matches and close its parties for their members, and remove its matchmaker tickets; what did not
 * involve n3 goes on. A restarted n3 (same name) rejoins at once.
 */
import type { ChannelMessage, ChannelPresenceEvent } from '@heroiclabs/nakama-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRealtimeSocket, type RealtimeSocket, TetherClient } from '../../client/src/node.ts';
import { FAST, until } from '../../client/test/realtime-helpers.ts';
import { type ChildNode, startChildNode } from './cluster-child.ts';
import { ClusterBed, clusterAvailable, eventually, seen } from './cluster-helpers.ts';
import { GmRealtimeClient } from './gm-realtime-client.ts';
import type { TestServer } from './helpers.ts';
import { b64, connectMatchPlayer, text } from './match-helpers.ts';
import { MultiplayerRecorder } from './multiplayer-helpers.ts';
import { POSTGRES_TEST_URL } from './postgres.ts';
import { disconnectAll, type Player, type PresenceEventBody } from './realtime-helpers.ts';
import { REDIS_TEST_URL } from './redis.ts';

const available = await clusterAvailable('cluster-failure');
const bed = new ClusterBed();
let n1: TestServer;
let n2: TestServer;
let n3: ChildNode | undefined;
const opened: Player[] = [];
const gms: GmRealtimeClient[] = [];
const sdks: RealtimeSocket[] = [];
const RUNTIME = new URL('./fixtures/cluster-runtime', import.meta.url).pathname;

/** The settings of the child node: the bed's database, Redis and prefix, a quick heartbeat. */
function childEnv(): Record<string, string> {
  return {
    TETHER_DATABASE: POSTGRES_TEST_URL,
    TETHER_DATABASE_SCHEMA: bed.schema.name,
    TETHER_CLUSTER: REDIS_TEST_URL,
    TETHER_CLUSTER_PREFIX: bed.prefix,
    TETHER_CLUSTER_HEARTBEAT_MS: '250',
    TETHER_CLUSTER_NODE_TIMEOUT_MS: '2000',
    TETHER_RUNTIME: RUNTIME,
  };
}

async function sdkOn(port: number, label: string) {
  const client = new TetherClient({ host: '127.0.0.1', port, timeoutMs: 5000 });
  const session = await client.authenticateDevice(
    `${label}-${Math.random().toString(36).slice(2, 12)}-device`,
    {
      username: `${label}${Date.now() % 1e6}`,
    },
  );
  const socket = createRealtimeSocket(client, session, { ...FAST, appearOnline: true });
  sdks.push(socket);
  await socket.connect();
  await until(socket, 'connected');
  return { session, socket };
}

beforeAll(async () => {
  if (!available) return;
  [n1, n2] = (await bed.start('n1', 'n2')) as [TestServer, TestServer];
  await n1.runtime.load(RUNTIME);
  await n2.runtime.load(RUNTIME);
}, 60_000);
afterEach(() => {
  disconnectAll(opened);
  for (const gm of gms.splice(0)) gm.destroy();
  for (const s of sdks.splice(0)) s.disconnect();
});
afterAll(async () => {
  await n3?.kill();
  await bed.stop();
}, 60_000);

const sees = (server: TestServer, node: string, yes = true) =>
  eventually(() => expect(server.cluster!.health().nodes.includes(node)).toBe(yes), 10_000);

describe.runIf(available)('a node killed with SIGKILL', () => {
  it('is dropped by the others within 10 s, and nothing else is disturbed; restarted, it rejoins', async () => {
    n3 = await startChildNode('n3', childEnv());
    await Promise.all([sees(n1, 'n3'), sees(n2, 'n3')]);

    // Players: nakama-js on n1, GameMaker on n2, the SDK on n3.
    const js = await connectMatchPlayer(n1, opened);
    const parties = new MultiplayerRecorder(js.socket);
    const gm = await GmRealtimeClient.tcp(n2.gm!.port);
    gms.push(gm);
    const gmSelf = (await gm.authenticate(await GmRealtimeClient.token(n2.baseUrl))) as {
      session_id: string;
    };
    const sdk = await sdkOn(n3.httpPort, 'doomed');

    // State that involves n3: a chat room, a status follow, n3's match, n3's party, n3's ticket.
    const room = await js.socket.joinChat('lobby', 1, false, false);
    await gm.request('channel_join', { target: 'lobby', type: 1 });
    await sdk.socket.joinChat('lobby');
    await js.socket.followUsers([sdk.session.userId]);
    const matchId = (await sdk.socket.rpc('create_match'))!;
    expect(matchId).toMatch(/\.n3$/);
    await js.socket.joinMatch(matchId);
    await gm.request('match_join', { match_id: matchId });
    const party = await sdk.socket.createParty(true, 4);
    await js.socket.joinParty(party.party_id);
    await sdk.socket.addMatchmaker({ minCount: 4, maxCount: 4, query: '*' });
    await eventually(() => expect(n1.matchmaker.matchmaker.size).toBe(1));
    // State that does not: a relayed match of n1 and n2.
    const relayed = await js.socket.createMatch();
    await seen([n2], { mode: 5, subject: relayed.match_id.split('.')[0]! }, 1);
    await gm.request('match_join', { match_id: relayed.match_id });
    const joins = () =>
      js.events
        .all<ChannelPresenceEvent>('onchannelpresence')
        .flatMap((e) => e.joins?.map((p) => p.user_id) ?? []);
    await eventually(() => expect(joins()).toContain(sdk.session.userId));

    await n3.kill();
    for (const s of sdks.splice(0)) s.disconnect();

    // Within 10 s: leaves, the match's end, the party's close, the ticket gone, the status leave.
    const within = (check: () => void) => eventually(check, 10_000);
    const leaves = () =>
      js.events
        .all<ChannelPresenceEvent>('onchannelpresence')
        .flatMap((e) => e.leaves?.map((p) => p.user_id) ?? []);
    await within(() => expect(leaves()).toEqual([sdk.session.userId]));
    await within(() =>
      expect(
        js.match.presence.some(
          (e) => e.match_id === matchId && e.leaves?.some((p) => p.user_id === js.session.user_id),
        ),
      ).toBe(true),
    );
    await within(() =>
      expect(
        gm
          .pushes('match_presence_event')
          .some((e) =>
            (e.match_presence_event as { leaves?: { session_id: string }[] }).leaves?.some(
              (p) => p.session_id === gmSelf.session_id,
            ),
          ),
      ).toBe(true),
    );
    expect(await parties.next('onpartyclose', 10_000)).toEqual({ party_id: party.party_id });
    await within(() => expect([n1, n2].map((n) => n.matchmaker.matchmaker.size)).toEqual([0, 0]));
    await within(() =>
      expect(
        js.events
          .all<PresenceEventBody>('onstatuspresence')
          .some((e) => e.leaves?.some((p) => p.user_id === sdk.session.userId)),
      ).toBe(true),
    );
    await within(() =>
      expect(
        n1.realtime.streams.count({ mode: 7, subject: party.party_id.split('.')[0]!, label: 'n3' }),
      ).toBe(0),
    );
    expect(n1.matches.service.get(matchId)).toBeUndefined();

    // Nothing else disturbed: the relayed match and the chat room between n1 and n2 still work.
    gm.send({ match_data_send: { match_id: relayed.match_id, op_code: 1, data: b64('still here') } });
    const [data] = await js.match.dataCount(1, (d) => d.match_id === relayed.match_id);
    expect(text(data!)).toBe('still here');
    await js.socket.writeChatMessage(room.id, { after: 'death' });
    expect((await gm.nextPush('channel_message')).channel_message).toMatchObject({
      content: '{"after":"death"}',
    });

    // A restarted n3 takes its name back at once and rejoins.
    n3 = await startChildNode('n3', childEnv());
    await Promise.all([sees(n1, 'n3'), sees(n2, 'n3')]);
    const back = await sdkOn(n3.httpPort, 'reborn');
    await back.socket.joinChat('lobby');
    await within(() => expect(joins()).toContain(back.session.userId));
    await back.socket.writeChatMessage(room.id, { from: 'reborn' });
    await within(() =>
      expect(js.events.all<ChannelMessage>('onchannelmessage').map((m) => m.content)).toContainEqual({
        from: 'reborn',
      }),
    );
  });
});
