import { afterEach, describe, expect, it } from 'vitest';
import { type TestStore, testBackends } from './backends.ts';
import type { TestServer } from './helpers.ts';
import { basicAuth, bearer, call, claimsOf, deviceLogin } from './http-client.ts';

const backends = await testBackends('accounts (restart)');

describe.each(backends)('restart on $name', (backend) => {
  let store: TestStore | undefined;
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.stop();
    await store?.dispose();
    server = undefined;
    store = undefined;
  });

  it('keeps accounts and revocations: a revoked token stays 401, the account is still there', async () => {
    store = backend.newStore();
    server = await store.start();
    const kept = await deviceLogin(server.baseUrl, 'device-restart-01', '?username=survivor');
    const revoked = await deviceLogin(server.baseUrl, 'device-restart-01');
    const out = await call(server.baseUrl, 'POST', '/v2/session/logout', {
      auth: bearer(revoked.token),
      body: { token: revoked.token, refresh_token: revoked.refreshToken },
    });
    expect(out.status).toBe(200);
    await server.stop();

    // A new server process on the same data (same SQLite folder / same PostgreSQL schema).
    server = await store.start();
    const base = server.baseUrl;
    const r = await call(base, 'GET', '/v2/account', { auth: bearer(revoked.token) });
    expect(r.status).toBe(401);
    expect(r.body?.message).toBe('Auth token revoked: the session was logged out');
    const refresh = await call(base, 'POST', '/v2/account/session/refresh', {
      auth: basicAuth(),
      body: { token: revoked.refreshToken },
    });
    expect(refresh.status).toBe(401);

    // The account survived, and the session that was not logged out still works.
    const again = await deviceLogin(base, 'device-restart-01', '?create=false');
    expect(again.created).toBe(false);
    expect(claimsOf(again.token).uid).toBe(claimsOf(kept.token).uid);
    const account = await call(base, 'GET', '/v2/account', { auth: bearer(kept.token) });
    expect(account.status).toBe(200);
    expect(account.body?.user).toMatchObject({ username: 'survivor' });
  });
});
