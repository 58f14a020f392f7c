/**
 * RPC from game modules over the socket (`rpc` envelope) and HTTP (Bearer session, `http_key`), with
 * the unmodified nakama-js 2.8.0 client and raw HTTP for what it cannot send.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RpcContext } from '../src/runtime/api.ts';
import { startTestServer, type TestServer } from './helpers.ts';
import { bearer, call, deviceLogin } from './http-client.ts';
import { rejection } from './match-helpers.ts';
import { connectPlayer, disconnectAll, nakamaClient, type Player } from './realtime-helpers.ts';

let server: TestServer;
const opened: Player[] = [];
const contexts: RpcContext[] = [];

beforeAll(async () => {
  server = await startTestServer();
  await server.runtime.run((initializer) => {
    initializer.registerRpc('Echo', (ctx, payload) => {
      contexts.push(ctx);
      return payload;
    });
    initializer.registerRpc('whoami', async (ctx) =>
      JSON.stringify({ userId: ctx.userId ?? null, source: ctx.source }),
    );
    initializer.registerRpc('fail', () => {
      throw new Error('the dragon is asleep');
    });
    initializer.registerRpc('forbidden', () => {
      throw Object.assign(new Error('not your castle'), { code: 7 });
    });
    initializer.registerRpc('object', () => ({ not: 'a string' }) as unknown as string);
    initializer.registerRpc('nothing', () => undefined);
  }, 'rpc-test');
});
afterEach(() => disconnectAll(opened));
afterAll(() => server.stop());

describe('rpc over the socket', () => {
  it('calls the function case-insensitively and returns its string, with the caller in the context', async () => {
    const a = await connectPlayer(server, opened);
    const reply = await a.socket.rpc('ECHO', '{"hello":"world"}');
    expect(reply).toEqual({ id: 'ECHO', payload: '{"hello":"world"}' });
    expect(contexts.at(-1)).toMatchObject({
      source: 'socket',
      userId: a.session.user_id,
      username: a.session.username,
      sessionId: expect.any(String),
      lang: 'en',
      clientIp: expect.stringContaining('127.0.0.1'),
    });
    expect(await a.socket.rpc('nothing')).toEqual({ id: 'nothing' });
  });

  it('reports an unknown id with code 6 and a failing function with code 7 and its message', async () => {
    const a = await connectPlayer(server, opened);
    expect(await rejection(a.socket.rpc('no_such_rpc'))).toEqual({
      code: 6,
      message: 'RPC function not found',
    });
    expect(await rejection(a.socket.rpc('fail'))).toEqual({ code: 7, message: 'the dragon is asleep' });
    expect(await rejection(a.socket.rpc('object'))).toMatchObject({
      code: 7,
      message: expect.stringContaining('returned object: return a string'),
    });
    expect((await a.socket.rpc('echo', 'still here')).payload).toBe('still here');
  });
});

describe('rpc over HTTP', () => {
  it('POST with a Bearer session: the body is a JSON string; nakama-js client.rpc works as is', async () => {
    const client = nakamaClient(server);
    const session = await client.authenticateDevice(`rpc-${Math.random().toString(36).slice(2)}`, true);
    const reply = await client.rpc(session, 'whoami', {});
    expect(reply.payload).toEqual({ userId: session.user_id, source: 'http' });
    const echo = await client.rpc(session, 'echo', { n: 1 });
    expect(echo).toEqual({ id: 'echo', payload: { n: 1 } });
  });

  it('GET and POST with http_key need no user; a wrong key is 401', async () => {
    const client = nakamaClient(server);
    const reply = await client.rpcHttpKey('defaulthttpkey', 'whoami');
    expect(reply.payload).toEqual({ userId: null, source: 'http_key' });
    const posted = await call(server.baseUrl, 'POST', '/v2/rpc/echo?http_key=defaulthttpkey', {
      body: JSON.stringify('"x"'),
    });
    expect(posted).toMatchObject({ status: 200, body: { id: 'echo', payload: '"x"' } });
    const wrong = await call(server.baseUrl, 'GET', '/v2/rpc/echo?http_key=nope&payload=1');
    expect(wrong).toMatchObject({ status: 401, body: { code: 16, message: 'HTTP key invalid' } });
    const none = await call(server.baseUrl, 'GET', '/v2/rpc/echo');
    expect(none).toMatchObject({ status: 401, body: { message: 'Auth token or HTTP key required' } });
  });

  it('maps failures: 404 unknown, 500 with the message, the error code when set, 400 for a raw body', async () => {
    const { token } = await deviceLogin(server.baseUrl, `rpc-${Math.random().toString(36).slice(2)}`);
    const auth = bearer(token);
    expect(await call(server.baseUrl, 'POST', '/v2/rpc/nope', { auth, body: '""' })).toMatchObject({
      status: 404,
      body: { code: 5, message: 'RPC function not found' },
    });
    expect(await call(server.baseUrl, 'POST', '/v2/rpc/fail', { auth, body: '""' })).toMatchObject({
      status: 500,
      body: { code: 13, message: 'the dragon is asleep' },
    });
    expect(await call(server.baseUrl, 'POST', '/v2/rpc/forbidden', { auth, body: '""' })).toMatchObject({
      status: 403,
      body: { code: 7, message: 'not your castle' },
    });
    const raw = await call(server.baseUrl, 'POST', '/v2/rpc/echo', { auth, body: '{"a":1}' });
    expect(raw.status).toBe(400);
    expect(raw.body?.message).toMatch(/^Invalid RPC payload: the body must be a JSON-encoded string/);
  });

  it('?unwrap takes the raw body and answers the raw result', async () => {
    const { token } = await deviceLogin(server.baseUrl, `rpc-${Math.random().toString(36).slice(2)}`);
    const res = await fetch(`${server.baseUrl}/v2/rpc/echo?unwrap`, {
      method: 'POST',
      headers: { authorization: bearer(token) },
      body: '{"raw":true}',
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('{"raw":true}');
  });
});
