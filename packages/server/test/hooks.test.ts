/**
 * Before and after hooks from game modules, around socket messages (`registerRtBefore/After`) and
 * HTTP API calls (`registerApiBefore/After`), driven by the unmodified nakama-js client and raw HTTP.
 */
import type { ChannelMessage } from '@heroiclabs/nakama-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ApiHookContext, RtHookContext } from '../src/runtime/api.ts';
import { startTestServer, type TestServer } from './helpers.ts';
import { basicAuth, bearer, call, deviceLogin } from './http-client.ts';
import { MatchRecorder, rejection } from './match-helpers.ts';
import { connectPlayer, disconnectAll, type Player } from './realtime-helpers.ts';

let server: TestServer;
const opened: Player[] = [];
const seen: { kind: string; ctx: RtHookContext | ApiHookContext; result?: unknown; request?: unknown }[] = [];

beforeAll(async () => {
  server = await startTestServer();
  await server.runtime.run(async (initializer, nk) => {
    // Chat filtering: the classic use.
    initializer.registerRtBefore('ChannelMessageSend', (_ctx, message) => {
      const content = JSON.parse(String(message.content)) as { text?: string };
      if (content.text === 'reject me') return null;
      if (content.text === 'throw') throw new Error('the filter is broken');
      return {
        ...message,
        content: JSON.stringify({ text: String(content.text).replaceAll('darn', '****') }),
      };
    });
    // Sees a protobuf sender's payload as base64, and copies the message to change its op code.
    initializer.registerRtBefore('MatchDataSend', (_ctx, message) => {
      seen.push({ kind: 'rt-before-match', ctx: _ctx, request: message });
      return { ...message, op_code: Number(message.op_code) + 100 };
    });
    initializer.registerRtAfter('channel_message_send', (ctx, reply, message) => {
      seen.push({ kind: 'rt-after', ctx, result: reply, request: message });
      throw new Error('after hooks cannot break the call');
    });
    initializer.registerApiBefore('AuthenticateDevice', (ctx, request) => {
      const body = request.body as { id?: string };
      if (body.id?.startsWith('blocked-'))
        throw Object.assign(new Error('this device is blocked'), { code: 7 });
      seen.push({ kind: 'api-before', ctx, request });
      // Everyone gets a username chosen by the server.
      return { ...request, query: { ...request.query, username: `hooked_${body.id}` } };
    });
    initializer.registerApiBefore('updateaccount', (_ctx, request) => {
      const body = request.body as Record<string, unknown>;
      return body.display_name === 'nobody' ? null : { ...request, body: { ...body, location: 'Hookville' } };
    });
    initializer.registerApiAfter('GetAccount', (ctx, response) => {
      seen.push({ kind: 'api-after', ctx, result: response });
    });
    // Record lists are sent as bytes written straight from the records; the hook gets the object.
    initializer.registerApiAfter('ListLeaderboardRecords', (ctx, response) => {
      seen.push({ kind: 'api-after-records', ctx, result: response });
    });
    await nk.leaderboardCreate('hooked-board', false, 'desc', 'best');
    await nk.leaderboardRecordWrite('hooked-board', '00000000-0000-4000-8000-000000000001', 'ünï', 42, 7, {
      note: 'a "quoted" 🎮',
    });
    await nk.leaderboardRecordWrite('hooked-board', '00000000-0000-4000-8000-000000000002', undefined, 9);
  }, 'hooks-test');
});
afterEach(() => disconnectAll(opened));
afterAll(() => server.stop());

describe('socket hooks', () => {
  it('a before hook changes the message every member receives; the after hook sees the ack', async () => {
    const [a, b] = [await connectPlayer(server, opened), await connectPlayer(server, opened)];
    const room = await a.socket.joinChat('hooked', 1, false, false);
    await b.socket.joinChat('hooked', 1, false, false);
    const received = b.events.next<ChannelMessage>('onchannelmessage');
    const ack = await a.socket.writeChatMessage(room.id, { text: 'oh darn it' });
    expect((await received).content).toEqual({ text: 'oh **** it' });
    const after = seen.find((s) => s.kind === 'rt-after');
    expect(after?.result).toMatchObject({ message_id: ack.message_id, channel_id: room.id });
    expect(after?.request).toMatchObject({ content: '{"text":"oh **** it"}' });
    expect(after?.ctx).toMatchObject({
      userId: a.session.user_id,
      message: 'channel_message_send',
      node: server.config.node,
    });
  });

  it('a before hook on match data from a protobuf client sees base64 data and may copy the message', async () => {
    const [a, b] = [
      await connectPlayer(server, opened, { protobuf: true }),
      await connectPlayer(server, opened, { protobuf: true }),
    ];
    const { match_id } = await a.socket.createMatch();
    await b.socket.joinMatch(match_id);
    const recorder = new MatchRecorder(b.socket);
    await a.socket.sendMatchState(match_id, 5, new Uint8Array([1, 2, 3, 250]));
    const [got] = await recorder.dataCount(1);
    expect(got).toMatchObject({ op_code: 105 });
    expect([...got!.data]).toEqual([1, 2, 3, 250]);
    const before = seen.find((s) => s.kind === 'rt-before-match');
    expect(before?.request).toEqual({
      match_id,
      op_code: 5,
      data: 'AQID+g==',
      presences: [],
      reliable: false,
    });
  });

  it('a null from a before hook or a throw rejects that message only, with code 7', async () => {
    const a = await connectPlayer(server, opened);
    const room = await a.socket.joinChat('hooked-2', 1, false, false);
    expect(await rejection(a.socket.writeChatMessage(room.id, { text: 'reject me' }))).toEqual({
      code: 7,
      message: 'Message channel_message_send rejected by a before hook',
    });
    expect(await rejection(a.socket.writeChatMessage(room.id, { text: 'throw' }))).toEqual({
      code: 7,
      message: 'the filter is broken',
    });
    // Other messages and later sends are untouched.
    expect(await a.socket.rpc('nope').catch((e: unknown) => e)).toMatchObject({ code: 6 });
    expect((await a.socket.writeChatMessage(room.id, { text: 'fine' })).channel_id).toBe(room.id);
  });

  it('refuses hooks for unknown messages and a second hook for the same message', async () => {
    await expect(
      server.runtime.run((initializer) => initializer.registerRtBefore('ChanelJoin', (_c, m) => m)),
    ).rejects.toThrow(/no socket message 'ChanelJoin'/);
    await expect(
      server.runtime.run((initializer) => initializer.registerRtBefore('channel_message_send', (_c, m) => m)),
    ).rejects.toThrow(/already registered/);
  });
});

describe('API hooks', () => {
  it('a before hook changes the request (here a query parameter) and sees the caller', async () => {
    const res = await call(server.baseUrl, 'POST', '/v2/account/authenticate/device?create=true', {
      auth: basicAuth(),
      body: { id: 'device-hooked-1' },
    });
    expect(res.status).toBe(200);
    const me = await call(server.baseUrl, 'GET', '/v2/account', { auth: bearer(res.body!.token as string) });
    expect((me.body!.user as { username: string }).username).toBe('hooked_device-hooked-1');
    const before = seen.find((s) => s.kind === 'api-before');
    expect(before?.ctx).toMatchObject({
      api: 'AuthenticateDevice',
      clientIp: expect.stringContaining('127.0.0.1'),
    });
    expect(before?.ctx).not.toHaveProperty('userId');
    // The after hook of GetAccount saw the response and who asked.
    const after = seen.find((s) => s.kind === 'api-after');
    expect(after?.result).toMatchObject({ user: { username: 'hooked_device-hooked-1' } });
    expect(after?.ctx).toMatchObject({ api: 'GetAccount', username: 'hooked_device-hooked-1' });
  });

  it('a thrown error keeps its gRPC code; null rejects with 403; a changed body is what runs', async () => {
    const blocked = await call(server.baseUrl, 'POST', '/v2/account/authenticate/device', {
      auth: basicAuth(),
      body: { id: 'blocked-device-1' },
    });
    expect(blocked).toMatchObject({ status: 403, body: { code: 7, message: 'this device is blocked' } });
    const { token } = await deviceLogin(server.baseUrl, 'device-hooked-2');
    const refused = await call(server.baseUrl, 'PUT', '/v2/account', {
      auth: bearer(token),
      body: { display_name: 'nobody' },
    });
    expect(refused).toMatchObject({
      status: 403,
      body: { code: 7, message: 'UpdateAccount rejected by a before hook' },
    });
    const ok = await call(server.baseUrl, 'PUT', '/v2/account', {
      auth: bearer(token),
      body: { display_name: 'Zed' },
    });
    expect(ok.status).toBe(200);
    const me = await call(server.baseUrl, 'GET', '/v2/account', { auth: bearer(token) });
    expect(me.body!.user).toMatchObject({ display_name: 'Zed', location: 'Hookville' });
  });

  it('an after hook of a record list gets the object whose JSON was sent', async () => {
    const { token } = await deviceLogin(server.baseUrl, 'device-hooked-records');
    const res = await call(server.baseUrl, 'GET', '/v2/leaderboard/hooked-board?limit=1', {
      auth: bearer(token),
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      records: [
        { owner_id: '00000000-0000-4000-8000-000000000001', username: 'ünï', score: '42', rank: '1' },
      ],
      rank_count: '2',
    });
    expect(JSON.parse((res.body!.records as Array<{ metadata: string }>)[0]!.metadata)).toEqual({
      note: 'a "quoted" 🎮',
    });
    const after = seen.find((s) => s.kind === 'api-after-records');
    expect(after?.ctx).toMatchObject({ api: 'ListLeaderboardRecords' });
    expect(after?.result).toEqual(res.body);
  });

  it('refuses hooks for APIs no route declares', async () => {
    await expect(
      server.runtime.run((initializer) =>
        initializer.registerApiAfter('AuthenticateFacebookGames', () => {}),
      ),
    ).rejects.toThrow(/no API 'AuthenticateFacebookGames'/);
  });
});
