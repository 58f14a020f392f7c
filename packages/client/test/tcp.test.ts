import { encodeClientSignature, encodeGmPacket, encodeServerAck, GM_HELLO, GmBuffer } from '@tether/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { createSocket, type NetworkEvent, type StreamSocket } from '../src/node.ts';
import {
  bytesOf,
  closedPort,
  eventsUntil,
  nextEvent,
  startTcpServer,
  type TestServer,
  utf8,
  withTimeout,
} from './helpers.ts';

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function server(options: Parameters<typeof startTcpServer>[0] = {}): Promise<TestServer> {
  const s = await startTcpServer(options);
  cleanup.push(() => s.close());
  return s;
}

function socket(
  options: Omit<Parameters<typeof createSocket>[0] & { type: 'tcp' }, 'type'> = {},
): StreamSocket {
  const s = createSocket({ type: 'tcp', ...options });
  cleanup.push(() => s.close());
  return s;
}

describe('framed TCP', () => {
  it('completes the GameMaker handshake, then exchanges packets both ways', async () => {
    const srv = await server();
    const sock = socket({ gameId: 4242 });
    sock.connect('127.0.0.1', srv.port);
    expect(sock.isConnecting()).toBe(true);
    const peer = await srv.peers.next();
    expect(await peer.ready).toBe(4242);

    const connected = await nextEvent(sock);
    expect(connected).toMatchObject({
      type: 'non_blocking_connect',
      succeeded: 1,
      ip: '127.0.0.1',
      port: srv.port,
    });
    expect(connected.id).toBe(sock.id);
    expect(sock.isConnected()).toBe(true);

    const out = new GmBuffer(16).writeU8(7).writeString('hello');
    expect(sock.sendPacket(out)).toBe(12 + 1 + 6);
    const got = (await peer.inbox.next()) as Uint8Array;
    expect([...got]).toEqual([7, ...bytesOf('hello'), 0]);

    // Echo it back: the client must strip the header and hand over exactly the payload.
    peer.sendPacket(got);
    const data = await nextEvent(sock);
    if (data.type !== 'data') throw new Error(`expected data, got ${data.type}`);
    expect(data.size).toBe(7);
    expect(data.messageType).toBe('binary');
    expect(data.buffer.kind).toBe('grow');
    expect(data.buffer.alignment).toBe(1);
    expect(data.buffer.readU8()).toBe(7);
    expect(data.buffer.readString()).toBe('hello');
  });

  it('honours the size argument like GameMaker (buffer_tell)', async () => {
    const srv = await server();
    const sock = socket();
    sock.connect('127.0.0.1', srv.port);
    const peer = await srv.peers.next();
    await nextEvent(sock);
    const buf = new GmBuffer(8).writeU32(0xaabbccdd).writeU32(1);
    expect(sock.sendPacket(buf, 4)).toBe(16);
    expect([...((await peer.inbox.next()) as Uint8Array)]).toEqual([0xdd, 0xcc, 0xbb, 0xaa]);
    expect(() => sock.sendPacket(buf, 9)).toThrow(/size must be an integer between 0 and 8/);
    expect(() => sock.sendRaw(buf)).toThrow(/corrupt the framing/);
  });

  it('delivers packets glued to the handshake ack, after the connect event, in order, in one poll()', async () => {
    // A hand-driven server, so the ack and five packets provably travel in a single TCP write.
    const srv = await server({ framed: false });
    const sock = socket();
    sock.connect('127.0.0.1', srv.port);
    const peer = await srv.peers.next();
    peer.sendRaw(GM_HELLO);
    let signature: Uint8Array = new Uint8Array(0);
    while (signature.length < 16) signature = concat(signature, (await peer.inbox.next()) as Uint8Array);
    expect([...signature.subarray(0, 12)]).toEqual([...encodeClientSignature(0).subarray(0, 12)]);
    const payloads = [1, 2, 3, 4, 5].map((n) => new Uint8Array([n, n * 10]));
    peer.sendRaw(concat(encodeServerAck(), ...payloads.map((p) => encodeGmPacket(p))));

    // Wait until all six events are queued without draining, as happens between two frames.
    while (sock.queue.length < 6) await new Promise((r) => setTimeout(r, 2));
    const events = sock.poll();
    expect(events.map((e) => e.type)).toEqual([
      'non_blocking_connect',
      'data',
      'data',
      'data',
      'data',
      'data',
    ]);
    expect(events.slice(1).map((e) => (e.type === 'data' ? [...e.buffer.bytes()] : []))).toEqual(
      payloads.map((p) => [...p]),
    );
    expect(sock.hasEvent()).toBe(false);
    expect(sock.poll()).toEqual([]);
  });

  it('reports a refused connection as succeeded 0 with the real error message', async () => {
    const port = await closedPort();
    const sock = socket();
    sock.connect('127.0.0.1', port);
    const event = await nextEvent(sock);
    expect(event).toMatchObject({ type: 'non_blocking_connect', succeeded: 0, errorCode: 'CONNECT_FAILED' });
    expect(event.type === 'non_blocking_connect' && event.error).toMatch(/ECONNREFUSED 127\.0\.0\.1:\d+/);
    expect(sock.lastError()).toMatch(/ECONNREFUSED/);
    expect(sock.isClosed()).toBe(true);
    expect(sock.hasEvent()).toBe(false); // no disconnect for a connection that never existed
  });

  it('times out when the server never sends the GameMaker hello', async () => {
    const srv = await server({ silent: true });
    const sock = socket({ connectTimeoutMs: 150 });
    const started = performance.now();
    sock.connect('127.0.0.1', srv.port);
    const event = await nextEvent(sock);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(event).toMatchObject({ type: 'non_blocking_connect', succeeded: 0, errorCode: 'CONNECT_TIMEOUT' });
    expect(sock.lastError()).toMatch(/timed out after 150 ms while waiting for the GameMaker handshake/);
  });

  it('raises a disconnect event when the server closes the connection', async () => {
    const srv = await server();
    const sock = socket();
    sock.connect('127.0.0.1', srv.port);
    const peer = await srv.peers.next();
    await nextEvent(sock);
    peer.sendPacket(new Uint8Array([9]));
    peer.close();
    const events = await eventsUntil(sock, 'disconnect');
    expect(events.map((e) => e.type)).toEqual(['data', 'disconnect']);
    expect(events[1]).toMatchObject({
      code: 1000,
      reason: 'connection closed by the server',
      wasClean: true,
    });
    expect(sock.closeCode()).toBe(1000);
    expect(sock.closeReason()).toBe('connection closed by the server');
    expect(sock.sendPacket(new Uint8Array([1]))).toBe(-1);
    expect(sock.lastError()).toMatch(/not open/);
  });

  it('closes with a heartbeat timeout when the server goes silent', async () => {
    const srv = await server();
    const sock = socket({ heartbeat: { intervalMs: 40, timeoutMs: 200 } });
    sock.connect('127.0.0.1', srv.port);
    const peer = await srv.peers.next();
    await nextEvent(sock);
    const started = performance.now();
    peer.freeze();
    const events = await eventsUntil(sock, 'disconnect');
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    expect(events.map((e) => e.type)).toEqual(['error', 'disconnect']);
    expect(events[0]).toMatchObject({ errorCode: 'HEARTBEAT_TIMEOUT' });
    const disconnect = events[1] as NetworkEvent & { type: 'disconnect' };
    expect(disconnect.reason).toMatch(/^heartbeat timeout: nothing received/);
    expect(disconnect.code).toBe(1006);
    expect(disconnect.wasClean).toBe(false);
  });

  it('our own close() queues a disconnect with our code and reason, and the server sees the end', async () => {
    const srv = await server();
    const sock = socket();
    sock.connect('127.0.0.1', srv.port);
    const peer = await srv.peers.next();
    await nextEvent(sock);
    expect(sock.sendPacket(new Uint8Array([5]))).toBe(13);
    sock.close(4000, 'bye');
    expect(sock.poll()).toMatchObject([{ type: 'disconnect', code: 4000, reason: 'bye', wasClean: true }]);
    // The packet sent just before close() is flushed, then the connection really ends.
    expect([...((await peer.inbox.next()) as Uint8Array)]).toEqual([5]);
    await withTimeout(peer.closed, 2000, 'the server to see the connection end');
    expect(() => sock.connect('127.0.0.1', srv.port)).toThrow(/create a new socket/);
  });
});

describe('raw TCP', () => {
  it('sends and receives bytes without handshake or headers', async () => {
    const srv = await server({ framed: false });
    const sock = socket({ raw: true });
    sock.connect('localhost', srv.port);
    const peer = await srv.peers.next();
    expect(await nextEvent(sock)).toMatchObject({ type: 'non_blocking_connect', succeeded: 1 });
    expect(sock.sendRaw(bytesOf('ping'))).toBe(4);
    expect(sock.sendRaw('é')).toBe(2);
    let received = '';
    while (received.length < 5) received += utf8((await peer.inbox.next()) as Uint8Array);
    expect(received).toBe('pingé');
    peer.sendRaw(bytesOf('pong'));
    const event = await nextEvent(sock);
    expect(event.type === 'data' && utf8(event.buffer.bytes())).toBe('pong');
    expect(() => sock.sendPacket(new Uint8Array(1))).toThrow(/needs a framed socket/);
  });
});

describe('queue overflow policy', () => {
  it('closes the socket with an error event instead of dropping silently', async () => {
    const srv = await server();
    const sock = socket({ maxQueuedEvents: 3 });
    sock.connect('127.0.0.1', srv.port);
    const peer = await srv.peers.next();
    await nextEvent(sock); // the connect event; the game then stops polling
    for (let i = 0; i < 10; i++) peer.sendPacket(new Uint8Array([i]));
    await withTimeout(
      (async () => {
        while (!sock.isClosed()) await new Promise((r) => setTimeout(r, 5));
      })(),
      3000,
      'the overflow close',
    );
    const events = sock.poll();
    expect(events.map((e) => e.type)).toEqual(['data', 'data', 'data', 'error', 'disconnect']);
    expect(events.slice(0, 3).map((e) => (e.type === 'data' ? e.buffer.readU8() : -1))).toEqual([0, 1, 2]);
    expect(events[3]).toMatchObject({ errorCode: 'QUEUE_OVERFLOW' });
    expect(events[3]?.type === 'error' && events[3].error).toMatch(/^event queue overflow: 3 events/);
    expect(events[4]).toMatchObject({ type: 'disconnect', code: 1008, wasClean: false });
    expect(sock.lastError()).toMatch(/event queue overflow/);
  });
});
