/**
 * Leaderboards and tournaments end to end on both backends: boards made by a runtime module with
 * `nk`, records written and read by the unmodified nakama-js 2.8.0 client, wire shapes and error
 * bodies checked with raw HTTP, and ranks that survive a restart.
 */
import type { Client, Session } from '@heroiclabs/nakama-js';
import { afterEach, describe, expect, it } from 'vitest';
import type { RuntimeApi } from '../src/runtime/api.ts';
import { type TestStore, testBackends } from './backends.ts';
import type { TestServer } from './helpers.ts';
import { bearer, call } from './http-client.ts';
import { nakamaClient } from './realtime-helpers.ts';

const backends = await testBackends('leaderboards (nakama-js)');

/** nakama-js 2.8.0 has `deleteLeaderboardRecord` only on its generated API client (a private field). */
function api(client: Client): { deleteLeaderboardRecord(token: string, id: string): Promise<unknown> } {
  return (client as unknown as { apiClient: ReturnType<typeof api> }).apiClient;
}

/** The `{code, message}` body nakama-js rejects with (it rejects with the raw Response). */
async function refusal(p: Promise<unknown>): Promise<{ status: number; code: number; message: string }> {
  const res = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(res instanceof Response)) throw new Error(`expected an HTTP refusal, got ${String(res)}`);
  const body = (await res.json()) as { code: number; message: string };
  return { status: res.status, code: body.code, message: body.message };
}

describe.each(backends)('leaderboards on $name', (backend) => {
  let store: TestStore | undefined;
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.stop();
    await store?.dispose();
    server = undefined;
    store = undefined;
  });

  async function start(): Promise<{ client: Client; nk: RuntimeApi; players: Session[] }> {
    store ??= backend.newStore();
    server = await store.start();
    let nk: RuntimeApi | undefined;
    await server.runtime.run(async (_init, api) => {
      nk = api;
      await api.leaderboardCreate('arena', false, 'desc', 'best', null, { season: 1 });
      await api.leaderboardCreate('official', true);
      await api.tournamentCreate(
        'cup',
        false,
        'desc',
        'incr',
        3600,
        null,
        {},
        'Cup',
        'weekly',
        3,
        0,
        0,
        2,
        0,
        true,
      );
      await api.tournamentCreate('open-cup', false, 'asc', 'best', 3600, '0 0 * * 1', {}, 'Open', '', 5);
    });
    const client = nakamaClient(server);
    const players = [];
    for (const name of ['ana', 'ben', 'cai', 'dee']) {
      players.push(await client.authenticateDevice(`device-lb-${name}-01`, true, name));
    }
    return { client, nk: nk!, players };
  }

  it('writes and reads records through nakama-js, with exact ranks, cursors and around-owner', async () => {
    const { client, nk, players } = await start();
    const [ana, ben, cai, dee] = players as [Session, Session, Session, Session];
    const wrote = await client.writeLeaderboardRecord(ana, 'arena', {
      score: '100',
      subscore: '2',
      metadata: { hat: 'red' },
    });
    expect(wrote).toMatchObject({
      leaderboard_id: 'arena',
      owner_id: ana.user_id,
      username: 'ana',
      score: 100,
      subscore: 2,
      num_score: 1,
      rank: 1,
      metadata: { hat: 'red' },
    });
    await client.writeLeaderboardRecord(ben, 'arena', { score: '300' });
    await client.writeLeaderboardRecord(cai, 'arena', { score: '200' });
    await nk.leaderboardRecordWrite('arena', dee.user_id!, 'dee', 50);
    // best keeps the higher score; the attempt is not counted.
    expect(await client.writeLeaderboardRecord(ana, 'arena', { score: '90' })).toMatchObject({
      score: 100,
      num_score: 1,
      rank: 3,
    });

    const first = await client.listLeaderboardRecords(ana, 'arena', [dee.user_id!], 2);
    expect(first.records?.map((r) => [r.username, r.rank])).toEqual([
      ['ben', 1],
      ['cai', 2],
    ]);
    expect(first.owner_records?.map((r) => [r.username, r.rank])).toEqual([['dee', 4]]);
    expect(first.rank_count).toBe(4);
    const second = await client.listLeaderboardRecords(ana, 'arena', undefined, 2, first.next_cursor);
    expect(second.records?.map((r) => [r.username, r.rank])).toEqual([
      ['ana', 3],
      ['dee', 4],
    ]);
    expect(second.next_cursor).toBeFalsy();
    const back = await client.listLeaderboardRecords(ana, 'arena', undefined, 2, second.prev_cursor);
    expect(back.records?.map((r) => r.username)).toEqual(['ben', 'cai']);

    const around = await client.listLeaderboardRecordsAroundOwner(ana, 'arena', cai.user_id!, 3);
    expect(around.records?.map((r) => [r.username, r.rank])).toEqual([
      ['ben', 1],
      ['cai', 2],
      ['ana', 3],
    ]);
    const fromNk = await nk.leaderboardRecordsHaystack('arena', dee.user_id!, 2);
    expect(fromNk.records.map((r) => [r.username, r.rank, r.score])).toEqual([
      ['ana', 3, 100],
      ['dee', 4, 50],
    ]);

    // The wire: int64 as strings, zero values omitted, expiry absent on a board without resets.
    const raw = await call(server!.baseUrl, 'GET', '/v2/leaderboard/arena?limit=1', {
      auth: bearer(ana.token),
    });
    expect(raw.body).toMatchObject({ rank_count: '4', next_cursor: expect.any(String) });
    const rec = (raw.body!.records as Record<string, unknown>[])[0]!;
    expect(rec).toMatchObject({ score: '300', rank: '1', num_score: 1, username: 'ben', metadata: '{}' });
    expect(rec).not.toHaveProperty('subscore');
    expect(rec).not.toHaveProperty('expiry_time');

    // nakama-js 2.8.0 has `deleteLeaderboardRecord` on its generated API client only.
    await api(client).deleteLeaderboardRecord(ben.token, 'arena');
    expect((await client.listLeaderboardRecords(ana, 'arena', undefined, 1)).records?.[0]?.username).toBe(
      'cai',
    );

    // A restarted server rebuilds its ranks from the database.
    await server!.stop();
    const restarted = await start();
    const again = await restarted.client.listLeaderboardRecords(
      restarted.players[0]!,
      'arena',
      [dee.user_id!],
      10,
    );
    expect(again.records?.map((r) => [r.username, r.rank])).toEqual([
      ['cai', 1],
      ['ana', 2],
      ['dee', 3],
    ]);
    expect(again.owner_records?.[0]?.rank).toBe(3);
  });

  it('refuses what Nakama refuses, with its codes, and writes nothing', async () => {
    const { client, players } = await start();
    const [ana, ben] = players as [Session, Session];
    expect(await refusal(client.writeLeaderboardRecord(ana, 'official', { score: '1' }))).toEqual({
      status: 403,
      code: 7,
      message: 'Leaderboard only allows authoritative score submissions.',
    });
    expect(await refusal(client.writeLeaderboardRecord(ana, 'nope', { score: '1' }))).toEqual({
      status: 404,
      code: 5,
      message: 'Leaderboard not found.',
    });
    expect(await refusal(api(client).deleteLeaderboardRecord(ana.token, 'official'))).toMatchObject({
      status: 403,
      code: 7,
    });
    const auth = { auth: bearer(ana.token) };
    const bad = await call(server!.baseUrl, 'POST', '/v2/leaderboard/arena', {
      ...auth,
      body: { score: '1.5' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body?.code).toBe(3);
    const meta = await call(server!.baseUrl, 'POST', '/v2/leaderboard/arena', {
      ...auth,
      body: { score: 1, metadata: '"x"' },
    });
    expect(meta.body).toMatchObject({ code: 3, message: 'Metadata value must be JSON, if provided.' });
    const big = await call(server!.baseUrl, 'POST', '/v2/leaderboard/arena', {
      ...auth,
      body: { score: '9223372036854775808' },
    });
    expect(big.status).toBe(400);
    expect((await client.listLeaderboardRecords(ana, 'arena', undefined, 10)).records ?? []).toEqual([]);

    await client.writeLeaderboardRecord(ana, 'arena', { score: '1' });
    await client.writeLeaderboardRecord(ben, 'arena', { score: '2' });
    const page = await client.listLeaderboardRecords(ana, 'arena', undefined, 1);
    expect(
      await refusal(client.listLeaderboardRecords(ana, 'official', undefined, 1, page.next_cursor)),
    ).toEqual({
      status: 400,
      code: 3,
      message: 'Cursor is invalid or expired.',
    });
    expect(await refusal(client.listLeaderboardRecords(ana, 'arena', undefined, 1001))).toMatchObject({
      code: 3,
    });
  });

  it('hands period boundaries to the module callbacks, converted for game code', async () => {
    await start();
    const seen: unknown[] = [];
    await server!.runtime.run((initializer) => {
      initializer.registerLeaderboardReset(
        (ctx, board, reset) => void seen.push(['reset', ctx.node, board.id, board.sortOrder, reset]),
      );
      initializer.registerTournamentEnd(
        (_ctx, t, end, reset) => void seen.push(['end', t.id, t.title, t.joinRequired, end, reset]),
      );
      expect(() => initializer.registerLeaderboardReset(() => {})).toThrow(/already registered/);
    });
    const lb = server!.leaderboards;
    const hooks = server!.runtime.hooks.leaderboards;
    await hooks.leaderboardReset?.((await lb.leaderboards.boards.get('arena'))!, 1_900_000_000);
    const cup = await lb.tournaments.view(await lb.tournaments.tournament('cup'));
    await hooks.tournamentEnd?.(cup, 1_900_000_100, 0);
    expect(seen).toEqual([
      ['reset', server!.config.node, 'arena', 'desc', 1_900_000_000],
      ['end', 'cup', 'Cup', true, 1_900_000_100, 0],
    ]);
  });

  it('runs tournaments: list, join, write, full, not joined, records around owner', async () => {
    const { client, nk, players } = await start();
    const [ana, ben, cai] = players as [Session, Session, Session];
    const list = await client.listTournaments(ana, 0, 127);
    expect(list.tournaments?.map((t) => [t.id, t.category, t.can_enter])).toEqual([
      ['cup', 3, true],
      ['open-cup', 5, true],
    ]);
    expect((await client.listTournaments(ana, 4, 10)).tournaments?.map((t) => t.id)).toEqual(['open-cup']);

    expect(await refusal(client.writeTournamentRecord(ana, 'cup', { score: '5' }))).toEqual({
      status: 400,
      code: 9,
      message: 'Must join tournament before attempting to write value.',
    });
    await client.joinTournament(ana, 'cup');
    await client.joinTournament(ben, 'cup');
    expect(await refusal(client.joinTournament(cai, 'cup'))).toMatchObject({ status: 400, code: 9 });
    expect(await client.writeTournamentRecord(ana, 'cup', { score: '5' })).toMatchObject({
      score: 5,
      rank: 1,
    });
    expect(await client.writeTournamentRecord(ana, 'cup', { score: '5' })).toMatchObject({
      score: 10,
      num_score: 2,
    });
    await nk.tournamentRecordWrite('cup', ben.user_id!, 'ben', 20);
    const records = await client.listTournamentRecords(ana, 'cup', [ana.user_id!], 10);
    expect(records.records?.map((r) => [r.username, r.score, r.rank])).toEqual([
      ['ben', 20, 1],
      ['ana', 10, 2],
    ]);
    expect(records.owner_records?.[0]?.rank).toBe(2);
    const around = await client.listTournamentRecordsAroundOwner(ana, 'cup', ana.user_id!, 1);
    expect(around.records?.map((r) => r.username)).toEqual(['ana']);
    await client.deleteTournamentRecord(ana, 'cup');
    expect((await client.listTournamentRecords(ana, 'cup')).records?.map((r) => r.username)).toEqual(['ben']);
    expect(await refusal(client.writeTournamentRecord(ana, 'arena', { score: '1' }))).toMatchObject({
      status: 404,
      code: 5,
    });

    // Server code sees tournaments too.
    const [cup] = await nk.tournamentsGetId(['cup', 'arena']);
    expect(cup).toMatchObject({
      id: 'cup',
      size: 2,
      maxSize: 2,
      joinRequired: true,
      canEnter: false,
      category: 3,
    });
  });
});
