/**
 * The Tether extension for clients that cannot send headers (GDevelop): the authenticate endpoints
 * take the server key as `?server_key=` or `"server_key"` in the JSON body when there is no
 * Authorization header, with the same check and the same failure throttling as the header.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers.ts';
import { basicAuth, call, claimsOf } from './http-client.ts';

/** A POST exactly as GDevelop's action sends it: one Content-Type header, a text body, no other header. */
async function post(url: string, body: string, contentType = 'application/x-www-form-urlencoded') {
  const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': contentType }, body });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('server key as a parameter (authenticate endpoints)', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('accepts ?server_key= and "server_key" in the body on device, custom and email authentication', async () => {
    server = await startTestServer();
    const base = `${server.baseUrl}/v2/account/authenticate`;
    const byQuery = await post(`${base}/device?create=true&server_key=defaultkey`, '{"id":"gd-device-0001"}');
    expect(byQuery.status).toBe(200);
    expect(byQuery.body).toMatchObject({ created: true, token: expect.any(String) });
    const byBody = await post(
      `${base}/custom?create=true`,
      '{"id":"gd-custom-0001","server_key":"defaultkey"}',
      'application/json',
    );
    expect(byBody.status).toBe(200);
    const email = await post(
      `${base}/email?create=true`,
      JSON.stringify({ email: 'gd@example.com', password: 'a long password', server_key: 'defaultkey' }),
    );
    expect(email.status).toBe(200);
    // The body's other fields are read as usual: the same device signs in to the same account.
    const again = await post(`${base}/device?server_key=defaultkey`, '{"id":"gd-device-0001"}');
    expect(again.status).toBe(200);
    expect(claimsOf(String(again.body.token)).uid).toBe(claimsOf(String(byQuery.body.token)).uid);
  });

  it('refuses a wrong or missing key with the usual errors, and the header wins when present', async () => {
    server = await startTestServer();
    const url = `${server.baseUrl}/v2/account/authenticate/device`;
    expect(await post(`${url}?server_key=nope`, '{"id":"gd-device-0002"}')).toEqual({
      status: 401,
      body: expect.objectContaining({ code: 16, message: 'Server key invalid' }),
    });
    expect(await post(url, '{"id":"gd-device-0002","server_key":"nope"}')).toMatchObject({
      status: 401,
      body: { code: 16, message: 'Server key invalid' },
    });
    expect(await post(url, '{"id":"gd-device-0002"}')).toMatchObject({
      status: 401,
      body: { code: 16, message: 'Server key required' },
    });
    expect(await post(url, '{"id":"gd-device-0002","server_key":7}')).toMatchObject({
      status: 401,
      body: { message: 'Server key required' },
    });
    // A wrong Authorization header is not rescued by a right parameter.
    const header = await call(
      server.baseUrl,
      'POST',
      '/v2/account/authenticate/device?server_key=defaultkey',
      {
        auth: basicAuth('wrong'),
        body: { id: 'gd-device-0002' },
      },
    );
    expect(header.status).toBe(401);
  });

  it('counts wrong keys against the address like wrong headers do', async () => {
    server = await startTestServer({ authFailuresPerAddress: 3 });
    const url = `${server.baseUrl}/v2/account/authenticate/device?create=true`;
    expect((await post(url, '{"id":"gd-device-0003","server_key":"guess1"}')).status).toBe(401);
    expect((await post(`${url}&server_key=guess2`, '{"id":"gd-device-0003"}')).status).toBe(401);
    const wrongHeader = await call(server.baseUrl, 'POST', '/v2/account/authenticate/device', {
      auth: basicAuth('guess3'),
      body: { id: 'gd-device-0003' },
    });
    expect(wrongHeader.status).toBe(401);
    const refused = await post(url, '{"id":"gd-device-0003","server_key":"defaultkey"}');
    expect(refused.status).toBe(429);
    expect(refused.body.message).toMatch(/^Too many failed authentication attempts from this address/);
  });

  it('is not accepted anywhere else (session refresh keeps Nakama’s header)', async () => {
    server = await startTestServer();
    const login = await post(
      `${server.baseUrl}/v2/account/authenticate/device?create=true&server_key=defaultkey`,
      '{"id":"gd-device-0004"}',
    );
    const refresh = await post(
      `${server.baseUrl}/v2/account/session/refresh?server_key=defaultkey`,
      JSON.stringify({ token: login.body.refresh_token, server_key: 'defaultkey' }),
    );
    expect(refresh).toMatchObject({ status: 401, body: { message: 'Server key required' } });
  });
});
