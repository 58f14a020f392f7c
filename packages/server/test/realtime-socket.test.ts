import type { DefaultSocket } from '@heroiclabs/nakama-js';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { TestServer } from './helpers.ts';
import { bearer, call, deviceLogin } from './http-client.ts';
import { connectPlayer, nakamaClient, RawSocket, serverPerTest } from './realtime-helpers.ts';

/** Tries an upgrade of `/ws` and reports the HTTP refusal (status and JSON body), or 101. */
async function upgrade(
  server: TestServer,
  query: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> | null }> {
  const ws = new WebSocket(`ws://127.0.0.1:${server.http.port}/ws?${query}`, { headers });
  return new Promise((resolve, reject) => {
    ws.once('open', () => {
      ws.terminate();
      resolve({ status: 101, body: null });
    });
    ws.once('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (c: Buffer) => {
        text += c.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    ws.once('error', reject);
  });
}

describe('realtime socket /ws', () => {
  const { players, raws, start, server } = serverPerTest();

  async function raw(query = '', options = {}): Promise<RawSocket> {
    const socket = await RawSocket.login(server()!, query, options);
    raws.push(socket);
    return socket;
  }

  it('connects nakama-js with status=true: registered, on its status stream, answering ping with pong', async () => {
    const s = await start();
    const a = await connectPlayer(s, players, { status: true });
    const userId = a.session.user_id!;
    const [session] = s.realtime.sessions.byUser(userId);
    expect(session?.identity).toMatchObject({ userId, username: a.session.username, lang: 'en' });
    expect(s.realtime.status.presencesOf(userId)).toEqual([
      { user_id: userId, session_id: session!.id, username: a.session.username, status: '' },
    ]);
    // Every session follows its own user (as on Nakama), so it sees its own status join.
    expect(await a.events.next('onstatuspresence')).toEqual({
      joins: [{ user_id: userId, session_id: session!.id, username: a.session.username, status: '' }],
    });
    const reply = await (a.socket as DefaultSocket).send({ ping: {} });
    expect(reply).toEqual({ cid: expect.any(String), pong: {} });
  });

  it('refuses missing, invalid and revoked tokens with 401 before upgrading; accepts a Bearer header', async () => {
    const s = await start();
    expect(await upgrade(s, 'status=true')).toEqual({
      status: 401,
      body: { code: 16, message: 'Auth token required', error: 'Auth token required' },
    });
    const bad = await upgrade(s, 'token=not.a.jwt');
    expect(bad.status).toBe(401);
    expect(bad.body?.message).toMatch(/^Auth token invalid/);

    const { token, refreshToken } = await deviceLogin(s.baseUrl, 'device-revoked-01');
    expect((await upgrade(s, '', { authorization: bearer(token) })).status).toBe(101);
    const logout = await call(s.baseUrl, 'POST', '/v2/session/logout', {
      auth: bearer(token),
      body: { token, refresh_token: refreshToken },
    });
    expect(logout.status).toBe(200);
    const revoked = await upgrade(s, `token=${token}`);
    expect(revoked.status).toBe(401);
    expect(revoked.body?.message).toMatch(/revoked/);

    // nakama-js reports the refused connect as a rejection.
    const client = nakamaClient(s);
    const session = await client.authenticateDevice('device-revoked-02', true);
    session.token = `${session.token.slice(0, -4)}AAAA`;
    const socket = client.createSocket() as DefaultSocket;
    await expect(socket.connect(session, false, 2000)).rejects.toBeDefined();
  });

  it('validates format, status and single_socket parameters with 400', async () => {
    const s = await start();
    const { token } = await deviceLogin(s.baseUrl, 'device-params-01');
    expect((await upgrade(s, `token=${token}&format=protobuf`)).status).toBe(101);
    expect((await upgrade(s, `token=${token}&format=xml`)).body?.message).toBe('Invalid format parameter');
    expect((await upgrade(s, `token=${token}&status=maybe`)).body?.message).toBe(
      'Invalid status parameter: expected true or false',
    );
    expect((await upgrade(s, `token=${token}&format=json&status=1&single_socket=F`)).status).toBe(101);
  });

  it('answers with Nakama error codes: 1 unrecognized, 2 missing, 3 bad input; malformed JSON keeps the socket', async () => {
    const s = await start();
    const a = await raw();
    expect(await a.request('1', { nonsense: {} })).toEqual({
      cid: '1',
      error: { code: 1, message: 'Unrecognized message: nonsense', context: { message: 'nonsense' } },
    });
    expect(await a.request('2', {})).toEqual({ cid: '2', error: { code: 2, message: 'Missing message.' } });
    expect(await a.request('3', { status_follow: { user_ids: 'x' } })).toMatchObject({
      cid: '3',
      error: { code: 3, message: 'Invalid status_follow.user_ids: expected array, got string' },
    });
    expect(await a.request('4', { match: {} })).toMatchObject({ error: { code: 1 } });
    a.send('{"cid":"5","ping":');
    expect((await a.next('error', a.received.length)).error).toMatchObject({ code: 1 });
    expect(await a.request('6', { ping: {} })).toEqual({ cid: '6', pong: {} });
    expect(await a.request('7', { authenticate: { token: 'x' } })).toEqual({
      cid: '7',
      error: { code: 3, message: 'Already authenticated' },
    });

    const p = await connectPlayer(s, players);
    await expect(p.socket.followUsers(['not-a-uuid'])).rejects.toEqual({
      code: 3,
      message: 'Invalid user identifier',
    });
    // Not an object at all: the peer is not speaking the protocol, so the socket closes (1002).
    a.send('[1,2]');
    expect((await a.next('error', a.received.length)).error).toMatchObject({ code: 1 });
    expect((await a.closed).code).toBe(1002);
  });

  it('answers a binary frame with an error envelope, then closes with 1003', async () => {
    await start();
    const a = await raw();
    a.ws.send(Buffer.from('{"cid":"1","ping":{}}'), { binary: true });
    expect(await a.next('error')).toEqual({
      error: { code: 1, message: 'Binary frames are not supported: send each envelope as a JSON text frame' },
    });
    expect(await a.closed).toEqual({ code: 1003, reason: 'binary frames are not supported on this socket' });
  });

  it('answers an oversized message with an error naming the limit, then closes with 1009', async () => {
    const s = await start({ socketMaxMessageBytes: 1024 });
    const a = await raw();
    // Unknown body fields are stripped, so padding a ping is a cheap way to size a message.
    expect(await a.request('1', { ping: { pad: 'p'.repeat(950) } })).toEqual({ cid: '1', pong: {} });
    a.send({ cid: '2', ping: { pad: 'p'.repeat(2000) } });
    const error = await a.next('error', a.received.length);
    // The request's cid is read cheaply from the start of the text, so the client's pending call fails.
    expect(error.cid).toBe('2');
    expect(error.error).toMatchObject({
      code: 3,
      message: expect.stringMatching(/^Message too large: \d+ bytes exceeds the limit of 1024 bytes$/),
      context: { limit: '1024' },
    });
    expect((await a.closed).code).toBe(1009);
    expect(s.realtime.sessions.size).toBe(0);
  });

  it('answers messages over the rate limit with an error, and closes a client that keeps going (1008)', async () => {
    await start({ socketRatePerSecond: 1, socketRateBurst: 3 });
    const a = await raw();
    for (let i = 1; i <= 5; i++) a.send({ cid: String(i), ping: {} });
    expect(await a.reply('3')).toEqual({ cid: '3', pong: {} });
    expect(await a.reply('4')).toEqual({
      cid: '4',
      error: { code: 3, message: 'Rate limit exceeded: too many messages' },
    });
    for (let i = 6; i <= 10; i++) a.send({ cid: String(i), ping: {} });
    expect(await a.closed).toEqual({ code: 1008, reason: 'rate limit exceeded' });
  });
});
