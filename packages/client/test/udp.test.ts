import { createSocket as createDgram, type RemoteInfo, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { createSocket, type DatagramSocket } from '../src/node.ts';
import { bytesOf, eventsUntil, Inbox, nextEvent, utf8 } from './helpers.ts';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

/** A UDP echo-ish server: records datagrams and lets the test answer. */
async function udpServer(): Promise<{ port: number; socket: Socket; inbox: Inbox<[Buffer, RemoteInfo]> }> {
  const socket = createDgram('udp4');
  const inbox = new Inbox<[Buffer, RemoteInfo]>();
  socket.on('message', (message, remote) => inbox.push([message, remote]));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise<void>((resolve) => socket.close(() => resolve())));
  return { port: socket.address().port, socket, inbox };
}

function udp(
  options: Omit<Parameters<typeof createSocket>[0] & { type: 'udp' }, 'type'> = {},
): DatagramSocket {
  const s = createSocket({ type: 'udp', ...options });
  cleanup.push(() => s.close());
  return s;
}

async function bound(socket: DatagramSocket): Promise<number> {
  while (socket.localPort() === undefined) await new Promise((r) => setTimeout(r, 2));
  return socket.localPort() as number;
}

describe('UDP', () => {
  it('sends datagrams and reports each received one with the sender address', async () => {
    const srv = await udpServer();
    const sock = udp();
    expect(sock.sendDatagram('127.0.0.1', srv.port, bytesOf('one'))).toBe(3);
    const [message, from] = await srv.inbox.next();
    expect(utf8(message)).toBe('one');
    expect(from.port).toBe(await bound(sock));

    srv.socket.send(bytesOf('reply-1'), from.port, '127.0.0.1');
    srv.socket.send(bytesOf('reply-2'), from.port, '127.0.0.1');
    const events = [await nextEvent(sock), await nextEvent(sock)];
    expect(events).toMatchObject([
      { type: 'data', ip: '127.0.0.1', port: srv.port, size: 7, messageType: 'binary' },
      { type: 'data', ip: '127.0.0.1', port: srv.port, size: 7 },
    ]);
    expect(events.map((e) => (e.type === 'data' ? utf8(e.buffer.bytes()) : ''))).toEqual([
      'reply-1',
      'reply-2',
    ]);
    expect(() => sock.sendPacket(new Uint8Array(1))).toThrow(/UDP header is undocumented/);
    expect(() => sock.sendRaw('x')).toThrow(/needs connect/);
  });

  it('connect() picks a default peer, reports non_blocking_connect, and close() a disconnect', async () => {
    const srv = await udpServer();
    const sock = udp();
    sock.connect('127.0.0.1', srv.port);
    expect(await nextEvent(sock)).toMatchObject({
      type: 'non_blocking_connect',
      succeeded: 1,
      port: srv.port,
    });
    expect(sock.sendRaw('hi')).toBe(2);
    expect(utf8((await srv.inbox.next())[0])).toBe('hi');
    sock.close(1000, 'done');
    expect(sock.poll()).toMatchObject([{ type: 'disconnect', code: 1000, reason: 'done' }]);
    expect(sock.sendDatagram('127.0.0.1', srv.port, bytesOf('late'))).toBe(-1);
    expect(sock.localPort()).toBeUndefined();
  });

  it('times out a silent peer when a heartbeat is set', async () => {
    const srv = await udpServer();
    const sock = udp({ heartbeat: { intervalMs: 20, timeoutMs: 100 } });
    sock.connect('127.0.0.1', srv.port);
    const events = await eventsUntil(sock, 'disconnect');
    expect(events.map((e) => e.type)).toEqual(['non_blocking_connect', 'error', 'disconnect']);
    expect(events[2]?.type === 'disconnect' && events[2].reason).toMatch(/^heartbeat timeout/);
  });

  it('reports a failed bind as an error event', async () => {
    const first = udp();
    const port = await bound(first);
    const second = udp({ localPort: port });
    const event = await nextEvent(second);
    expect(event).toMatchObject({ type: 'error', errorCode: 'BIND_FAILED' });
    expect(event.type === 'error' && event.error).toMatch(/EADDRINUSE/);
    expect(second.isClosed()).toBe(true);
  });
});
