import { encodeGmPacket, GmBuffer } from '@tether/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createSocket as createBrowserSocket } from '../src/index.ts';
import { ClientError, createSocket, type StreamSocket, type WebSocketOptions } from '../src/node.ts';
import {
  bytesOf,
  closedPort,
  eventsUntil,
  nextEvent,
  startWsServer,
  type TestServer,
  type TestServerOptions,
  utf8,
} from './helpers.ts';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function server(options: TestServerOptions = {}): Promise<TestServer> {
  const s = await startWsServer(options);
  cleanup.push(() => s.close());
  return s;
}

function socket(options: Partial<WebSocketOptions> = {}): StreamSocket {
  const s = createSocket({ type: 'ws', ...options });
  cleanup.push(() => s.close());
  return s;
}

describe('framed WebSocket', () => {
  it('connects to a URL with a path, handshakes, and echoes packets', async () => {
    const srv = await server({ path: '/gm' });
    const sock = socket({ gameId: 7 });
    sock.connect(`ws://127.0.0.1:${srv.port}/gm`);
    const peer = await srv.peers.next();
    expect(await peer.ready).toBe(7);
    expect(await nextEvent(sock)).toMatchObject({
      type: 'non_blocking_connect',
      succeeded: 1,
      ip: '127.0.0.1',
      port: srv.port,
    });

    expect(sock.sendPacket(new GmBuffer(4).writeU16(513))).toBe(14);
    const got = (await peer.inbox.next()) as Uint8Array;
    expect([...got]).toEqual([1, 2]);
    peer.sendPacket(got);
    const echo = await nextEvent(sock);
    expect(echo.type === 'data' && echo.buffer.readU16()).toBe(513);
  });

  it('splits one WebSocket message carrying several GameMaker packets into one event each', async () => {
    const srv = await server();
    const sock = socket();
    sock.connect('127.0.0.1', srv.port);
    const peer = await srv.peers.next();
    await nextEvent(sock);
    const parts = ['a', 'bb', 'ccc'].map((t) => encodeGmPacket(bytesOf(t)));
    const message = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      message.set(p, at);
      at += p.length;
    }
    peer.sendRaw(message);
    const events = [await nextEvent(sock), await nextEvent(sock), await nextEvent(sock)];
    expect(events.map((e) => (e.type === 'data' ? utf8(e.buffer.bytes()) : e.type))).toEqual([
      'a',
      'bb',
      'ccc',
    ]);
    expect(events.map((e) => e.type === 'data' && e.size)).toEqual([1, 2, 3]);
  });

  it('passes text frames through as strings next to framed binary packets', async () => {
    const srv = await server();
    const sock = socket();
    sock.connect('127.0.0.1', srv.port);
    const peer = await srv.peers.next();
    await nextEvent(sock);
    expect(sock.sendRaw('{"op":"hi"}')).toBe(11);
    expect(await peer.inbox.next()).toBe('{"op":"hi"}');
    expect(() => sock.sendRaw(new Uint8Array([1]))).toThrow(/corrupt the framing/);

    peer.sendRaw('héllo');
    peer.sendPacket(new Uint8Array([42]));
    const [text, binary] = [await nextEvent(sock), await nextEvent(sock)];
    expect(text).toMatchObject({ type: 'data', messageType: 'text', data: 'héllo', size: 6 });
    expect(text.type === 'data' && text.buffer.readText()).toBe('héllo');
    expect(binary).toMatchObject({ type: 'data', messageType: 'binary', size: 1 });
    expect(binary.type === 'data' && binary.data).toBeUndefined();
  });

  it('fails the connect with the handshake error when the server greets wrongly', async () => {
    const srv = await server({ framed: false });
    const sock = socket();
    sock.connect('127.0.0.1', srv.port);
    (await srv.peers.next()).sendRaw(bytesOf('HTTP/1.1 nope\0\0\0\0\0'));
    const event = await nextEvent(sock);
    expect(event).toMatchObject({
      type: 'non_blocking_connect',
      succeeded: 0,
      errorCode: 'GM_BAD_HANDSHAKE',
    });
    expect(sock.closeCode()).toBe(1002);
  });

  it('times out when the server never sends the hello', async () => {
    const srv = await server({ silent: true });
    const sock = socket({ connectTimeoutMs: 120 });
    sock.connect('127.0.0.1', srv.port);
    const event = await nextEvent(sock);
    expect(event).toMatchObject({ type: 'non_blocking_connect', succeeded: 0, errorCode: 'CONNECT_TIMEOUT' });
    expect(event.type === 'non_blocking_connect' && event.error).toMatch(/timed out after 120 ms/);
  });

  it('reports a refused connection with the real error, and a wrong path with the HTTP status', async () => {
    const refused = socket();
    refused.connect('127.0.0.1', await closedPort());
    const first = await nextEvent(refused);
    expect(first).toMatchObject({ type: 'non_blocking_connect', succeeded: 0, errorCode: 'CONNECT_FAILED' });
    expect(refused.lastError()).toMatch(/ECONNREFUSED 127\.0\.0\.1/);

    const srv = await server({ path: '/gm' });
    const wrongPath = socket();
    wrongPath.connect(`ws://127.0.0.1:${srv.port}/nope`);
    await nextEvent(wrongPath);
    expect(wrongPath.lastError()).toMatch(/Unexpected server response: 400/);
  });

  it('raises disconnect with the server close code and reason', async () => {
    const srv = await server();
    const sock = socket();
    sock.connect('127.0.0.1', srv.port);
    const peer = await srv.peers.next();
    await nextEvent(sock);
    peer.close(4001, 'server restarting');
    const [event] = await eventsUntil(sock, 'disconnect');
    expect(event).toMatchObject({
      type: 'disconnect',
      code: 4001,
      reason: 'server restarting',
      wasClean: true,
    });
    expect(sock.closeCode()).toBe(4001);
    expect(sock.closeReason()).toBe('server restarting');
    expect(sock.isClosed()).toBe(true);
  });

  it('sends our close code and reason to the server', async () => {
    const srv = await server();
    const sock = socket();
    sock.connect('127.0.0.1', srv.port);
    const peer = await srv.peers.next();
    await nextEvent(sock);
    sock.close(4100, 'player quit');
    expect(sock.poll()).toMatchObject([
      { type: 'disconnect', code: 4100, reason: 'player quit', wasClean: true },
    ]);
    expect(await peer.closed).toEqual({ code: 4100, reason: 'player quit' });
  });

  it('aborting a pending connect reports CONNECT_ABORTED once', async () => {
    const srv = await server({ silent: true });
    const sock = socket();
    sock.connect('127.0.0.1', srv.port);
    sock.close();
    expect(sock.poll()).toMatchObject([
      { type: 'non_blocking_connect', succeeded: 0, errorCode: 'CONNECT_ABORTED' },
    ]);
    expect(() => sock.close(1001)).toThrow(/1000 or 3000-4999/);
  });
});

describe('WebSocket heartbeat', () => {
  it('closes with "heartbeat timeout" when the server stops answering pings', async () => {
    const srv = await server();
    const sock = socket({ heartbeat: { intervalMs: 30, timeoutMs: 150 } });
    sock.connect('127.0.0.1', srv.port);
    const peer = await srv.peers.next();
    await nextEvent(sock);
    peer.freeze();
    const events = await eventsUntil(sock, 'disconnect');
    expect(events.map((e) => e.type)).toEqual(['error', 'disconnect']);
    expect(events[1]).toMatchObject({ code: 1006, wasClean: false });
    expect(events[1]?.type === 'disconnect' && events[1].reason).toMatch(/^heartbeat timeout/);
  });

  it('keeps a quiet but healthy connection open thanks to ping/pong', async () => {
    const srv = await server();
    // Generous timeout (10 pings) so a loaded CI machine cannot delay one pong past it.
    const sock = socket({ heartbeat: { intervalMs: 25, timeoutMs: 250 } });
    sock.connect('127.0.0.1', srv.port);
    await srv.peers.next();
    await nextEvent(sock);
    // Asserting that nothing happens needs a bounded wait: well past the timeout, with no data at all.
    await new Promise((r) => setTimeout(r, 600));
    expect(sock.hasEvent()).toBe(false);
    expect(sock.isConnected()).toBe(true);
  });
});

describe('raw WebSocket and the GDevelop-style API', () => {
  it('handles a burst in a While loop (hasEvent / data / markProcessed) without losing messages', async () => {
    const srv = await server({ framed: false });
    const sock = socket({ raw: true });
    sock.connect(`ws://127.0.0.1:${srv.port}`);
    const peer = await srv.peers.next();
    expect(sock.currentEvent()).toBeUndefined();
    await nextEvent(sock);
    for (let i = 0; i < 5; i++) peer.sendRaw(`msg ${i}`);
    peer.sendRaw(new Uint8Array([1, 2, 3]));
    while (sock.queue.length < 6) await new Promise((r) => setTimeout(r, 2));

    const seen: string[] = [];
    while (sock.hasEvent()) {
      const event = sock.currentEvent();
      seen.push(event?.type === 'data' && event.messageType === 'binary' ? `bin ${event.size}` : sock.data());
      sock.markProcessed();
    }
    expect(seen).toEqual(['msg 0', 'msg 1', 'msg 2', 'msg 3', 'msg 4', 'bin 3']);

    expect(sock.sendRaw(new Uint8Array([9, 8]))).toBe(2);
    expect(sock.sendRaw(new Uint8Array([65, 66]), { text: true })).toBe(2);
    expect([...((await peer.inbox.next()) as Uint8Array)]).toEqual([9, 8]);
    expect(await peer.inbox.next()).toBe('AB');
  });

  it('closes with MESSAGE_TOO_LARGE when a message exceeds maxMessageSize', async () => {
    const srv = await server({ framed: false });
    const sock = socket({ raw: true, maxMessageSize: 64 });
    sock.connect('127.0.0.1', srv.port);
    const peer = await srv.peers.next();
    await nextEvent(sock);
    peer.sendRaw(new Uint8Array(65));
    const events = await eventsUntil(sock, 'disconnect');
    expect(events.map((e) => e.type)).toEqual(['error', 'disconnect']);
    expect(events[0]).toMatchObject({ errorCode: 'MESSAGE_TOO_LARGE' });
    expect(events[1]).toMatchObject({ code: 1009, wasClean: false });
    expect(sock.lastError()).toMatch(/Max payload size exceeded: a message exceeded maxMessageSize/);
  });
});

describe('option validation', () => {
  it('rejects impossible options when the socket is created, not later in connect()', () => {
    expect(() => createSocket({ type: 'ws', gameId: 2 ** 32 })).toThrow(/gameId must be a 32-bit integer/);
    expect(() => createSocket({ type: 'ws', maxMessageSize: 0 })).toThrow(/maxMessageSize/);
    expect(() => createSocket({ type: 'ws', connectTimeoutMs: 0 })).toThrow(/connectTimeoutMs/);
    expect(() => createSocket({ type: 'tcp', heartbeat: { intervalMs: 100, timeoutMs: 50 } })).toThrow(
      /timeoutMs must be >= intervalMs/,
    );
    expect(() => createSocket({ type: 'ws', maxQueuedEvents: -1 })).toThrow(ClientError);
    expect(() => createSocket({ type: 'quic' } as never)).toThrow(/unknown socket type quic/);
    expect(() => createSocket({ type: 'tcp' }).connect('ws://x', 1)).toThrow(/not a URL/);
  });
});

describe('browser entry point in Node', () => {
  it('refuses to guess a WebSocket in Node 20 but works with one injected', async () => {
    expect(() => createBrowserSocket({ type: 'ws' })).toThrow(/no WebSocket implementation/);
    expect(() => createBrowserSocket({ type: 'tcp' } as never)).toThrow(/need Node/);
    const srv = await server();
    const sock = createBrowserSocket({ type: 'ws', WebSocket });
    cleanup.push(() => sock.close());
    sock.connect('127.0.0.1', srv.port);
    await srv.peers.next();
    expect(await nextEvent(sock)).toMatchObject({ type: 'non_blocking_connect', succeeded: 1 });
  });

  it('enforces maxMessageSize itself when the WebSocket implementation cannot (browsers)', async () => {
    const srv = await server({ framed: false });
    const sock = createBrowserSocket({ type: 'ws', raw: true, WebSocket, maxMessageSize: 8 });
    cleanup.push(() => sock.close());
    sock.connect('127.0.0.1', srv.port);
    const peer = await srv.peers.next();
    await nextEvent(sock);
    peer.sendRaw('12345678');
    peer.sendRaw('123456789');
    const events = await eventsUntil(sock, 'disconnect');
    expect(events.map((e) => e.type)).toEqual(['data', 'error', 'disconnect']);
    expect(events[1]).toMatchObject({ errorCode: 'MESSAGE_TOO_LARGE' });
    expect(events[2]).toMatchObject({
      code: 1009,
      reason: 'received a 9-byte message, larger than maxMessageSize (8)',
    });
  });
});
