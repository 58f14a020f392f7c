/**
 * Max members under load, on every backend: 100 clients join one open group over HTTP at the same
 * moment. Exactly as many as there is room for get in, every other one gets "Group is full.", and
 * the group's member count equals its real members afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackends } from './backends.ts';
import type { TestServer } from './helpers.ts';
import { basicAuth, bearer, call } from './http-client.ts';

const backends = await testBackends('groups under concurrent joins');
const CLIENTS = 100;
const MAX_COUNT = 60;

describe.each(backends)('concurrent joins on $name', (backend) => {
  const store = backend.newStore();
  let server: TestServer;
  beforeAll(async () => {
    server = await store.start();
  });
  afterAll(async () => {
    await server.stop();
    await store.dispose();
  });

  const login = async (i: number) => {
    const r = await call(server.baseUrl, 'POST', `/v2/account/authenticate/custom?username=joiner${i}`, {
      auth: basicAuth(),
      body: { id: `concurrent-joiner-${i}` },
    });
    return bearer(r.body!.token as string);
  };

  it(`never exceeds max members when ${CLIENTS} clients join at once, and the count matches the members`, async () => {
    const owner = await login(-1);
    const created = await call(server.baseUrl, 'POST', '/v2/group', {
      auth: owner,
      body: { name: 'Rush', open: true, max_count: MAX_COUNT },
    });
    const groupId = created.body!.id as string;
    const tokens = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => login(i)));

    const results = await Promise.all(
      tokens.map((auth) => call(server.baseUrl, 'POST', `/v2/group/${groupId}/join`, { auth })),
    );
    const joined = results.filter((r) => r.status === 200);
    const refused = results.filter((r) => r.status !== 200);
    expect(joined).toHaveLength(MAX_COUNT - 1);
    expect(new Set(refused.map((r) => JSON.stringify(r.body)))).toEqual(
      new Set([JSON.stringify({ code: 3, message: 'Group is full.', error: 'Group is full.' })]),
    );

    const members: number[] = [];
    let cursor = '';
    do {
      const page = await call(
        server.baseUrl,
        'GET',
        `/v2/group/${groupId}/user?limit=7${cursor && `&cursor=${cursor}`}`,
        { auth: owner },
      );
      members.push(...(page.body!.group_users as { state: number }[]).map((u) => u.state));
      cursor = (page.body!.cursor as string | undefined) ?? '';
    } while (cursor);
    expect(members).toHaveLength(MAX_COUNT);
    expect(members.filter((s) => s === 2)).toHaveLength(MAX_COUNT - 1);
    const listed = await call(server.baseUrl, 'GET', '/v2/group?name=rush', { auth: owner });
    expect((listed.body!.groups as { edge_count: number }[])[0]!.edge_count).toBe(MAX_COUNT);
  });
});
