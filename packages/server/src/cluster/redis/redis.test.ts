/**
 * The Redis transport and directory against the machine's Redis (a key prefix of this file's own):
 * frames in order, node registration with refusal of a live duplicate and take-over of a dead one,
 * and the cluster's replication over real pub/sub.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { dropRedisPrefix, newRedisPrefix, REDIS_TEST_URL, redisAvailable } from '../../../test/redis.ts';
import { createLogger } from '../../observability/logger.ts';
import { StreamMode, stream } from '../../presence/stream.ts';
import type { SessionHandle } from '../../presence/types.ts';
import { ClusterNode } from '../cluster-node.ts';
import { NodeNameTakenError } from '../directory.ts';
import { eventually } from '../memory/memory-cluster.ts';
import { claimGroups, RedisLease } from './redis-coordination.ts';
import { RedisDirectory } from './redis-directory.ts';
import { RedisTransport } from './redis-transport.ts';

const available = await redisAvailable('cluster/redis');
const prefix = newRedisPrefix();
const logger = createLogger(process.env.TETHER_TEST_LOG ?? 'silent');
const closing: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  await Promise.all(closing.splice(0).map((c) => c().catch(() => {})));
});
afterAll(async () => {
  if (available) await dropRedisPrefix(prefix);
});

function transport(): RedisTransport {
  const t = new RedisTransport({ url: REDIS_TEST_URL, prefix, logger });
  closing.push(() => t.close());
  return t;
}

function directory(
  t: RedisTransport,
  node: string,
  incarnation: string,
  heartbeatMs = 50,
  nodeTimeoutMs = heartbeatMs * 5,
) {
  return new RedisDirectory({
    redis: t.commands,
    names: t.names,
    node,
    incarnation,
    heartbeatMs,
    nodeTimeoutMs,
  });
}

describe.runIf(available)('Redis transport and directory', () => {
  it('delivers binary frames in publish order to a node and to every node', async () => {
    const [a, b] = [transport(), transport()];
    const gotA: string[] = [];
    const gotB: string[] = [];
    await a.start('a', (f) => gotA.push(Buffer.from(f).toString('latin1')));
    await b.start('b', (f) => gotB.push(Buffer.from(f).toString('latin1')));
    const sends: Promise<void>[] = [];
    for (let i = 0; i < 50; i++)
      sends.push(a.publish(i % 2 ? '*' : 'b', Buffer.from(`${i}\u00ff`, 'latin1')));
    await Promise.all(sends);
    await eventually(() => expect(gotB).toHaveLength(50));
    expect(gotB).toEqual([...Array(50).keys()].map((i) => `${i}\u00ff`));
    await eventually(() => expect(gotA).toHaveLength(25));
  });

  it('refuses a name a live node holds, and takes over the entry of a dead one', async () => {
    const t = transport();
    await t.start('x', () => {});
    // Entries that would last a minute: a start-up that succeeds took the name over, it did not wait.
    const live = directory(t, 'dup', 'inc1', 50, 60_000);
    await live.register();
    const beating = setInterval(() => void live.heartbeat(), 50);
    closing.push(async () => clearInterval(beating));
    await expect(directory(t, 'dup', 'inc2', 50, 60_000).register()).rejects.toBeInstanceOf(
      NodeNameTakenError,
    );
    clearInterval(beating);
    // The holder stopped beating (as after kill -9): a new process of that name starts at once.
    const next = directory(t, 'dup', 'inc3', 50, 60_000);
    await next.register();
    expect(await next.incarnationOf('dup')).toBe('inc3');
    expect(await live.heartbeat()).toBe(false);
    expect((await next.live()).get('dup')).toBe('inc3');
    await next.unregister();
    expect((await next.live()).has('dup')).toBe(false);
  });

  it('replicates presences between nodes over Redis and finds a dead node by its heartbeat', async () => {
    const nodes = await Promise.all(
      ['r1', 'r2'].map(async (name) => {
        const t = new RedisTransport({ url: REDIS_TEST_URL, prefix, logger });
        const node = new ClusterNode({
          node: name,
          transport: t,
          directory: (inc) => directory(t, name, inc),
          logger,
          heartbeatMs: 50,
          requestTimeoutMs: 1000,
        });
        const sessions = new Map<string, SessionHandle>();
        const tracker = node.tracker(sessions);
        await node.join();
        closing.push(() => node.close());
        return { node, tracker, sessions };
      }),
    );
    const [r1, r2] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    const room = stream(StreamMode.CHANNEL, '', '', 'r');
    const session = { id: 's1', userId: 'u1', username: 'one', deliver: () => {} };
    r1.sessions.set('s1', session);
    r1.tracker.track(session, room, { username: 'one' });
    await eventually(() => expect(r2.tracker.get('s1', room)?.node).toBe('r1'));
    expect(r2.node.health()).toMatchObject({ degraded: false, nodes: ['r1'] });
    // r1 dies without a goodbye: its heartbeat stops, r2 drops its presences once the entry expires.
    await r1.node.bus.close();
    await eventually(() => expect(r2.tracker.count(room)).toBe(0), 3000);
  });

  it('elects one lease holder and hands over when it stops', async () => {
    const t = transport();
    await t.start('lease-test', () => {});
    const lease = (holder: string) =>
      new RedisLease({
        redis: t.commands,
        names: t.names,
        name: 'test',
        holder,
        ttlMs: 600,
        renewMs: 100,
        logger,
      });
    const [a, b] = [lease('a'), lease('b')];
    a.start();
    await eventually(() => expect(a.held).toBe(true));
    b.start();
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect([a.held, b.held]).toEqual([true, false]);
    await a.stop();
    await eventually(() => expect(b.held).toBe(true));
    await b.stop();
    // A holder that died (kill -9) never releases: its lease lapses after the TTL and another takes it.
    await t.commands.set(t.names.key('lease', 'test'), 'dead-node', 'PX', 600);
    const c = lease('c');
    c.start();
    await eventually(() => expect(c.held).toBe(true));
    expect(await t.commands.get(t.names.key('lease', 'test'))).toBe('c');
    await c.stop();
  });

  it('claims groups all or none, so two claimers never take the same ticket', async () => {
    const t = transport();
    await t.start('claim-test', () => {});
    const claim = (groups: string[][]) => claimGroups(t.commands, t.names, 'mm', groups, 5000);
    expect(await claim([['t1', 't2'], ['t3']])).toEqual([true, true]);
    // A second leader working from a stale pool: groups touching a claimed ticket are refused whole.
    expect(await claim([['t2', 't4'], ['t5', 't6'], ['t3']])).toEqual([false, true, false]);
    expect(await claim([['t4']])).toEqual([true]);
  });
});
