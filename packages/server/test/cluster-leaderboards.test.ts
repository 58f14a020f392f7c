/**
 * Cluster mode, leaderboards: each node ranks from its own in-memory index, so a record written on
 * one node must reach the others' indexes. Two nodes on one PostgreSQL schema and one Redis write
 * interleaved scores; every node must then give every record its exact rank and the exact count,
 * follow updates, deletions and a deleted board, and read a period again after a gap.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LeaderboardRecordList, RuntimeApi } from '../src/runtime/api.ts';
import { ClusterBed, clusterAvailable, eventually } from './cluster-helpers.ts';
import type { TestServer } from './helpers.ts';

const available = await clusterAvailable('cluster-leaderboards');
const bed = new ClusterBed();
let n1: TestServer;
let n2: TestServer;
let nk1: RuntimeApi;
let nk2: RuntimeApi;

async function nkOf(server: TestServer): Promise<RuntimeApi> {
  let nk: RuntimeApi | undefined;
  await server.runtime.run((_init, api) => {
    nk = api;
  });
  return nk!;
}

beforeAll(async () => {
  if (!available) return;
  [n1, n2] = (await bed.start('n1', 'n2')) as [TestServer, TestServer];
  nk1 = await nkOf(n1);
  nk2 = await nkOf(n2);
}, 60_000);
afterAll(() => bed.stop(), 60_000);

/** Rank of each owner as `nk` on one node sees it, and the period's count. */
async function ranksOn(nk: RuntimeApi, board: string, owners: string[]) {
  const list: LeaderboardRecordList = await nk.leaderboardRecordsList(board, owners, 0);
  const ranks = new Map(list.ownerRecords.map((r) => [r.ownerId, r.rank]));
  return { ranks: owners.map((o) => ranks.get(o)), count: list.rankCount };
}

describe.runIf(available)('leaderboard ranks across two nodes', () => {
  it('gives every record its exact rank on both nodes, whichever node wrote it', async () => {
    await nk1.leaderboardCreate('arena', true, 'desc', 'best');
    // Scores 1..100: even ones written on n1, odd ones on n2, at the same time.
    const owners = Array.from({ length: 100 }, () => randomUUID());
    await Promise.all(
      owners.map((owner, i) => (i % 2 === 0 ? nk1 : nk2).leaderboardRecordWrite('arena', owner, null, i + 1)),
    );
    const expected = owners.map((_, i) => 100 - i); // score i+1 of 100 is rank 100-i
    for (const nk of [nk1, nk2]) {
      await eventually(async () => {
        expect(await ranksOn(nk, 'arena', owners)).toEqual({ ranks: expected, count: 100 });
      });
    }

    // An update on n2 moves the lowest record to the top on both nodes.
    await nk2.leaderboardRecordWrite('arena', owners[0]!, null, 1000);
    // A delete on n1 takes the second lowest out on both nodes.
    await nk1.leaderboardRecordDelete('arena', owners[1]!);
    for (const nk of [nk1, nk2]) {
      await eventually(async () => {
        const seen = await ranksOn(nk, 'arena', [owners[0]!, owners[99]!, owners[2]!, owners[1]!]);
        expect(seen).toEqual({ ranks: [1, 2, 99, undefined], count: 99 });
      });
    }
  });

  it('forgets a board deleted on another node', async () => {
    await nk2.leaderboardCreate('brief', true, 'asc', 'set');
    const owner = randomUUID();
    await nk2.leaderboardRecordWrite('brief', owner, null, 5);
    await eventually(async () => expect((await ranksOn(nk1, 'brief', [owner])).ranks).toEqual([1]));
    await nk2.leaderboardDelete('brief');
    await eventually(async () => {
      await expect(nk1.leaderboardRecordsList('brief', [owner], 0)).rejects.toThrow(/not found/i);
    });
    expect(n1.leaderboards.leaderboards.ranks.indexes.get('brief', 0)).toBeUndefined();
  });

  it('reads live periods again after a gap in a node’s changes', async () => {
    await nk1.leaderboardCreate('gapped', true, 'desc', 'set');
    const first = randomUUID();
    await nk1.leaderboardRecordWrite('gapped', first, null, 10);
    await eventually(async () =>
      expect(await ranksOn(nk2, 'gapped', [first])).toEqual({ ranks: [1], count: 1 }),
    );

    // Records that reach the database without a delta (as if the bus had lost n1's frames).
    const now = Date.now();
    const lost = Array.from({ length: 5 }, (_, i) => ({
      leaderboardId: 'gapped',
      ownerId: randomUUID(),
      username: null,
      score: BigInt(20 + i),
      subscore: 0n,
      numScore: 1,
      maxNumScore: 1_000_000,
      metadata: '{}',
      createTime: now,
      updateTime: now,
      expiryTime: 0,
    }));
    await n1.leaderboards.leaderboards.recordDeps.store.insertRecords(lost);
    const sync = n2.leaderboards.rankSync!;
    const reloads = sync.stats.reloads;
    // What the replicator does on a gap: n1's snapshot says it has published changes.
    sync.load('n1', { n: 1 });
    await eventually(async () => {
      expect(sync.stats.reloads).toBeGreaterThan(reloads);
      await sync.idle();
      expect(await ranksOn(nk2, 'gapped', [first])).toEqual({ ranks: [6], count: 6 });
    });
  });
});
