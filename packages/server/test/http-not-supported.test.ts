/**
 * Nakama endpoints Tether does not serve answer 501 with gRPC code 12 and "not supported by Tether:
 * <API name>", while routes Tether serves keep working, unknown paths stay 404, and a feature that
 * mounts one of the listed paths takes it over without touching the list.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NAKAMA_ENDPOINTS } from '../src/http/nakama-endpoints.ts';
import { HttpRouter } from '../src/http/router.ts';
import { createLogger } from '../src/observability/logger.ts';
import { startTestServer, type TestServer } from './helpers.ts';
import { basicAuth, bearer, call, deviceLogin } from './http-client.ts';

describe('Nakama endpoints Tether does not serve', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.stop());

  it.each([
    ['POST', '/v2/iap/purchase/apple', 'ValidatePurchaseApple'],
    ['POST', '/v2/account/authenticate/steam', 'AuthenticateSteam'],
    ['POST', '/v2/account/link/facebook', 'LinkFacebook'],
    ['GET', '/v2/iap/subscription/gold_pass', 'GetSubscription'],
    ['POST', '/v2/event', 'Event'],
  ])('%s %s answers 501, code 12, naming %s', async (method, path, name) => {
    const body = method === 'GET' ? undefined : {};
    const res = await call(server.baseUrl, method, path, { auth: basicAuth(), body });
    expect(res.status).toBe(501);
    expect(res.body).toMatchObject({
      code: 12,
      message: `not supported by Tether: ${name} (${method} ${path})`,
    });
  });

  it('keeps the routes it serves, 404 for unknown paths and 405 for a wrong method elsewhere', async () => {
    const { token } = await deviceLogin(server.baseUrl, 'not-supported-device-1');
    expect((await call(server.baseUrl, 'GET', '/v2/account', { auth: bearer(token) })).status).toBe(200);
    expect((await call(server.baseUrl, 'GET', '/v2/match', { auth: bearer(token) })).status).toBe(200);
    const unknown = await call(server.baseUrl, 'GET', '/v2/no-such-thing');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ code: 5, message: 'Not Found' });
    const wrongMethod = await call(server.baseUrl, 'PATCH', '/v2/account', { auth: bearer(token) });
    expect(wrongMethod.status).toBe(405);
  });

  it('lists the paths nakama-js calls, each once', () => {
    const keys = NAKAMA_ENDPOINTS.map(([m, p]) => `${m} ${p}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toEqual(expect.arrayContaining(['GET /v2/friend', 'PUT /v2/storage', 'POST /v2/group']));
  });
});

describe('a mounted route wins over the 501 list', () => {
  let http: Server;
  let base: string;
  afterEach(() => http?.close());

  async function serve(router: HttpRouter): Promise<void> {
    http = createServer((req, res) => void router.handle(req, res));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
  }

  it('serves a listed endpoint once a feature mounts it, and 501s it before', async () => {
    const logger = createLogger('silent');
    const before = new HttpRouter({ maxBodyBytes: 1024, logger, notServed: NAKAMA_ENDPOINTS });
    await serve(before);
    expect((await call(base, 'GET', '/v2/friend')).status).toBe(501);
    http.close();

    const after = new HttpRouter({ maxBodyBytes: 1024, logger, notServed: NAKAMA_ENDPOINTS });
    after.mount([
      {
        method: 'GET',
        path: '/v2/friend',
        name: 'ListFriends',
        handler: async () => ({ body: { friends: [] } }),
      },
    ]);
    await serve(after);
    const listed = await call(base, 'GET', '/v2/friend');
    expect(listed).toMatchObject({ status: 200, body: { friends: [] } });
    // Other methods on the same path that no route serves are still "not supported".
    expect((await call(base, 'POST', '/v2/friend')).body).toMatchObject({
      code: 12,
      message: 'not supported by Tether: AddFriends (POST /v2/friend)',
    });
  });
});
