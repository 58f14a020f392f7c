/**
 * `trustedProxies`: behind a reverse proxy every connection comes from the proxy's address; with the
 * proxy trusted, the per-address limits and throttles count the players' own addresses from
 * `X-Forwarded-For` (HTTP, `/ws` and `/gm`), and without it the header is ignored.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { TetherConfig } from '../src/config/config.ts';
import { startTestServer, type TestServer } from './helpers.ts';
import { basicAuth, deviceLogin } from './http-client.ts';

let server: TestServer | undefined;
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.terminate();
  await server?.stop();
  server = undefined;
});

async function start(overrides: Partial<TetherConfig>): Promise<TestServer> {
  server = await startTestServer(overrides);
  return server;
}

/** Opens a WebSocket with `X-Forwarded-For: forwardedFor`; resolves with 101 or the refusal's status. */
function upgrade(url: string, forwardedFor: string): Promise<number> {
  const ws = new WebSocket(url, { headers: { 'x-forwarded-for': forwardedFor } });
  sockets.push(ws);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(101));
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', reject);
  });
}

/** A device login with a wrong server key from `forwardedFor`: its status. */
async function wrongKey(s: TestServer, forwardedFor: string): Promise<number> {
  const res = await fetch(`${s.baseUrl}/v2/account/authenticate/device`, {
    method: 'POST',
    headers: {
      authorization: basicAuth('guess'),
      'content-type': 'application/json',
      'x-forwarded-for': forwardedFor,
    },
    body: JSON.stringify({ id: 'device-proxy-01' }),
  });
  await res.arrayBuffer();
  return res.status;
}

describe('trusted reverse proxies', () => {
  it('/ws: the per-address limit counts each forwarded client, from a trusted proxy only', async () => {
    const s = await start({ trustedProxies: '127.0.0.1', socketMaxConnectionsPerAddress: 1 });
    const { token } = await deviceLogin(s.baseUrl, 'proxy-ws-01');
    const url = `ws://127.0.0.1:${s.http.port}/ws?token=${token}`;
    expect(await upgrade(url, '203.0.113.1')).toBe(101);
    expect(await upgrade(url, '203.0.113.2')).toBe(101);
    expect(await upgrade(url, '203.0.113.1')).toBe(429);
    // A client-supplied entry before the proxy's own does not help.
    expect(await upgrade(url, '198.51.100.9, 203.0.113.1')).toBe(429);
  });

  it('/ws: without trusted proxies the header is ignored', async () => {
    const s = await start({ socketMaxConnectionsPerAddress: 1 });
    const { token } = await deviceLogin(s.baseUrl, 'proxy-ws-02');
    const url = `ws://127.0.0.1:${s.http.port}/ws?token=${token}`;
    expect(await upgrade(url, '203.0.113.1')).toBe(101);
    expect(await upgrade(url, '203.0.113.2')).toBe(429);
  });

  it('/gm: the GameMaker per-address limit counts forwarded clients too', async () => {
    const s = await start({ trustedProxies: '127.0.0.0/8', gmMaxClientsPerAddress: 1 });
    const url = `ws://127.0.0.1:${s.http.port}/gm`;
    expect(await upgrade(url, '203.0.113.1')).toBe(101);
    expect(await upgrade(url, '203.0.113.2')).toBe(101);
    // Over the limit, /gm accepts and then closes with 1013 (as GameMaker TCP does).
    const third = new WebSocket(url, { headers: { 'x-forwarded-for': '203.0.113.1' } });
    sockets.push(third);
    const closed = await new Promise<number>((resolve) => third.once('close', (code) => resolve(code)));
    expect(closed).toBe(1013);
  });

  it('HTTP: failed authentications lock out the forwarded client, not everyone behind the proxy', async () => {
    const s = await start({ trustedProxies: '127.0.0.1', authFailuresPerAddress: 2 });
    expect(await wrongKey(s, '203.0.113.1')).toBe(401);
    expect(await wrongKey(s, '203.0.113.1')).toBe(401);
    expect(await wrongKey(s, '203.0.113.1')).toBe(429);
    expect(await wrongKey(s, '203.0.113.2')).toBe(401);
  });
});
