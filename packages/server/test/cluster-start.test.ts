/**
 * Cluster mode, refusals and bad input: a node name already live is refused at start, cluster mode on
 * the SQLite default is refused with the reason (the `tether` command), and frames on the bus from an
 * unknown node, of another version or with a wrong schema are dropped and counted, never crash a node.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeFrame } from '../src/cluster/wire.ts';
import { ClusterBed, clusterAvailable, eventually } from './cluster-helpers.ts';
import { startTestServer, type TestServer } from './helpers.ts';
import { connectPlayer, disconnectAll, type Player } from './realtime-helpers.ts';
import { REDIS_TEST_URL } from './redis.ts';

const available = await clusterAvailable('cluster-start');
const bed = new ClusterBed();
let n1: TestServer;
let n2: TestServer;
const opened: Player[] = [];

beforeAll(async () => {
  if (!available) return;
  [n1, n2] = (await bed.start('n1', 'n2')) as [TestServer, TestServer];
}, 60_000);
afterAll(async () => {
  disconnectAll(opened);
  await bed.stop();
}, 60_000);

describe.runIf(available)('starting a node', () => {
  it('refuses a node name that is live in the cluster', async () => {
    await expect(startTestServer(bed.config('n1'))).rejects.toThrow(
      "node name 'n1' is already live in the cluster (another process is heartbeating under it)",
    );
    // The live n1 is undisturbed.
    expect(n2.cluster!.health().nodes).toEqual(['n1']);
  });

  it('refuses to start when the Redis is unreachable, saying where', async () => {
    await expect(
      startTestServer(bed.config('n9', { cluster: 'redis://:secret@127.0.0.1:1' })),
    ).rejects.toThrow("cannot reach the cluster's Redis at redis://:***@127.0.0.1:1");
  });
});

describe('the tether command', () => {
  it('refuses cluster mode on the SQLite default, saying why', async () => {
    const bin = fileURLToPath(new URL('../bin/tether.js', import.meta.url));
    const child = spawn(
      process.execPath,
      [bin, 'serve', '--cluster', 'redis://127.0.0.1:6379', '--node', 'x'],
      {
        env: { ...process.env, TETHER_DATABASE: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).not.toBe(0);
    expect(stderr).toMatch(
      /cluster \(--cluster, TETHER_CLUSTER\): cluster mode needs a shared PostgreSQL database \(--database postgres:/,
    );
  });
});

describe.runIf(available)('bad input on the bus', () => {
  it('is dropped and counted; the node keeps serving', async () => {
    const js = await connectPlayer(n1, opened);
    const room = await js.socket.joinChat('bad-input', 1, false, false);
    const other = await connectPlayer(n2, opened);
    await other.socket.joinChat('bad-input', 1, false, false);
    const before = n1.cluster!.health().bus.dropped;
    const redis = new Redis(REDIS_TEST_URL);
    try {
      const inbox = `${bed.prefix}:bus:to:n1`;
      const everyNode = `${bed.prefix}:bus:all`;
      const stream = `2...bad-input`;
      // An unknown node delivering to the room.
      await redis.publish(
        inbox,
        encodeFrame(
          { node: 'intruder', incarnation: 'x1' },
          [{ t: 'ds', s: stream, y: 'x', p: 0 }],
          [Buffer.from('{"x":1}')],
        ),
      );
      // Another version, garbage, and frames of n2 that break the schema.
      const incarnation = (await redis.get(`${bed.prefix}:node:n2`))!.split('|')[0]!;
      const v9 = encodeFrame({ node: 'n2', incarnation }, [{ t: 'hello' }], []);
      v9[0] = 9;
      await redis.publish(everyNode, v9);
      await redis.publish(inbox, Buffer.from('not a frame at all'));
      await redis.publish(
        inbox,
        encodeFrame({ node: 'n2', incarnation }, [{ t: 'ds', s: stream, y: 'x', p: 7 }], []),
      );
      await redis.publish(
        inbox,
        encodeFrame(
          { node: 'n2', incarnation },
          [{ t: 'call', id: 1, m: 'party.op', b: { op: 'explode' } }],
          [],
        ),
      );
      await redis.publish(
        inbox,
        encodeFrame({ node: 'n2', incarnation }, [{ t: 'cast', m: 'presence.cmd', b: 42 }], []),
      );
    } finally {
      redis.disconnect();
    }
    await eventually(() => {
      const dropped = n1.cluster!.health().bus.dropped;
      expect(dropped.unknownNode - before.unknownNode).toBe(1);
      expect(dropped.version - before.version).toBe(2);
      expect(dropped.malformed - before.malformed).toBe(1);
      expect(dropped.schema - before.schema).toBe(2);
    });
    // Still serving, across nodes.
    await other.socket.writeChatMessage(room.id, { still: 'alive' });
    await eventually(() => expect(js.events.all('onchannelmessage')).toHaveLength(1));
    expect(js.events.all('onchannelmessage')).toEqual([
      expect.objectContaining({ content: { still: 'alive' } }),
    ]);
  });
});
