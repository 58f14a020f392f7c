/**
 * The console's leaderboard routes on every available backend: boards with their current period's
 * size, a board's records in rank order with cursors, deleting a record (authoritative boards too)
 * and a board, and the refusals.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type TestStore, testBackends } from './backends.ts';
import { consoleLogin } from './console-helpers.ts';
import type { TestServer } from './helpers.ts';

const backends = await testBackends('console leaderboards');
const owner = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

describe.each(backends)('console leaderboards on $name', (backend) => {
  let store: TestStore | undefined;
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.stop();
    await store?.dispose();
    server = undefined;
    store = undefined;
  });

  it('lists boards, pages records in rank order, deletes a record and a board', async () => {
    store = backend.newStore();
    server = await store.start();
    const { leaderboards: lb, tournaments: tn } = server.leaderboards;
    await lb.createLeaderboard({ id: 'hall', authoritative: true, sortOrder: 'asc', operator: 'set' });
    await tn.create({ id: 'cup', duration: 3600, title: 'Cup' });
    for (let i = 1; i <= 5; i++) {
      await lb.writeRecord(
        'hall',
        { ownerId: owner(i), username: `p${i}`, score: 10 - i },
        { authoritative: true },
      );
    }
    const admin = await consoleLogin(server);
    const boards = await admin.call('GET', '/v2/console/leaderboard');
    expect(boards.status).toBe(200);
    expect(boards.body?.leaderboards).toEqual([
      expect.objectContaining({ id: 'cup', tournament: true, title: 'Cup', rank_count: 0 }),
      expect.objectContaining({
        id: 'hall',
        tournament: false,
        sort_order: 'asc',
        operator: 'set',
        rank_count: 5,
      }),
    ]);
    const first = await admin.call('GET', '/v2/console/leaderboard/hall?limit=2');
    expect(first.body).toMatchObject({ leaderboard: { id: 'hall' }, rank_count: '5' });
    const records = first.body?.records as { username: string; rank: string }[];
    expect(records.map((r) => [r.username, r.rank])).toEqual([
      ['p5', '1'],
      ['p4', '2'],
    ]);
    const next = await admin.call(
      'GET',
      `/v2/console/leaderboard/hall?limit=2&cursor=${first.body?.next_cursor}`,
    );
    expect((next.body!.records as { username: string }[]).map((r) => r.username)).toEqual(['p3', 'p2']);

    expect((await admin.call('DELETE', `/v2/console/leaderboard/hall/owner/${owner(5)}`)).status).toBe(200);
    expect((await lb.listRecords('hall', { limit: 1 })).records[0]).toMatchObject({
      username: 'p4',
      rank: 1,
    });
    expect(await admin.call('GET', '/v2/console/leaderboard/nope')).toMatchObject({
      status: 404,
      body: { code: 5 },
    });
    expect((await admin.call('DELETE', '/v2/console/leaderboard/hall')).body).toEqual({ deleted: true });
    expect((await admin.call('GET', '/v2/console/leaderboard')).body?.leaderboards).toHaveLength(1);
  });
});
