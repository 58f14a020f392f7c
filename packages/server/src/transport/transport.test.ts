import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { GmTestClient, packet, signature } from '../../test/gm-client.ts';
import { captureLogger } from '../../test/network-helpers.ts';
import type { Connection } from './connection.ts';
import { ConnectionGate } from './gate.ts';
import { GmFramedConnection } from './gm-framed.ts';
import { TokenBucket } from './rate-limit.ts';
import { listenTcp } from './tcp.ts';
import { WsAcceptor } from './ws.ts';

const silent = pino({ level: 'silent' });
const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

/** A framed TCP endpoint whose ready connections are handed to `onConnection`. */
async function framedTcp(onConnection: (c: Connection) => void, logger = silent) {
  const gate = new ConnectionGate({ logger, maxClients: 4, framed: true, closeNotice: true, onConnection });
  const listener = await listenTcp({
    host: '127.0.0.1',
    port: 0,
    logger,
    onConnection: (c) => gate.admit(c),
  });
  cleanup.push(async () => {
    const stopped = listener.close();
    await gate.closeAll(1001, 'test over');
    await stopped;
  });
  return listener.address.port;
}

/** A plain WebSocket endpoint (no framing) on an HTTP server, as the realtime `/ws` path will be. */
async function plainWs(onConnection: (c: Connection) => void) {
  const acceptor = new WsAcceptor({ logger: silent, maxPayload: 1024, onConnection });
  const http = createServer();
  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
    acceptor.handleUpgrade(req, socket, head),
  );
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  cleanup.push(() => new Promise((r) => http.close(r)));
  cleanup.push(() => http.closeAllConnections());
  return (http.address() as AddressInfo).port;
}

describe('Connection over every carrier', () => {
  it('delivers one message per GameMaker packet, including packets glued to the signature', async () => {
    const got: string[] = [];
    let conn: Connection | undefined;
    const port = await framedTcp((c) => {
      conn = c;
      c.onMessage((data, kind) => got.push(`${kind}:${Buffer.from(data).toString()}`));
    });
    const client = await GmTestClient.tcp(port, { handshake: false });
    await client.reader.read(18);
    client.sendRaw(Buffer.concat([signature(7), packet('one'), packet('two')]));
    await client.reader.read(12);
    await expect.poll(() => got).toEqual(['binary:one', 'binary:two']);
    expect(conn).toBeInstanceOf(GmFramedConnection);
    expect(conn!.carrier).toBe('gm-tcp');
    expect((conn as GmFramedConnection).gameId).toBe(7);
  });

  it('sends strings as GameMaker packets and a batch in order, and a close reason as a final JSON packet', async () => {
    const port = await framedTcp((c) => {
      c.onMessage(() => {
        const frames = ['a', 'b', 'c'].map((m) => c.encode(m));
        c.sendFrames(frames);
        c.close(1008, 'bye now');
      });
    });
    const client = await GmTestClient.tcp(port);
    client.send('go');
    expect([await client.next(), await client.next(), await client.next()].map(String)).toEqual([
      'a',
      'b',
      'c',
    ]);
    expect(await client.nextJson()).toEqual({ error: { code: 1008, message: 'bye now' } });
    await client.closed;
  });

  it('carries text frames, binary frames and close codes over a plain WebSocket', async () => {
    const closes: unknown[] = [];
    const port = await plainWs((c) => {
      expect(c.carrier).toBe('ws');
      c.onMessage((data, kind) => {
        c.send(kind === 'text' ? `echo ${Buffer.from(data)}` : data);
        if (kind === 'binary') c.close(4000, 'done');
      });
      c.onClose((info) => closes.push(info));
    });
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
    const received: [string, boolean][] = [];
    ws.on('message', (d: Buffer, isBinary) => received.push([d.toString(), isBinary]));
    const closed = new Promise<[number, string]>((r) =>
      ws.on('close', (code, reason) => r([code, String(reason)])),
    );
    await new Promise((r) => ws.once('open', r));
    ws.send('hi');
    ws.send(Buffer.from('bin'));
    expect(await closed).toEqual([4000, 'done']);
    expect(received).toEqual([
      ['echo hi', false],
      ['bin', true],
    ]);
    await expect.poll(() => closes).toEqual([{ code: 4000, reason: 'done', byPeer: false }]);
  });

  it('logs and survives a message handler that throws', async () => {
    const cap = captureLogger();
    const port = await framedTcp((c) => {
      c.onMessage(() => {
        throw new Error('handler bug');
      });
      c.onMessage((d) => c.send(d));
    }, cap.logger);
    const client = await GmTestClient.tcp(port);
    client.send('x');
    expect(String(await client.next())).toBe('x');
    expect(
      cap.lines.some((l) => (l.err as { message?: string } | undefined)?.message === 'handler bug'),
    ).toBe(true);
  });
});

describe('TokenBucket', () => {
  it('allows a burst, then refills at the rate', () => {
    let now = 0;
    const bucket = new TokenBucket(10, 3, () => now);
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
    now += 100; // one token at 10/s
    expect([bucket.take(), bucket.take()]).toEqual([true, false]);
    now += 10_000; // never more than the burst
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
  });
});
