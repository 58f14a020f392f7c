/**
 * Percent-escapes in the URL that do not decode to valid UTF-8 are refused instead of being turned
 * into U+FFFD (the follow-up of issue 14, item 4): query parameters and path segments of the HTTP API
 * (400, gRPC 3 INVALID_ARGUMENT) and the query of the `/ws` and `/gm` upgrades (400 before any
 * upgrade). Requests go out through `node:http` with the path written as is.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers.ts';
import { basicAuth, bearer, deviceLogin } from './http-client.ts';

let server: TestServer;
let token: string;
beforeAll(async () => {
  server = await startTestServer();
  await server.runtime.run((initializer) => {
    initializer.registerRpc('echo', (_ctx, payload) => payload);
  }, 'url-utf8-test');
  ({ token } = await deviceLogin(server.baseUrl, 'url-utf8-caller'));
});
afterAll(() => server.stop());

/** A raw response: status, parsed JSON body (or null), the body as text and headers. */
interface Raw {
  status: number;
  body: Record<string, unknown> | null;
  text: string;
  headers: Record<string, string | string[] | undefined>;
}

/** Sends one request with `path` written to the wire exactly as given. */
function raw(
  method: string,
  path: string,
  opts: { auth?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port: server.http.port,
      method,
      path,
      agent: false,
      headers: {
        ...(opts.auth ? { authorization: opts.auth } : {}),
        ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...opts.headers,
      },
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const json = String(res.headers['content-type']).startsWith('application/json');
        resolve({
          status: res.statusCode ?? 0,
          body: json && text ? (JSON.parse(text) as Record<string, unknown>) : null,
          text,
          headers: res.headers,
        });
      });
    });
    // A 101 answer: the upgrade went through.
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, body: null, text: '', headers: res.headers });
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** Escapes whose bytes are not UTF-8: a lone FF, a broken pair, an encoded surrogate, an overlong
 * slash, a truncated sequence, a code point above U+10FFFF. */
const BAD = ['%FF', '%C3%28', '%ED%A0%80', '%C0%AF', '%E2%82', '%F4%90%80%80'];

const invalidQuery = (name: string) => ({
  status: 400,
  body: expect.objectContaining({ code: 3, message: `Query parameter '${name}' is not valid UTF-8` }),
});
const invalidPath = {
  status: 400,
  body: expect.objectContaining({ code: 3, message: 'Request path is not valid UTF-8' }),
};

describe('HTTP query parameters', () => {
  it('refuses RPC payloads x%FF and x%FE instead of handing both over as the same x\uFFFD', async () => {
    for (const bad of ['%FF', '%FE', ...BAD]) {
      const r = await raw('GET', `/v2/rpc/echo?http_key=defaulthttpkey&payload=x${bad}&unwrap=true`);
      expect(r).toMatchObject(invalidQuery('payload'));
    }
  });

  it('refuses an http_key, a device login username and /v2/user usernames that are not UTF-8', async () => {
    for (const bad of BAD) {
      const key = await raw('POST', `/v2/rpc/echo?http_key=defaulthttpkey${bad}`, { body: '"x"' });
      expect(key).toMatchObject(invalidQuery('http_key'));
      const login = await raw('POST', `/v2/account/authenticate/device?create=true&username=u${bad}`, {
        auth: basicAuth(),
        body: JSON.stringify({ id: 'url-utf8-device-refused' }),
      });
      expect(login).toMatchObject(invalidQuery('username'));
      const users = await raw('GET', `/v2/user?usernames=a&usernames=b${bad}`, { auth: bearer(token) });
      expect(users).toMatchObject(invalidQuery('usernames'));
    }
  });

  it('refuses a parameter name that is not UTF-8', async () => {
    const r = await raw('GET', '/v2/user?user%FF=a', { auth: bearer(token) });
    expect(r).toMatchObject({
      status: 400,
      body: expect.objectContaining({ code: 3, message: 'Query string is not valid UTF-8' }),
    });
  });

  it('keeps valid escapes, + as a space and a lone % as they were', async () => {
    const r = await raw(
      'GET',
      '/v2/rpc/echo?http_key=defaulthttpkey&payload=%C3%BF%F0%9F%98%80+50%&unwrap=true',
    );
    expect(r).toMatchObject({ status: 200, text: 'ÿ😀 50%' });
    const other = await raw('GET', '/v2/rpc/echo?http_key=defaulthttpkey&payload=%EF%BF%BD&unwrap=true');
    expect(other).toMatchObject({ status: 200, text: '\uFFFD' });
  });
});

describe('HTTP path segments', () => {
  it('refuses a path parameter whose escapes are not UTF-8 (RPC id, storage collection)', async () => {
    for (const bad of BAD) {
      expect(await raw('POST', `/v2/rpc/echo${bad}?http_key=defaulthttpkey`, { body: '"x"' })).toMatchObject(
        invalidPath,
      );
      expect(await raw('GET', `/v2/storage/coll${bad}`, { auth: bearer(token) })).toMatchObject(invalidPath);
    }
  });

  it('still decodes valid escapes in a path parameter', async () => {
    const r = await raw('POST', '/v2/rpc/ech%6F?http_key=defaulthttpkey', { body: '"x"' });
    expect(r).toMatchObject({ status: 200, body: { payload: 'x' } });
  });
});

describe('upgrade query parameters', () => {
  const upgrade = (path: string) =>
    raw('GET', path, {
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': Buffer.from('0123456789abcdef').toString('base64'),
      },
    });

  it('/ws: refuses token, lang, format and status escapes that are not UTF-8 with 400, no upgrade', async () => {
    const t = encodeURIComponent(token);
    expect(await upgrade(`/ws?token=${t}`)).toMatchObject({ status: 101 });
    expect(await upgrade(`/ws?token=${t}&lang=en%FF`)).toMatchObject(invalidQuery('lang'));
    expect(await upgrade(`/ws?token=${t}%ED%A0%80`)).toMatchObject(invalidQuery('token'));
    expect(await upgrade(`/ws?token=${t}&format=json%C3%28`)).toMatchObject(invalidQuery('format'));
    expect(await upgrade(`/ws?token=${t}&status=true%C0%AF`)).toMatchObject(invalidQuery('status'));
  });

  it('/gm: refuses a query that is not UTF-8 the same way (it reads none, but takes none in)', async () => {
    expect(await upgrade('/gm')).toMatchObject({ status: 101 });
    expect(await upgrade('/gm?token=%FF')).toMatchObject(invalidQuery('token'));
  });
});
