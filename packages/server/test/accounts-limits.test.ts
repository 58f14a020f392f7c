import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers.ts';
import { basicAuth, call } from './http-client.ts';

// The failed-authentication limits, each on its own server (all test clients share 127.0.0.1).
const EMAIL = '/v2/account/authenticate/email';

describe('failed-authentication limits', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('locks an account after repeated wrong passwords, even for the right one, with Retry-After', async () => {
    server = await startTestServer({
      authFailuresPerAccount: 3,
      authFailuresPerAddress: 100,
      authFailureWindowSec: 600,
    });
    const base = server.baseUrl;
    const login = (password: string) =>
      call(base, 'POST', EMAIL, { auth: basicAuth(), body: { email: 'locked@example.com', password } });
    expect((await login('the right password')).status).toBe(200); // creates the account
    for (let i = 0; i < 3; i++) expect((await login('a wrong password')).status).toBe(401);
    const refused = await login('the right password');
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({
      code: 8,
      message: expect.stringMatching(
        /^Too many failed authentication attempts for this account; try again in \d+ s\.$/,
      ),
    });
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(590);
    expect(retryAfter).toBeLessThanOrEqual(600);
    // Other accounts from the same address are not affected by this account's lock.
    const other = await call(base, 'POST', EMAIL, {
      auth: basicAuth(),
      body: { email: 'other@example.com', password: 'another password' },
    });
    expect(other.status).toBe(200);
  });

  it('locks an address after repeated wrong server keys', async () => {
    server = await startTestServer({ authFailuresPerAddress: 3 });
    const base = server.baseUrl;
    const device = (key: string) =>
      call(base, 'POST', '/v2/account/authenticate/device', {
        auth: basicAuth(key),
        body: { id: 'device-limit-01' },
      });
    for (let i = 0; i < 3; i++) expect((await device('guess')).status).toBe(401);
    const refused = await device('defaultkey');
    expect(refused.status).toBe(429);
    expect(refused.body?.message).toMatch(
      /^Too many failed authentication attempts from this address; try again in/,
    );
  });

  it('counts bad refresh tokens against the address', async () => {
    server = await startTestServer({ authFailuresPerAddress: 2 });
    const refresh = () =>
      call(server!.baseUrl, 'POST', '/v2/account/session/refresh', {
        auth: basicAuth(),
        body: { token: 'x.y.z' },
      });
    expect((await refresh()).status).toBe(401);
    expect((await refresh()).status).toBe(401);
    expect((await refresh()).status).toBe(429);
  });
});
