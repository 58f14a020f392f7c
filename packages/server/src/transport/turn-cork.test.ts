import { connect, type Socket } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { TcpConnection } from './tcp.ts';
import { listenTcp } from './tcp.ts';

const silent = pino({ level: 'silent' });
const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

/** A TCP listener and one connected client; resolves with both ends. */
async function pair(maxBufferedBytes?: number) {
  let accepted!: (c: TcpConnection) => void;
  const server = new Promise<TcpConnection>((r) => {
    accepted = r;
  });
  const listener = await listenTcp({
    host: '127.0.0.1',
    port: 0,
    logger: silent,
    maxBufferedBytes,
    onConnection: accepted,
  });
  const client: Socket = connect(listener.address.port, '127.0.0.1');
  const received: Buffer[] = [];
  client.on('data', (b: Buffer) => received.push(b));
  client.on('error', () => {});
  const conn = await server;
  cleanup.push(() => listener.close());
  cleanup.push(() => {
    client.destroy();
    conn.terminate();
  });
  const ended = new Promise<void>((r) => client.once('close', () => r()));
  return { conn, client, received, ended };
}

describe('per-turn write coalescing', () => {
  it('holds every send of one turn corked, counts it as buffered, and flushes it in one write at the turn end', async () => {
    const { conn, received } = await pair();
    for (let i = 0; i < 50; i++) conn.send(new Uint8Array([i]));
    conn.sendFrames([new Uint8Array([50]), new Uint8Array([51])]); // a batch joins the same cork
    expect(conn.bufferedBytes).toBe(52);
    await new Promise((r) => process.nextTick(r));
    expect(conn.bufferedBytes).toBe(0);
    await expect.poll(() => Buffer.concat(received).length).toBe(52);
    expect([...Buffer.concat(received)]).toEqual(Array.from({ length: 52 }, (_, i) => i));
  });

  it('close() in a corked turn writes what the turn sent before the FIN', async () => {
    const { conn, received, ended } = await pair();
    conn.send('last');
    conn.close();
    await ended;
    expect(Buffer.concat(received).toString()).toBe('last');
  });

  it('terminate() in a corked turn drops what the turn sent', async () => {
    const { conn, received, ended } = await pair();
    conn.send('dropped');
    conn.terminate();
    await ended;
    expect(Buffer.concat(received).length).toBe(0);
  });

  it('still cuts off a peer that stops reading when it is sent many small packets per turn', async () => {
    const { conn, client } = await pair(64 * 1024);
    client.pause();
    const packet = new Uint8Array(512);
    let turns = 0;
    while (conn.open && turns < 2000) {
      for (let i = 0; i < 64; i++) conn.send(packet);
      turns++;
      await new Promise((r) => setImmediate(r));
    }
    const info = await conn.closed;
    expect(info.error?.code).toBe('SLOW_CONSUMER');
    expect(turns).toBeLessThan(2000);
  });

  it("flushes every connection of a listener at the turn's end, and a write made during that flush in the next batch", async () => {
    const accepted: TcpConnection[] = [];
    const listener = await listenTcp({
      host: '127.0.0.1',
      port: 0,
      logger: silent,
      onConnection: (c) => accepted.push(c),
    });
    cleanup.push(() => listener.close());
    const clients = [0, 1, 2].map(() => connect(listener.address.port, '127.0.0.1'));
    const received = clients.map((client) => {
      const chunks: Buffer[] = [];
      client.on('data', (b: Buffer) => chunks.push(b));
      client.on('error', () => {});
      cleanup.push(() => client.destroy());
      return chunks;
    });
    await expect.poll(() => accepted.length).toBe(3);
    const [a, b, c] = accepted as [TcpConnection, TcpConnection, TcpConnection];
    a.send('a1');
    b.send('b1');
    c.send('c1');
    // A write made while the batch is being flushed (as an afterFlush check might cause).
    process.nextTick(() => a.send('a2'));
    expect([a.bufferedBytes, b.bufferedBytes, c.bufferedBytes]).toEqual([2, 2, 2]);
    await new Promise((r) => process.nextTick(r));
    await new Promise((r) => setImmediate(r));
    expect([a.bufferedBytes, b.bufferedBytes, c.bufferedBytes]).toEqual([0, 0, 0]);
    await expect.poll(() => received.map((r) => Buffer.concat(r).toString())).toEqual(['a1a2', 'b1', 'c1']);
  });
});
