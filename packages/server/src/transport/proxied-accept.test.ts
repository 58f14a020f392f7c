import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ProxiedAccept } from './proxied-accept.ts';
import type { ProxiedPeer } from './proxy-protocol.ts';

const logger = pino({ level: 'silent' });
const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup.splice(0)) c();
});

interface Handed {
  readonly client: ProxiedPeer | undefined;
  readonly rest: string;
}

/** A listener reading headers with `proxied`; every hand-over is pushed to `handed`. */
async function listening(proxied: ProxiedAccept, handed: Handed[]): Promise<number> {
  const server: Server = createServer((socket) =>
    proxied.accept(socket, (client, rest) => handed.push({ client, rest: rest.toString('latin1') })),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(() => server.close());
  return (server.address() as AddressInfo).port;
}

function open(port: number): Promise<{ socket: Socket; closed: Promise<void> }> {
  const socket = connect(port, '127.0.0.1');
  cleanup.push(() => socket.destroy());
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  socket.on('error', () => {});
  return new Promise((resolve) => socket.once('connect', () => resolve({ socket, closed })));
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
};

describe('ProxiedAccept', () => {
  it('hands a socket on once its header is whole, with what followed it', async () => {
    const proxied = new ProxiedAccept({ trusts: () => true, timeoutMs: 5000, maxPending: 4 }, logger);
    const handed: Handed[] = [];
    const port = await listening(proxied, handed);
    const { socket } = await open(port);
    socket.write('PROXY TCP4 203.0.113.5 10.0.0.1 4');
    await until(() => proxied.pending === 1);
    expect(handed).toEqual([]);
    socket.write('4321 80\r\nhello');
    await until(() => handed.length === 1);
    expect(handed).toEqual([{ client: { address: '203.0.113.5', port: 44321 }, rest: 'hello' }]);
    expect(proxied.pending).toBe(0);
  });

  it('names no client when the peer is not trusted', async () => {
    const proxied = new ProxiedAccept({ trusts: () => false, timeoutMs: 5000, maxPending: 4 }, logger);
    const handed: Handed[] = [];
    const port = await listening(proxied, handed);
    const { socket } = await open(port);
    socket.write('PROXY TCP4 203.0.113.5 10.0.0.1 44321 80\r\n');
    await until(() => handed.length === 1);
    expect(handed).toEqual([{ client: undefined, rest: '' }]);
  });

  it('holds at most maxPending sockets waiting for a header, each for timeoutMs', async () => {
    const proxied = new ProxiedAccept({ trusts: () => true, timeoutMs: 400, maxPending: 1 }, logger);
    const handed: Handed[] = [];
    const port = await listening(proxied, handed);
    const first = await open(port);
    await until(() => proxied.pending === 1);
    const second = await open(port);
    await second.closed;
    expect(proxied.pending).toBe(1);
    await first.closed;
    expect(proxied.pending).toBe(0);
    expect(handed).toEqual([]);
    // A socket that closes while waiting frees its place too.
    const third = await open(port);
    await until(() => proxied.pending === 1);
    third.socket.destroy();
    await until(() => proxied.pending === 0);
    expect(proxied.pending).toBe(0);
  });

  it('closes the sockets still waiting when the listener closes', async () => {
    const proxied = new ProxiedAccept({ trusts: () => true, timeoutMs: 60_000, maxPending: 4 }, logger);
    const port = await listening(proxied, []);
    const waiting = await open(port);
    await until(() => proxied.pending === 1);
    proxied.closeAll();
    await waiting.closed;
    expect(proxied.pending).toBe(0);
  });
});
