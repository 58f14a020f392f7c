/**
 * Cluster mode, Redis goes away: two nodes on a private `redis-server` that the test kills and starts
 * again. Meanwhile each node serves its own sessions and says it is degraded (health check, logs);
 * within 10 s of Redis returning they resynchronise: presence changes made during the outage are
 * announced, and messages cross again.
 */
import type { ChannelMessage, ChannelPresenceEvent } from '@heroiclabs/nakama-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ClusterBed, clusterAvailable, eventually, recordingLogger } from './cluster-helpers.ts';
import { GmRealtimeClient } from './gm-realtime-client.ts';
import type { TestServer } from './helpers.ts';
import { connectMatchPlayer } from './match-helpers.ts';
import { connectPlayer, disconnectAll, type Player } from './realtime-helpers.ts';
import { PrivateRedis } from './redis.ts';

const available = await clusterAvailable('cluster-outage');
let redis: PrivateRedis | undefined;
let bed: ClusterBed;
const logs = { n1: recordingLogger(), n2: recordingLogger() };
let n1: TestServer;
let n2: TestServer;
const opened: Player[] = [];
const gms: GmRealtimeClient[] = [];

beforeAll(async () => {
  if (!available) return;
  redis = await PrivateRedis.start();
  bed = new ClusterBed({ cluster: redis.url }, { logger: (node) => logs[node as 'n1' | 'n2'].logger });
  [n1, n2] = (await bed.start('n1', 'n2')) as [TestServer, TestServer];
}, 60_000);
afterEach(() => {
  disconnectAll(opened);
  for (const gm of gms.splice(0)) gm.destroy();
});
afterAll(async () => {
  await bed?.stop();
  await redis?.stop();
}, 60_000);

async function health(server: TestServer) {
  const res = await fetch(`${server.baseUrl}/healthcheck`);
  return {
    status: res.status,
    body: (await res.json()) as { cluster?: { degraded: boolean; reason?: string } },
  };
}

async function gmOn(server: TestServer) {
  const gm = await GmRealtimeClient.tcp(server.gm!.port);
  gms.push(gm);
  const self = (await gm.authenticate(await GmRealtimeClient.token(server.baseUrl))) as {
    session_id: string;
  };
  return { gm, self };
}

describe.runIf(available)('Redis unavailable', () => {
  it('leaves each node serving its own sessions, degraded, and they resynchronise when it returns', async () => {
    const js = await connectPlayer(n1, opened);
    const room = await js.socket.joinChat('lobby', 1, false, false);
    const { gm, self: gmSelf } = await gmOn(n2);
    await gm.request('channel_join', { target: 'lobby', type: 1 });
    const presences = (kind: 'joins' | 'leaves') =>
      js.events
        .all<ChannelPresenceEvent>('onchannelpresence')
        .flatMap((e) => e[kind]?.map((p) => p.session_id) ?? []);
    await eventually(() => expect(presences('joins')).toContain(gmSelf.session_id));
    expect(await health(n1)).toEqual({ status: 200, body: { cluster: { degraded: false, nodes: ['n2'] } } });

    await redis!.stop();
    await eventually(async () => {
      for (const node of [n1, n2]) {
        const h = await health(node);
        expect(h.status).toBe(200);
        expect(h.body.cluster).toMatchObject({
          degraded: true,
          reason: expect.stringMatching(/Redis unreachable/),
        });
      }
    }, 10_000);
    for (const l of [logs.n1, logs.n2]) {
      expect(l.lines.some((x) => x.msg?.startsWith('cluster: Redis unreachable'))).toBe(true);
    }

    // Local sessions keep working: two players of n1 play a relayed match on n1.
    const a = await connectMatchPlayer(n1, opened);
    const b = await connectMatchPlayer(n1, opened);
    const match = await a.socket.createMatch();
    await b.socket.joinMatch(match.match_id);
    await a.socket.sendMatchState(match.match_id, 1, 'local');
    await b.match.dataCount(1);
    // Changes on n2 during the outage: the GameMaker player leaves, another one joins.
    await gm.request('channel_leave', { channel_id: room.id });
    const { gm: gm2, self: gm2Self } = await gmOn(n2);
    await gm2.request('channel_join', { target: 'lobby', type: 1 });

    await redis!.restart();
    // Within 10 s: both nodes healthy again, n1 announces the changes it missed.
    await eventually(async () => {
      for (const node of [n1, n2]) expect((await health(node)).body.cluster?.degraded).toBe(false);
      expect(presences('leaves')).toContain(gmSelf.session_id);
      expect(presences('joins')).toContain(gm2Self.session_id);
    }, 10_000);
    expect(logs.n1.lines.some((x) => x.msg?.startsWith('cluster: Redis reachable again'))).toBe(true);
    // No spurious leaves of players who were there all along.
    expect(presences('leaves')).toEqual([gmSelf.session_id]);
    // Messages cross again, both ways.
    await js.socket.writeChatMessage(room.id, { after: 'outage' });
    expect((await gm2.nextPush('channel_message')).channel_message).toMatchObject({
      content: '{"after":"outage"}',
    });
    gm2.send({ cid: 'x', channel_message_send: { channel_id: room.id, content: '{"from":"n2"}' } });
    await eventually(() =>
      expect(js.events.all<ChannelMessage>('onchannelmessage').map((m) => m.content)).toContainEqual({
        from: 'n2',
      }),
    );
  });
});
