import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers.ts';
import { basicAuth, bearer, call, claimsOf, deviceLogin } from './http-client.ts';

// Bad input over raw HTTP: each case gets the right status, Nakama's `{code, message}` body and a
// message that says what was wrong. One server for the file; every test uses its own identities.
let server: TestServer;
let base: string;
beforeAll(async () => {
  // A small body limit so the oversized-body case is cheap.
  server = await startTestServer({ maxRequestBytes: 4096 });
  base = server.baseUrl;
});
afterAll(async () => {
  await server.stop();
});

const DEVICE = '/v2/account/authenticate/device';
const enc = new TextEncoder();

/** A token signed with `key` (the dev session key by default) and arbitrary claims. */
function sign(claims: Record<string, unknown>, key = 'defaultencryptionkey', alg = 'HS256'): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg, typ: 'JWT' }).sign(enc.encode(key));
}

describe('server key', () => {
  it('is required', async () => {
    const r = await call(base, 'POST', DEVICE, { body: { id: 'device-nokey-01' } });
    expect(r.status).toBe(401);
    expect(r.body).toMatchObject({ code: 16, message: 'Server key required' });
  });

  it('must match, and a Bearer token is no substitute', async () => {
    for (const auth of [basicAuth('wrongkey'), bearer('defaultkey'), 'Basic !!!']) {
      const r = await call(base, 'POST', DEVICE, { auth, body: { id: 'device-badkey-01' } });
      expect(r.status).toBe(401);
      expect(r.body).toMatchObject({ code: 16, message: 'Server key invalid' });
    }
  });
});

describe('request bodies and parameters', () => {
  it('refuses malformed JSON with 400', async () => {
    const r = await call(base, 'POST', DEVICE, { auth: basicAuth(), body: '{"id": "device-' });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ code: 3, message: expect.stringMatching(/^Malformed JSON body/) });
  });

  it('names a field of the wrong type', async () => {
    const r = await call(base, 'POST', DEVICE, { auth: basicAuth(), body: { id: 12345678901 } });
    expect(r.status).toBe(400);
    expect(r.body?.message).toMatch(/^Invalid request body: field 'id': /);
    const v = await call(base, 'POST', DEVICE, {
      auth: basicAuth(),
      body: { id: 'device-vars-01', vars: { a: 1 } },
    });
    expect(v.status).toBe(400);
    expect(v.body?.message).toMatch(/field 'vars.a'/);
  });

  it('refuses an oversized body with 413 before reading it all', async () => {
    const r = await call(base, 'POST', DEVICE, { auth: basicAuth(), body: { id: 'x'.repeat(10_000) } });
    expect(r.status).toBe(413);
    expect(r.body).toMatchObject({ code: 8, message: expect.stringContaining('4096-byte limit') });
  });

  it('checks the create flag', async () => {
    const r = await call(base, 'POST', `${DEVICE}?create=maybe`, {
      auth: basicAuth(),
      body: { id: 'device-c-01' },
    });
    expect(r.status).toBe(400);
    expect(r.body?.message).toBe("Invalid query parameter 'create': expected true or false, got 'maybe'.");
  });

  it.each([
    [DEVICE, { id: 'short-id1' }, 'Device ID invalid, must be 10-128 bytes.'],
    [DEVICE, { id: 'd'.repeat(129) }, 'Device ID invalid, must be 10-128 bytes.'],
    [DEVICE, { id: 'device with space' }, 'Device ID invalid, no spaces or control characters allowed.'],
    [DEVICE, {}, 'Device ID is required.'],
    ['/v2/account/authenticate/custom', { id: 'abcde' }, 'Custom ID invalid, must be 6-128 bytes.'],
    ['/v2/account/authenticate/custom', { id: 'c'.repeat(129) }, 'Custom ID invalid, must be 6-128 bytes.'],
    [
      '/v2/account/authenticate/email',
      { email: 'a@b.io', password: 'long enough' },
      'Invalid email address, must be 10-255 bytes.',
    ],
    [
      '/v2/account/authenticate/email',
      { email: 'not-an-email', password: 'long enough' },
      'Invalid email address format.',
    ],
    [
      '/v2/account/authenticate/email',
      { email: 'ok@example.com', password: 'short' },
      'Password must be at least 8 bytes long.',
    ],
    [
      '/v2/account/authenticate/email',
      { email: 'ok@example.com' },
      'Email address and password is required.',
    ],
  ])('validates %s %j', async (path, body, message) => {
    const r = await call(base, 'POST', path, { auth: basicAuth(), body });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ code: 3, message, error: message });
  });

  it('refuses usernames outside the safe character set', async () => {
    for (const name of ['has space', 'a?b', 'tilde~', 'Zoë']) {
      const r = await call(base, 'POST', `${DEVICE}?username=${encodeURIComponent(name)}`, {
        auth: basicAuth(),
        body: { id: 'device-username-x' },
      });
      expect(r.status).toBe(400);
      expect(r.body?.message).toMatch(/^Username invalid/);
    }
  });

  it('answers 404 for an unknown account with create=false', async () => {
    const r = await call(base, 'POST', `${DEVICE}?create=false`, {
      auth: basicAuth(),
      body: { id: 'device-unknown-01' },
    });
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({ code: 5, message: 'User account not found.' });
  });
});

describe('unique usernames', () => {
  it('answers 409 for a taken username and writes nothing', async () => {
    await deviceLogin(base, 'device-uniq-0001', '?username=Taken.Name');
    const r = await call(base, 'POST', `${DEVICE}?username=taken.name`, {
      auth: basicAuth(),
      body: { id: 'device-uniq-0002' },
    });
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({ code: 6, message: 'Username is already in use.' });
    // The second device was not half-created.
    const again = await call(base, 'POST', `${DEVICE}?create=false`, {
      auth: basicAuth(),
      body: { id: 'device-uniq-0002' },
    });
    expect(again.status).toBe(404);
  });

  it('answers 409 when renaming to a taken username, and leaves the profile unchanged', async () => {
    await deviceLogin(base, 'device-uniq-0003', '?username=first.owner');
    const { token } = await deviceLogin(base, 'device-uniq-0004', '?username=second.owner');
    const r = await call(base, 'PUT', '/v2/account', {
      auth: bearer(token),
      body: { username: 'FIRST.OWNER', display_name: 'Should not stick' },
    });
    expect(r.status).toBe(409);
    const account = await call(base, 'GET', '/v2/account', { auth: bearer(token) });
    expect(account.body?.user).toMatchObject({ username: 'second.owner' });
    expect((account.body!.user as Record<string, unknown>).display_name).toBeUndefined();
  });
});

describe('session tokens', () => {
  it('requires one', async () => {
    const r = await call(base, 'GET', '/v2/account');
    expect(r.status).toBe(401);
    expect(r.body).toMatchObject({ code: 16, message: 'Auth token required' });
    const basic = await call(base, 'GET', '/v2/account', { auth: basicAuth() });
    expect(basic.body?.message).toMatch(/^Auth token required: use "Authorization: Bearer/);
  });

  it('refuses malformed, forged, wrong-algorithm and refresh tokens', async () => {
    const { token, refreshToken } = await deviceLogin(base, 'device-tok-0001');
    const claims = claimsOf(token);
    const cases: [string, string][] = [
      ['not.a.jwt', 'Auth token invalid: not a well-formed JWT'],
      [await sign(claims, 'some-other-key'), 'Auth token invalid: signature does not match'],
      [
        await sign(claims, 'defaultencryptionkey-but-longer-for-hs512', 'HS512'),
        'Auth token invalid: algorithm must be HS256',
      ],
      [refreshToken, 'Auth token invalid: signature does not match'],
      [await sign({ ...claims, uid: 'nope' }), "Auth token invalid: bad or missing claim 'uid'"],
    ];
    for (const [bad, message] of cases) {
      const r = await call(base, 'GET', '/v2/account', { auth: bearer(bad) });
      expect(r.status).toBe(401);
      expect(r.body).toMatchObject({ code: 16, message });
    }
  });

  it('refuses an expired token', async () => {
    const { token } = await deviceLogin(base, 'device-tok-0002');
    const now = Math.floor(Date.now() / 1000);
    const expired = await sign({ ...claimsOf(token), iat: now - 100, exp: now - 10 });
    const r = await call(base, 'GET', '/v2/account', { auth: bearer(expired) });
    expect(r.status).toBe(401);
    expect(r.body?.message).toBe('Auth token expired');
  });

  it('refuses a revoked token, and a refresh with a revoked or wrong token', async () => {
    const { token, refreshToken } = await deviceLogin(base, 'device-tok-0003');
    const out = await call(base, 'POST', '/v2/session/logout', {
      auth: bearer(token),
      body: { token, refresh_token: refreshToken },
    });
    expect(out.status).toBe(200);
    expect(out.body).toEqual({});
    const r = await call(base, 'GET', '/v2/account', { auth: bearer(token) });
    expect(r.status).toBe(401);
    expect(r.body?.message).toBe('Auth token revoked: the session was logged out');
    const refresh = await call(base, 'POST', '/v2/account/session/refresh', {
      auth: basicAuth(),
      body: { token: refreshToken },
    });
    expect(refresh.status).toBe(401);
    expect(refresh.body?.message).toBe('Refresh token revoked: the session was logged out');

    const fresh = await deviceLogin(base, 'device-tok-0003');
    const wrongKind = await call(base, 'POST', '/v2/account/session/refresh', {
      auth: basicAuth(),
      body: { token: fresh.token },
    });
    expect(wrongKind.body?.message).toBe('Refresh token invalid: signature does not match');
    const missing = await call(base, 'POST', '/v2/account/session/refresh', { auth: basicAuth(), body: {} });
    expect(missing.status).toBe(400);
    expect(missing.body?.message).toBe('Refresh token is required.');
  });

  it("refuses to log out another user's tokens", async () => {
    const a = await deviceLogin(base, 'device-tok-0004');
    const b = await deviceLogin(base, 'device-tok-0005');
    const r = await call(base, 'POST', '/v2/session/logout', {
      auth: bearer(a.token),
      body: { token: b.token },
    });
    expect(r.status).toBe(400);
    expect(r.body?.message).toBe('Session token invalid: it belongs to another user');
    expect((await call(base, 'GET', '/v2/account', { auth: bearer(b.token) })).status).toBe(200);
  });

  it('logs out every session of the user on an empty logout, and a new login works at once', async () => {
    const one = await deviceLogin(base, 'device-tok-0006');
    const two = await deviceLogin(base, 'device-tok-0006');
    const r = await call(base, 'POST', '/v2/session/logout', { auth: bearer(one.token), body: {} });
    expect(r.status).toBe(200);
    for (const t of [one.token, two.token]) {
      expect((await call(base, 'GET', '/v2/account', { auth: bearer(t) })).status).toBe(401);
    }
    const three = await deviceLogin(base, 'device-tok-0006');
    expect((await call(base, 'GET', '/v2/account', { auth: bearer(three.token) })).status).toBe(200);
  });
});

describe('account and user queries', () => {
  it('checks PUT /v2/account fields', async () => {
    const { token } = await deviceLogin(base, 'device-put-0001');
    const cases: [unknown, string][] = [
      [{}, 'No fields to update.'],
      [{ metadata: '[1,2]' }, 'Metadata invalid, must be a JSON object.'],
      [{ metadata: 'not json' }, 'Metadata invalid, must be a JSON object.'],
      [{ lang_tag: 'x'.repeat(19) }, 'Lang tag invalid, must be at most 18 characters.'],
      [{ username: '' }, 'Username invalid, must be 1-128 characters.'],
    ];
    for (const [body, message] of cases) {
      const r = await call(base, 'PUT', '/v2/account', { auth: bearer(token), body });
      expect(r.status).toBe(400);
      expect(r.body?.message).toBe(message);
    }
    const ok = await call(base, 'PUT', '/v2/account', {
      auth: bearer(token),
      body: { metadata: { level: 7 } },
    });
    expect(ok.status).toBe(200);
    const account = await call(base, 'GET', '/v2/account', { auth: bearer(token) });
    expect((account.body!.user as Record<string, unknown>).metadata).toBe('{"level":7}');
  });

  it('checks GET /v2/user arguments', async () => {
    const { token } = await deviceLogin(base, 'device-get-0001');
    const bad = await call(base, 'GET', '/v2/user?ids=not-a-uuid', { auth: bearer(token) });
    expect(bad.status).toBe(400);
    expect(bad.body?.message).toBe("ID 'not-a-uuid' is not a valid system ID.");
    const many = Array.from({ length: 101 }, (_, i) => `usernames=u${i}`).join('&');
    expect((await call(base, 'GET', `/v2/user?${many}`, { auth: bearer(token) })).status).toBe(400);
    const none = await call(base, 'GET', '/v2/user?ids=6a9c2f4e-3c1b-4d7e-9f00-1234567890ab', {
      auth: bearer(token),
    });
    expect(none).toMatchObject({ status: 200, body: {} });
  });
});

describe('CORS', () => {
  it('answers preflight requests and marks responses for browser games', async () => {
    const pre = await fetch(`${base}${DEVICE}`, {
      method: 'OPTIONS',
      headers: { origin: 'https://game.example', 'access-control-request-method': 'POST' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('*');
    expect(pre.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
    const r = await call(base, 'POST', DEVICE, { body: {} });
    expect(r.headers.get('access-control-allow-origin')).toBe('*');
  });
});
