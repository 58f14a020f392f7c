/**
 * The revocation verdict cache on a real server and every available backend: a token used a moment
 * before (so its "not revoked" verdict is remembered) is refused on the very next request after a
 * logout, a "log out everywhere", a ban or an account deletion; and the cache can be turned off.
 * Cluster mode reads the database every time: cluster-sessions.test.ts shows a logout on one node
 * refused at once by the others.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type TestStore, testBackends } from './backends.ts';
import type { TestServer } from './helpers.ts';
import { bearer, call, deviceLogin } from './http-client.ts';

const backends = await testBackends('accounts (revocation cache)');

describe.each(backends)('revocation verdict cache on $name', (backend) => {
  let store: TestStore | undefined;
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.stop();
    await store?.dispose();
    server = store = undefined;
  });

  async function start(revocationCacheMs?: number): Promise<string> {
    store = backend.newStore();
    server = await store.start(revocationCacheMs === undefined ? {} : { revocationCacheMs });
    return server.baseUrl;
  }
  const account = (base: string, token: string) => call(base, 'GET', '/v2/account', { auth: bearer(token) });

  it('refuses a token on the next request after its logout, though it was just used', async () => {
    const base = await start(60_000);
    const s = await deviceLogin(base, `cache-logout-${Date.now()}`);
    expect((await account(base, s.token)).status).toBe(200);
    expect((await account(base, s.token)).status).toBe(200);
    const out = await call(base, 'POST', '/v2/session/logout', {
      auth: bearer(s.token),
      body: { token: s.token, refresh_token: s.refreshToken },
    });
    expect(out.status).toBe(200);
    expect(await account(base, s.token)).toMatchObject({
      status: 401,
      body: { message: 'Auth token revoked: the session was logged out' },
    });
  });

  it('refuses every session of a user after "log out everywhere", a ban or a deletion', async () => {
    const base = await start(60_000);
    const id = `cache-user-${Date.now()}`;
    const [a, b] = [await deviceLogin(base, id), await deviceLogin(base, id)];
    for (const t of [a.token, b.token]) expect((await account(base, t)).status).toBe(200);
    // Logout without naming the token: every session of the user.
    expect((await call(base, 'POST', '/v2/session/logout', { auth: bearer(a.token), body: {} })).status).toBe(
      200,
    );
    for (const t of [a.token, b.token]) expect((await account(base, t)).status).toBe(401);

    const c = await deviceLogin(base, `${id}-2`);
    const userId = (await account(base, c.token)).body!.user as { id: string };
    await server!.runtime.nk.usersBanId([userId.id]);
    expect((await account(base, c.token)).status).toBe(401);

    const d = await deviceLogin(base, `${id}-3`);
    expect((await account(base, d.token)).status).toBe(200);
    expect((await call(base, 'DELETE', '/v2/account', { auth: bearer(d.token) })).status).toBe(200);
    expect((await account(base, d.token)).status).toBe(401);
  });

  it('is off with revocationCacheMs 0 and still refuses revoked tokens', async () => {
    const base = await start(0);
    const s = await deviceLogin(base, `cache-off-${Date.now()}`);
    expect((await account(base, s.token)).status).toBe(200);
    await call(base, 'POST', '/v2/session/logout', { auth: bearer(s.token), body: { token: s.token } });
    expect((await account(base, s.token)).status).toBe(401);
  });
});
