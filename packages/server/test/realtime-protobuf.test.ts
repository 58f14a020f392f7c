/**
 * `/ws?format=protobuf` with the unmodified nakama-js 2.8.0 client and nakama-js-protobuf 1.4.0's
 * `WebSocketAdapterPb`: the socket basics (connect, replies, errors with their cid, pushes), relayed
 * matches with binary data, and a raw `ws` client for what the adapter cannot send (text frames,
 * damaged bytes, oversized frames).
 */
import { CloseCode, CloseReason, encodeClientEnvelopePb } from '@tether/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers.ts';
import { deviceLogin } from './http-client.ts';
import { MatchRecorder, rejection } from './match-helpers.ts';
import { connectPlayer, disconnectAll, type Player, RawSocket } from './realtime-helpers.ts';

let server: TestServer;
const opened: Player[] = [];
const raws: RawSocket[] = [];

beforeAll(async () => {
  server = await startTestServer({ socketMaxMessageBytes: 4096 });
});
afterEach(() => {
  disconnectAll(opened);
  for (const r of raws.splice(0)) r.close();
});
afterAll(() => server.stop());

const pbPlayer = (opts: { username?: string; status?: boolean } = {}) =>
  connectPlayer(server, opened, { ...opts, protobuf: true });

/** A raw protobuf socket of a new device. */
async function rawPb(): Promise<RawSocket> {
  const raw = await RawSocket.login(server, '&format=protobuf');
  raws.push(raw);
  return raw;
}

describe('format=protobuf with nakama-js-protobuf', () => {
  it('connects, answers requests with their cid, and sends binary frames only', async () => {
    const p = await pbPlayer();
    const joined = await p.socket.joinChat('pb-lobby', 1, false, false);
    expect(joined).toMatchObject({ id: '2...pb-lobby', room_name: 'pb-lobby' });
    expect(joined.self).toMatchObject({ user_id: p.session.user_id, username: p.session.username });
    const ack = await p.socket.writeChatMessage(joined.id, { hello: 'pb' });
    expect(ack).toMatchObject({ channel_id: joined.id, code: 0, username: p.session.username });
    // The message comes back as a push; nakama-js-protobuf parses the content JSON.
    const pushed = (await p.events.next('onchannelmessage')) as { content: unknown; sender_id: string };
    expect(pushed).toMatchObject({ content: { hello: 'pb' }, sender_id: p.session.user_id });

    const raw = await rawPb();
    const reply = await raw.request('7', { ping: {} });
    expect(reply).toEqual({ cid: '7', pong: {} });
    expect(raw.kinds).toEqual(['binary']);
  });

  it('rejects a failing request with the error of its cid', async () => {
    const p = await pbPlayer();
    expect(await rejection(p.socket.rpc('no-such-rpc', '{}'))).toMatchObject({
      code: 6,
      message: 'RPC function not found',
    });
    expect(await rejection(p.socket.joinMatch('not-a-match'))).toMatchObject({ code: 3 });
    // The socket is still usable.
    expect(await p.socket.joinChat('pb-after-error', 1, false, false)).toMatchObject({
      room_name: 'pb-after-error',
    });
  });

  it('relays match data as bytes, with the sender and op codes as numbers', async () => {
    const [a, b] = [await pbPlayer(), await pbPlayer()];
    const [am, bm] = [new MatchRecorder(a.socket), new MatchRecorder(b.socket)];
    const created = await a.socket.createMatch();
    expect(created.match_id).toMatch(/^[0-9a-f-]{36}\.$/);
    expect(created.self.user_id).toBe(a.session.user_id);
    const joined = await b.socket.joinMatch(created.match_id);
    expect((joined.presences ?? []).map((p) => p.session_id)).toEqual([created.self.session_id]);
    await am.presenceCount(2);
    await bm.presenceCount(1);
    const bytes = new Uint8Array([0, 1, 2, 250, 255]);
    await a.socket.sendMatchState(created.match_id, 42, bytes);
    await b.socket.sendMatchState(created.match_id, 0, 'text', [created.self]);
    const [toB] = await bm.dataCount(1);
    expect(toB).toMatchObject({ match_id: created.match_id, op_code: 42 });
    expect(toB!.presence?.session_id).toBe(created.self.session_id);
    expect([...toB!.data]).toEqual([...bytes]);
    const [toA] = await am.dataCount(1);
    expect(toA!.op_code).toBe(0);
    expect(new TextDecoder().decode(toA!.data)).toBe('text');
  });
});

describe('bad input on a protobuf socket', () => {
  it('answers bytes that are not an Envelope with code 1 (and its cid when readable); the socket lives', async () => {
    const raw = await rawPb();
    // cid "5", then a member field whose length runs past the end.
    raw.send(new Uint8Array([0x0a, 0x01, 0x35, 0x1a, 0x10, 0x01]));
    const err = await raw.next('error');
    expect(err).toMatchObject({
      cid: '5',
      error: { code: 1, message: expect.stringMatching(/^Malformed protobuf/) },
    });
    raw.send(new Uint8Array([]));
    expect((await raw.next('error', 1)).error).toMatchObject({ code: 2, message: 'Missing message.' });
    expect(await raw.request('6', { ping: {} })).toEqual({ cid: '6', pong: {} });
  });

  it('closes a socket that sends a text frame with 1003, after an error saying why', async () => {
    const raw = await rawPb();
    raw.send(JSON.stringify({ cid: '1', ping: {} }));
    expect((await raw.next('error')).error).toMatchObject({ code: 1 });
    expect(await raw.closed).toEqual({ code: CloseCode.UNSUPPORTED_DATA, reason: CloseReason.TEXT_FRAME });
  });

  it('answers an oversized frame with its cid and closes with 1009', async () => {
    const raw = await rawPb();
    const big = encodeClientEnvelopePb({ cid: '77', rpc: { id: 'x', payload: 'y'.repeat(5000) } });
    raw.send(big);
    const err = await raw.next('error');
    expect(err).toMatchObject({
      cid: '77',
      error: { code: 3, message: expect.stringMatching(/too large/), context: { limit: '4096' } },
    });
    expect((await raw.closed).code).toBe(CloseCode.MESSAGE_TOO_BIG);
  });

  it('fails a nakama-js call whose message is too large at once, with its cid', async () => {
    const p = await pbPlayer();
    expect(await rejection(p.socket.rpc('anything', 'z'.repeat(5000)))).toMatchObject({
      code: 3,
      message: expect.stringMatching(/^Message too large: \d+ bytes exceeds the limit of 4096 bytes$/),
    });
  });

  it('answers messages over the rate limit with their cid, then closes a client that keeps going', async () => {
    const limited = await startTestServer({ socketRatePerSecond: 1, socketRateBurst: 3 });
    try {
      const raw = await RawSocket.login(limited, '&format=protobuf');
      raws.push(raw);
      for (let i = 1; i <= 5; i++) raw.send({ cid: String(i), ping: {} });
      expect(await raw.reply('4')).toEqual({
        cid: '4',
        error: { code: 3, message: 'Rate limit exceeded: too many messages' },
      });
      expect(await raw.reply('1')).toEqual({ cid: '1', pong: {} });
      for (let i = 6; i <= 12; i++) raw.send({ cid: String(i), ping: {} });
      expect(await raw.closed).toEqual({ code: CloseCode.POLICY_VIOLATION, reason: 'rate limit exceeded' });
    } finally {
      await limited.stop();
    }
  });

  it('single_socket: an older protobuf socket gets the -7 notification, then close 4003', async () => {
    const deviceId = `pb-single-${Math.random().toString(36).slice(2, 12)}`;
    const old = await connectPlayer(server, opened, { deviceId, protobuf: true });
    const { token } = await deviceLogin(server.baseUrl, deviceId);
    const fresh = await RawSocket.open(server, `token=${token}&single_socket=true`);
    raws.push(fresh);
    const note = await old.events.next<{ code: number; subject: string; create_time: unknown }>(
      'onnotification',
    );
    expect(note).toMatchObject({ code: -7, subject: 'single_socket' });
    expect(note.create_time).toBeInstanceOf(Date);
    expect(await old.events.next('ondisconnect')).toMatchObject({ code: CloseCode.REPLACED });
  });

  it('refuses an unknown format with 400 and still serves json', async () => {
    const { token } = await deviceLogin(server.baseUrl, `fmt-${Math.random()}`);
    await expect(RawSocket.open(server, `token=${token}&format=xml`)).rejects.toThrow('HTTP 400');
    // Session resume (Tether's extension) is offered on protobuf too: `session_resume` is Envelope
    // field 1000, the connection's first frame.
    const resumable = await RawSocket.open(server, `token=${token}&format=protobuf&resumable=true`);
    raws.push(resumable);
    expect(await resumable.next('session_resume')).toMatchObject({ session_resume: { grace_sec: 15 } });
    expect(resumable.kinds).toEqual(['binary']);
    const json = await RawSocket.open(server, `token=${token}&format=json`);
    raws.push(json);
    expect(await json.request('1', { ping: {} })).toEqual({ cid: '1', pong: {} });
    expect(json.kinds).toEqual(['text']);
  });
});
