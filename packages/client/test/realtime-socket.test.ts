/**
 * The realtime socket against a real Tether server: requests and replies, pushes through the game-loop
 * queue, typed errors, timeouts whose timers are cleared, requests failing fast when the connection
 * closes, and the close codes that stop reconnection (logout, single_socket).
 */

import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createRealtimeSocket,
  RealtimeFailure,
  RealtimeRequestError,
  type RealtimeSocket,
  RealtimeSocketError,
} from '../src/node.ts';
import {
  clientFor,
  connectedPlayer,
  deviceId,
  FAST,
  nextEvent,
  startTestServer,
  TcpProxy,
  type TestServer,
  until,
} from './realtime-helpers.ts';

let server: TestServer;
let releaseSlow: () => void = () => {};
const sockets: RealtimeSocket[] = [];
const proxies: TcpProxy[] = [];

beforeAll(async () => {
  server = await startTestServer();
  await server.runtime.run((initializer) => {
    // Answers only when the test says so: a request the server holds on to.
    initializer.registerRpc(
      'slow',
      () => new Promise<string>((resolve) => (releaseSlow = () => resolve('late'))),
    );
    initializer.registerRpc('echo', (_ctx, payload) => payload);
  }, 'client-test');
});
afterEach(async () => {
  vi.restoreAllMocks();
  for (const socket of sockets.splice(0)) socket.disconnect();
  for (const proxy of proxies.splice(0)) await proxy.close();
  releaseSlow();
});
afterAll(() => server.stop());

async function player(label: string, options = {}) {
  const p = await connectedPlayer(server, label, options);
  sockets.push(p.socket);
  return p;
}

/**
 * Watches the timers created with one distinctive delay (no other code in the process uses it) and
 * tells whether each of them was cleared.
 */
function watchTimers(delayMs: number) {
  const set = vi.spyOn(globalThis, 'setTimeout');
  const clear = vi.spyOn(globalThis, 'clearTimeout');
  const handles = () =>
    set.mock.calls.flatMap((call, i) => (call[1] === delayMs ? [set.mock.results[i]?.value as unknown] : []));
  const cleared = (handle: unknown) => clear.mock.calls.some((call) => call[0] === handle);
  return {
    created: () => handles().length,
    uncleared: () => handles().filter((h) => !cleared(h)).length,
  };
}

/** The rejection of `promise` (fails the test if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (err: Error) => err,
  );
}

describe('realtime socket', () => {
  it('exchanges chat, match data and status through the event queue', async () => {
    const ann = await player('ann');
    const bob = await player('bob');

    const lobby = await ann.socket.joinChat('lobby');
    expect(lobby.id).toBe('2...lobby');
    await bob.socket.joinChat('lobby');
    const ack = await ann.socket.writeChatMessage(lobby.id, { text: 'hello bob' });
    expect(ack).toMatchObject({ channel_id: lobby.id, code: 0, username: ann.session.username });
    const message = await until(bob.socket, 'channel_message');
    expect(message.body).toMatchObject({ sender_id: ann.session.userId, content: '{"text":"hello bob"}' });
    // What came before it in Bob's queue is his own join's presence event.
    expect(message.skipped.map((e) => e.type)).toContain('channel_presence_event');

    const match = await ann.socket.createMatch();
    const joined = await bob.socket.joinMatch(match.match_id);
    expect(joined.match_id).toBe(match.match_id);
    await until(
      ann.socket,
      'match_presence_event',
      (e) => !!e.body.joins?.some((p) => p.user_id === bob.session.userId),
    );
    // Op code 0 and a subarray view: only the view's own bytes travel.
    expect(ann.socket.sendMatchData(match.match_id, 0, new Uint8Array([9, 1, 2, 255]).subarray(1))).toBe(
      true,
    );
    const data = await until(bob.socket, 'match_data');
    expect(data.body.op_code).toBe(0);
    expect([...data.body.data]).toEqual([1, 2, 255]);
    expect(data.body.presence?.user_id).toBe(ann.session.userId);
    bob.socket.sendMatchData(match.match_id, 7, 'héllo');
    const text = await until(ann.socket, 'match_data');
    expect(text.body.op_code).toBe(7);
    expect(new TextDecoder().decode(text.body.data)).toBe('héllo');

    await ann.socket.followUsers([bob.session.userId]);
    await bob.socket.updateStatus('in the lobby');
    const status = await until(
      ann.socket,
      'status_presence_event',
      (e) => !!e.body.joins?.some((p) => p.status === 'in the lobby'),
    );
    expect(status.body.joins?.[0]?.user_id).toBe(bob.session.userId);

    expect(await ann.socket.rpc('echo', { n: 1 })).toBe('{"n":1}');
    expect(await ann.socket.ping()).toBeGreaterThanOrEqual(0);
  });

  it('turns error envelopes into typed errors, and uncorrelated ones into error events', async () => {
    const { socket } = await player('err');
    const notFound = await rejection(socket.rpc('no_such_function'));
    expect(notFound).toBeInstanceOf(RealtimeRequestError);
    expect(notFound).toMatchObject({ code: 6, message: 'RPC function not found', request: 'rpc' });
    const badId = await rejection(socket.joinMatch('not-a-match-id'));
    expect(badId).toMatchObject({
      code: 3,
      message: "Invalid match ID: 'not-a-match-id'",
      request: 'match_join',
    });
    // The generic request reaches any message, e.g. one without a typed method.
    const requests = await rejection(socket.request('party_join_request_list', { party_id: 'nope' }));
    expect(requests).toMatchObject({ code: 3, request: 'party_join_request_list' });

    // match_data_send has no cid: the server's complaint arrives as an error event.
    const match = await socket.createMatch();
    await socket.leaveMatch(match.match_id);
    socket.sendMatchData(match.match_id, 1, 'to nobody');
    const error = await until(socket, 'error');
    expect(error).toMatchObject({ code: 'SERVER_ERROR', fatal: false });
    expect([3, 4]).toContain(error.serverCode);
    expect(socket.isConnected()).toBe(true);
  });

  it('rejects a request at its timeout, ignores the late reply, and never leaves a timer behind', async () => {
    const { socket } = await player('slow', { heartbeat: false });
    const started = Date.now();
    const err = await rejection(socket.rpc('slow', '', { timeoutMs: 150 }));
    expect(err).toBeInstanceOf(RealtimeSocketError);
    expect(err).toMatchObject({ code: RealtimeFailure.TIMEOUT, message: 'rpc: no reply within 150 ms' });
    expect(Date.now() - started).toBeLessThan(1500);
    expect(socket.pendingRequests).toBe(0);
    releaseSlow(); // the late reply arrives and finds nobody waiting
    expect(await socket.rpc('echo', 'after')).toBe('after');

    // A long timeout is cleared on the reply, on an error reply, and never started for a local refusal.
    const timers = watchTimers(61_234);
    const waiting = socket.ping({ timeoutMs: 61_234 });
    expect(timers.uncleared()).toBe(1);
    await waiting;
    await rejection(socket.rpc('no_such_function', undefined, { timeoutMs: 61_234 }));
    const huge = await rejection(socket.rpc('echo', 'x'.repeat(70_000), { timeoutMs: 61_234 }));
    expect(huge).toMatchObject({ code: RealtimeFailure.MESSAGE_TOO_LARGE });
    expect(timers.created()).toBe(2);
    expect(timers.uncleared()).toBe(0);
    expect(socket.pendingRequests).toBe(0);
    expect(() => socket.sendMatchData('m', 1, new Uint8Array(70_000))).toThrow(/over maxMessageBytes/);
  });

  it('keeps a connection whose pong waits behind a slow request (the server answers in order)', async () => {
    const timers = watchTimers(217);
    const { socket } = await player('patient', { heartbeat: { intervalMs: 100, timeoutMs: 217 } });
    const slow = socket.rpc('slow', '', { timeoutMs: 5000 });
    // Wait until a ping timed out and the verdict was deferred three times while the server held the
    // RPC (each is a timer of the heartbeat's timeout); the socket must still be connected.
    await vi.waitFor(() => expect(timers.created()).toBeGreaterThanOrEqual(5), { timeout: 5000 });
    expect(socket.isConnected()).toBe(true);
    releaseSlow();
    expect(await slow).toBe('late');
    expect(socket.hasEvent()).toBe(false);
  });

  it('rejects in-flight requests at once when the connection drops, and on disconnect()', async () => {
    const proxy = await TcpProxy.start(server.http.port);
    proxies.push(proxy);
    const { socket } = await player('drop', { port: proxy.port, reconnect: false });
    const failure = rejection(socket.rpc('slow', '', { timeoutMs: 20_000 }));
    const started = Date.now();
    proxy.cut();
    const err = await failure;
    expect(err).toMatchObject({ code: RealtimeFailure.DISCONNECTED, closeCode: 1006 });
    expect(Date.now() - started).toBeLessThan(2000);
    const closed = await until(socket, 'disconnected');
    expect(closed).toMatchObject({ code: 1006, willReconnect: false });
    expect(socket.state).toBe('closed');
    expect(await rejection(socket.ping())).toMatchObject({ code: RealtimeFailure.NOT_CONNECTED });

    const other = await player('drop2', { heartbeat: false });
    const inFlight = other.socket.rpc('slow', '', { timeoutMs: 20_000 });
    other.socket.disconnect(1000, 'bye');
    expect(await rejection(inFlight)).toMatchObject({ code: RealtimeFailure.DISCONNECTED, closeCode: 1000 });
    expect(await nextEvent(other.socket)).toMatchObject({
      type: 'disconnected',
      code: 1000,
      reason: 'bye',
      willReconnect: false,
    });
  });

  it('stops for good on logout (4002) and when replaced by single_socket (4003)', async () => {
    const { client, session, socket } = await player('logout');
    await client.sessionLogout(session);
    const closed = await until(socket, 'disconnected');
    expect(closed).toMatchObject({ code: 4002, willReconnect: false });
    expect(closed.reason).toMatch(/logged out/);
    expect(socket.state).toBe('closed');
    expect(socket.hasEvent()).toBe(false); // no reconnecting event follows

    const first = await player('single');
    const second = createRealtimeSocket(first.client, first.session, { ...FAST, singleSocket: true });
    sockets.push(second);
    await second.connect();
    const notice = await until(first.socket, 'notifications');
    expect(notice.body.notifications[0]).toMatchObject({ code: -7, subject: 'single_socket' });
    const replaced = await until(first.socket, 'disconnected');
    expect(replaced).toMatchObject({ code: 4003, willReconnect: false });
    expect(second.isConnected()).toBe(true);
  });

  it('calls listeners as events happen, with or without the queue', async () => {
    const ann = await player('listen');
    const bob = await player('quiet', { queueEvents: false });
    const seen: string[] = [];
    const all: string[] = [];
    const off = bob.socket.on('channel_message', (event) => seen.push(event.body.content));
    bob.socket.on('*', (event) => all.push(event.type));
    const room = await ann.socket.joinChat('listeners');
    await bob.socket.joinChat('listeners');
    await ann.socket.writeChatMessage(room.id, { n: 1 });
    await vi.waitFor(() => expect(seen).toEqual(['{"n":1}']));
    off();
    await ann.socket.writeChatMessage(room.id, { n: 2 });
    await vi.waitFor(() => expect(all.filter((t) => t === 'channel_message')).toHaveLength(2));
    expect(seen).toEqual(['{"n":1}']); // removed listeners hear nothing more
    expect(bob.socket.hasEvent()).toBe(false); // queueEvents: false keeps nothing
  });

  it('closes for good with QUEUE_OVERFLOW when the game stops polling (the overflow policy)', async () => {
    const flooder = await player('flood');
    const idle = await player('idle', { maxQueuedEvents: 5 });
    const match = await flooder.socket.createMatch();
    await idle.socket.joinMatch(match.match_id);
    const closed = new Promise<unknown>((resolve) => idle.socket.on('disconnected', resolve));
    for (let i = 0; i < 20; i++) flooder.socket.sendMatchData(match.match_id, i, 'x');
    expect(await closed).toMatchObject({ code: 1008, willReconnect: false });
    const events = idle.socket.poll();
    expect(events.length).toBeLessThanOrEqual(5 + 2);
    expect(events.at(-2)).toMatchObject({ type: 'error', code: 'QUEUE_OVERFLOW', fatal: true });
    expect(events.at(-1)).toMatchObject({ type: 'disconnected', code: 1008 });
    // Everything queued before the overflow is kept, in order.
    const data = events.filter((e) => e.type === 'match_data');
    expect(data.map((e) => (e.type === 'match_data' ? e.body.op_code : -1))).toEqual(data.map((_, i) => i));
    expect(idle.socket.state).toBe('closed');
  });

  it('fails the first connect fast with a clear error, and refuses requests before connect()', async () => {
    const client = clientFor(server);
    const session = await client.authenticateDevice(deviceId('early'));
    const socket = createRealtimeSocket(client, session, { ...FAST, port: 1 });
    expect(await rejection(socket.ping())).toMatchObject({ code: RealtimeFailure.NOT_CONNECTED });
    const err = await rejection(socket.connect());
    expect(err).toMatchObject({ code: RealtimeFailure.CONNECT_FAILED });
    expect(err.message).toMatch(/ECONNREFUSED/);
    expect(err.message).not.toMatch(/token=ey/); // the token never appears in messages
    expect(await nextEvent(socket)).toMatchObject({ type: 'error', code: 'CONNECT_FAILED', fatal: true });
    expect(await nextEvent(socket)).toMatchObject({ type: 'disconnected', willReconnect: false });
  });

  it('queues requests issued while connecting and sends them once open (or fails them with fail)', async () => {
    const client = clientFor(server);
    const session = await client.authenticateDevice(deviceId('queue'));
    const socket = createRealtimeSocket(client, session, FAST);
    sockets.push(socket);
    const connecting = socket.connect();
    const joined = socket.joinChat('queued-room'); // issued before the connection is open
    await connecting;
    expect((await joined).id).toBe('2...queued-room');

    const strict = createRealtimeSocket(client, session, { ...FAST, whileDisconnected: 'fail' });
    sockets.push(strict);
    const open = strict.connect();
    expect(await rejection(strict.ping())).toMatchObject({ code: RealtimeFailure.NOT_CONNECTED });
    await open;
  });
});
