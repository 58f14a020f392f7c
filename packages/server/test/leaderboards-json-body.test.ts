/**
 * Record lists go out as JSON text written straight from the records (no objects, no
 * `JSON.stringify`) unless a module registered an API after hook for the call; then the hook gets
 * the body as an object, and that object is what goes out. Both paths must send the same bytes, on
 * both backends, for every list endpoint.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RuntimeApi } from '../src/runtime/api.ts';
import { type TestStore, testBackends } from './backends.ts';
import type { TestServer } from './helpers.ts';
import { basicAuth, bearer } from './http-client.ts';

const backends = await testBackends('leaderboard list bodies');

/** The raw body of a GET, and its status. */
async function rawGet(
  server: TestServer,
  path: string,
  token: string,
): Promise<{ status: number; text: string }> {
  const res = await fetch(`${server.baseUrl}${path}`, { headers: { authorization: bearer(token) } });
  return { status: res.status, text: await res.text() };
}

describe.each(backends)('record list bodies on $name', (backend) => {
  let store: TestStore;
  let server: TestServer;
  let nk: RuntimeApi;
  const players: { id: string; token: string }[] = [];

  beforeAll(async () => {
    store = backend.newStore();
    server = await store.start();
    await server.runtime.run(async (_init, api) => {
      nk = api;
      await api.leaderboardCreate('plain', false, 'desc', 'best', null, {});
      // A tournament has an expiry, so its records carry `expiry_time` and `max_num_score`.
      await api.tournamentCreate(
        'weekly',
        false,
        'asc',
        'incr',
        3600,
        '0 0 * * 1',
        {},
        'W',
        '',
        1,
        0,
        0,
        0,
        5,
      );
    });
    // Usernames and metadata that need escaping; a zero score, and ties.
    const names = ['quote"d', 'back\\slash', 'ünï', 'tab\tname', 'plain'];
    for (const [i, name] of names.entries()) {
      const res = await fetch(`${server.baseUrl}/v2/account/authenticate/device?create=true`, {
        method: 'POST',
        headers: { authorization: basicAuth('defaultkey'), 'content-type': 'application/json' },
        body: JSON.stringify({ id: `device-json-body-${i}-0001` }),
      });
      const session = (await res.json()) as { token: string };
      const me = await fetch(`${server.baseUrl}/v2/account`, {
        headers: { authorization: bearer(session.token) },
      });
      const id = ((await me.json()) as { user: { id: string } }).user.id;
      players.push({ id, token: session.token });
      await nk.leaderboardRecordWrite('plain', id, name, [0, 5, 7, 7, 3][i]!, i, {
        note: `line\nbreak "${i}" é 🎲 \u2028`,
      });
      await nk.tournamentRecordWrite('weekly', id, name, i * 10, 0, i % 2 === 0 ? {} : { k: i });
    }
  });
  afterAll(async () => {
    await server?.stop();
    await store?.dispose();
  });

  const paths = () => {
    const a = players[0]!;
    const b = players[1]!;
    return [
      '/v2/leaderboard/plain?limit=3',
      `/v2/leaderboard/plain?limit=2&owner_ids=${a.id}&owner_ids=${b.id}`,
      `/v2/leaderboard/plain?owner_ids=${a.id}`,
      `/v2/leaderboard/plain/owner/${b.id}?limit=3`,
      '/v2/tournament/weekly?limit=10',
      `/v2/tournament/weekly/owner/${a.id}?limit=2`,
    ];
  };

  it('sends the same bytes with and without an after hook, and the hook gets the object', async () => {
    const token = players[0]!.token;
    const before: { status: number; text: string }[] = [];
    for (const path of paths()) before.push(await rawGet(server, path, token));
    // The pages follow on: a cursor from the first list.
    const cursor = (JSON.parse(before[0]!.text) as { next_cursor: string }).next_cursor;
    const next = `/v2/leaderboard/plain?limit=3&cursor=${encodeURIComponent(cursor)}`;
    before.push(await rawGet(server, next, token));
    expect(before.filter((r) => r.status === 200)).toHaveLength(before.length);
    expect(JSON.parse(before[4]!.text).records[0]).toHaveProperty('expiry_time');

    const seen: unknown[] = [];
    await server.runtime.run((init) => {
      for (const api of [
        'ListLeaderboardRecords',
        'ListLeaderboardRecordsAroundOwner',
        'ListTournamentRecords',
        'ListTournamentRecordsAroundOwner',
      ]) {
        init.registerApiAfter(api, (_ctx, response) => {
          seen.push(response);
        });
      }
    }, 'json-body-hooks');
    const after: { status: number; text: string }[] = [];
    for (const path of [...paths(), next]) after.push(await rawGet(server, path, token));

    expect(after).toEqual(before);
    expect(seen).toEqual(before.map((r) => JSON.parse(r.text)));
    // A hook's object is a plain one, not the text form.
    expect(Object.getPrototypeOf(seen[0])).toBe(Object.prototype);
  });
});
