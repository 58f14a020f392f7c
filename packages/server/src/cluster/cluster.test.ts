/**
 * The cluster's logic over the in-process transport: replication of presences, routing, calls,
 * departures, gaps and bad input. The Redis transport and directory have their own test; the whole
 * server in cluster mode is tested in packages/server/test/cluster-*.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { StreamMode, stream } from '../presence/stream.ts';
import type { PresenceEvent } from '../presence/types.ts';
import { DomainError, ErrorKind } from '../shared/domain-error.ts';
import { eventually, MemoryCluster } from './memory/memory-cluster.ts';
import { encodeFrame } from './wire.ts';

const room = stream(StreamMode.CHANNEL, '', '', 'lobby');
let cluster: MemoryCluster;

afterEach(async () => {
  await cluster?.close();
});

/** Three nodes; `quiet` makes heartbeats rare so that bus counters only count what a test sends. */
async function threeNodes(quiet = false) {
  cluster = quiet ? new MemoryCluster({ heartbeatMs: 10_000, nodeTimeoutMs: 60_000 }) : new MemoryCluster();
  const n1 = await cluster.add('n1');
  const n2 = await cluster.add('n2');
  const n3 = await cluster.add('n3');
  await eventually(() => {
    for (const n of [n1, n2, n3]) expect(n.cluster.membership.nodes().size).toBe(2);
  });
  return [n1, n2, n3] as const;
}

describe('replicated tracker', () => {
  it("holds every node's presences and emits each change on every node", async () => {
    const [n1, n2, n3] = await threeNodes();
    const events: Record<string, PresenceEvent[]> = { n1: [], n2: [], n3: [] };
    for (const n of [n1, n2, n3]) n.tracker.onEvents(StreamMode.CHANNEL, (e) => events[n.name]!.push(...e));
    const a = n1.connect('a');
    const b = n2.connect('b');
    n1.tracker.track(a, room, { username: 'A' });
    n2.tracker.track(b, room, { username: 'B', persistence: true });
    await eventually(() => {
      for (const n of [n1, n2, n3]) {
        expect(
          n.tracker
            .list(room)
            .map((p) => `${p.node}/${p.sessionId}`)
            .sort(),
        ).toEqual(['n1/a', 'n2/b']);
      }
    });
    expect(n3.tracker.get('b', room)?.meta).toEqual({ username: 'B', persistence: true });
    await eventually(() => {
      for (const n of ['n1', 'n2', 'n3']) {
        expect(events[n]!.flatMap((e) => e.joins.map((p) => p.sessionId)).sort()).toEqual(['a', 'b']);
      }
    });
    n2.tracker.untrackAll('b');
    await eventually(() => {
      for (const n of [n1, n3]) expect(n.tracker.count(room)).toBe(1);
      expect(events.n3!.flatMap((e) => e.leaves.map((p) => p.sessionId))).toEqual(['b']);
    });
  });

  it('loads the presences of nodes that were there before it joined', async () => {
    cluster = new MemoryCluster();
    const n1 = await cluster.add('n1');
    n1.tracker.track(n1.connect('a'), room, { username: 'A', status: 'hi' });
    const n2 = await cluster.add('n2');
    await eventually(() => expect(n2.tracker.get('a', room)?.meta.status).toBe('hi'));
    await eventually(() => expect(n1.cluster.membership.nodes().has('n2')).toBe(true));
    n2.tracker.track(n2.connect('b'), room, { username: 'B' });
    await eventually(() => expect(n1.tracker.count(room)).toBe(2));
  });

  it('tracks and untracks presences of other nodes through their node', async () => {
    const [n1, n2] = await threeNodes();
    const b = n2.connect('b');
    // n1 runs an operation for n2's session b (as a party's node does).
    expect(n1.tracker.track({ ...b, node: 'n2' }, room, { username: 'B' })).toBe(true);
    await eventually(() => expect(n2.tracker.get('b', room)?.node).toBe('n2'));
    await eventually(() => expect(n1.tracker.get('b', room)?.node).toBe('n2'));
    expect(n1.tracker.untrack('b', room)).toBe(true);
    expect(n1.tracker.get('b', room)).toBeUndefined();
    await eventually(() => expect(n2.tracker.get('b', room)).toBeUndefined());
  });

  it("drops a departed node's presences on every other node, announcing the leaves", async () => {
    const [n1, n2, n3] = await threeNodes();
    n3.tracker.track(n3.connect('c'), room, { username: 'C' });
    await eventually(() => expect(n1.tracker.count(room)).toBe(1));
    const leaves: string[] = [];
    n1.tracker.onEvents(StreamMode.CHANNEL, (e) =>
      leaves.push(...e.flatMap((x) => x.leaves.map((p) => p.sessionId))),
    );
    // kill: no goodbye, its directory entry just stops being refreshed.
    await n3.cluster.bus.close();
    n3.directory.reachable = false;
    await eventually(() => {
      expect(n1.tracker.count(room)).toBe(0);
      expect(n2.tracker.count(room)).toBe(0);
      expect(leaves).toEqual(['c']);
    });
  });

  it('resynchronises after changes were lost while a node was cut off', async () => {
    const [n1, n2] = await threeNodes();
    n2.transport.setConnected(false);
    n1.tracker.track(n1.connect('a'), room, { username: 'A' });
    n2.tracker.track(n2.connect('b'), room, { username: 'B' });
    n2.tracker.untrackAll('b');
    n2.tracker.track(n2.connect('b2'), room, { username: 'B2' });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(n1.tracker.count(room)).toBe(1);
    n2.transport.setConnected(true);
    await eventually(() => {
      expect(
        n1.tracker
          .list(room)
          .map((p) => p.sessionId)
          .sort(),
      ).toEqual(['a', 'b2']);
      expect(
        n2.tracker
          .list(room)
          .map((p) => p.sessionId)
          .sort(),
      ).toEqual(['a', 'b2']);
    });
  });
});

describe('cluster router', () => {
  it('sends a broadcast once per other node with members, and excludes the sender everywhere', async () => {
    const [n1, n2, n3] = await threeNodes(true);
    const sessions = [
      n1.connect('a1'),
      n1.connect('a2'),
      n2.connect('b1'),
      n2.connect('b2'),
      n3.connect('c1'),
    ];
    const byNode = { a: n1, b: n2, c: n3 } as const;
    for (const s of sessions) byNode[s.id[0] as 'a' | 'b' | 'c'].tracker.track(s, room, { username: s.id });
    await eventually(() => expect(n1.tracker.count(room)).toBe(5));
    const before = n1.cluster.bus.stats().messagesOut;
    n1.router.sendToStream(room, { n: 1 }, 'a1');
    await eventually(() => expect(sessions.map((s) => s.got.length)).toEqual([0, 1, 1, 1, 1]));
    // Two deliveries crossed the bus (n2 and n3), not four.
    expect(n1.cluster.bus.stats().messagesOut - before).toBe(2);
    // A node whose only member is the excluded session is not sent anything.
    const mid = n3.cluster.bus.stats().messagesOut;
    n3.router.sendToStream(room, { n: 2 }, 'c1');
    await eventually(() => expect(sessions[0]!.got).toEqual(['{"n":2}']));
    expect(n3.cluster.bus.stats().messagesOut - mid).toBe(2);
    n2.router.sendToPresences(
      [
        { node: 'n3', sessionId: 'c1' },
        { node: 'n1', sessionId: 'a2' },
      ],
      { n: 3 },
    );
    await eventually(() => expect(sessions[4]!.got.at(-1)).toBe('{"n":3}'));
    expect(sessions[1]!.got.at(-1)).toBe('{"n":3}');
  });

  it('keeps the order of one sender to one recipient', async () => {
    const [n1, n2] = await threeNodes();
    const b = n2.connect('b');
    n2.tracker.track(b, room, { username: 'B' });
    await eventually(() => expect(n1.tracker.count(room)).toBe(1));
    for (let i = 0; i < 200; i++) {
      if (i % 3 === 0) n1.router.sendToPresences([{ node: 'n2', sessionId: 'b' }], { i });
      else n1.router.sendToStream(room, { i });
      if (i % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await eventually(() => expect(b.got).toHaveLength(200));
    expect(b.got.map((t) => JSON.parse(t).i)).toEqual([...Array(200).keys()]);
  });
});

describe('peers', () => {
  it('call methods of other nodes, with their errors, and time out on silence', async () => {
    const [n1, n2] = await threeNodes();
    n2.cluster.peers.handle('sum', z.object({ a: z.number(), b: z.number() }), (body, from) => ({
      sum: body.a + body.b,
      from,
    }));
    n2.cluster.peers.handle('fail', z.unknown(), () => {
      throw new DomainError(ErrorKind.NOT_FOUND, 'Match not found', {
        socketCode: 4,
        context: { match_id: 'x' },
      });
    });
    n2.cluster.peers.handle('never', z.unknown(), () => new Promise(() => {}));
    expect(await n1.cluster.peers.call('n2', 'sum', { a: 1, b: 2 })).toEqual({ sum: 3, from: 'n1' });
    await expect(n1.cluster.peers.call('n2', 'fail', {})).rejects.toMatchObject({
      kind: 'NOT_FOUND',
      message: 'Match not found',
      socketCode: 4,
      context: { match_id: 'x' },
    });
    await expect(n1.cluster.peers.call('n2', 'sum', { a: 'x' })).rejects.toMatchObject({
      kind: 'INVALID_ARGUMENT',
    });
    await expect(n1.cluster.peers.call('n2', 'nope', {})).rejects.toMatchObject({ kind: 'UNIMPLEMENTED' });
    await expect(n1.cluster.peers.call('n2', 'never', {})).rejects.toMatchObject({ kind: 'UNAVAILABLE' });
    await expect(n1.cluster.peers.call('n9', 'sum', {})).rejects.toMatchObject({ kind: 'UNAVAILABLE' });
    expect(n2.cluster.bus.stats().dropped.schema).toBe(2);
  });
});

describe('bad input on the bus', () => {
  it('drops and counts frames of unknown nodes, of another version and with a bad schema', async () => {
    const [n1, n2] = await threeNodes();
    const b = n2.connect('b');
    n2.tracker.track(b, room, { username: 'B' });
    await eventually(() => expect(n1.tracker.count(room)).toBe(1));
    const intruder = cluster.hub.transport();
    await intruder.start('intruder', () => {});
    const payload = Buffer.from('{"evil":1}');
    await intruder.publish(
      'n2',
      encodeFrame(
        { node: 'ghost', incarnation: 'x1' },
        [{ t: 'ds', s: '2...lobby', y: 'x', p: 0 }],
        [payload],
      ),
    );
    const wrongVersion = encodeFrame(
      { node: 'n1', incarnation: n1.cluster.incarnation },
      [{ t: 'hello' }],
      [],
    );
    wrongVersion[0] = 9;
    await intruder.publish('n2', wrongVersion);
    await intruder.publish('n2', Buffer.from([1, 2, 110, 49, 1]));
    const asN1 = { node: 'n1', incarnation: n1.cluster.incarnation };
    await intruder.publish('n2', encodeFrame(asN1, [{ t: 'call', id: -1, m: '', b: 0 } as never], []));
    await intruder.publish('n2', encodeFrame(asN1, [{ t: 'cast', m: 'presence.cmd', b: [['t', 5]] }], []));
    await eventually(() =>
      expect(n2.cluster.bus.stats().dropped).toMatchObject({
        unknownNode: 1,
        version: 1,
        malformed: 1,
        schema: 2,
      }),
    );
    expect(b.got).toEqual([]);
    // The node still works.
    n1.router.sendToStream(room, { ok: true });
    await eventually(() => expect(b.got).toEqual(['{"ok":true}']));
  });
});
