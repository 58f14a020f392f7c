import { readFileSync } from 'node:fs';
import { GmBuffer } from '@tether/protocol';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { GmTestClient, packet } from '../../test/gm-client.ts';
import { EventRecorder } from '../../test/network-helpers.ts';
import { createNetworkServer, type NetworkServer } from './server.ts';
import type {
  NetworkDataEvent,
  NetworkDisconnectEvent,
  NetworkEvent,
  NetworkServerOptions,
} from './types.ts';

const silent = pino({ level: 'silent' });
const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function server(
  opts: Partial<NetworkServerOptions> = {},
): Promise<{ srv: NetworkServer; rec: EventRecorder }> {
  const srv = await createNetworkServer(
    { type: 'ws', host: '127.0.0.1', port: 0, maxClients: 8, ...opts },
    { logger: silent },
  );
  cleanup.push(() => srv.close());
  return { srv, rec: new EventRecorder(srv) };
}

/** A raw `ws` client that records messages (with their binary flag) and its close. */
async function rawWs(url: string, options?: ConstructorParameters<typeof WebSocket>[2]) {
  const ws = new WebSocket(url, options);
  const messages: { data: Buffer; isBinary: boolean }[] = [];
  const waiters: (() => void)[] = [];
  ws.on('message', (data: Buffer, isBinary) => {
    messages.push({ data, isBinary });
    for (const w of waiters.splice(0)) w();
  });
  ws.on('error', () => {});
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  cleanup.push(() => void ws.terminate());
  await new Promise<void>((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const next = async () => {
    while (messages.length === 0) await new Promise<void>((r) => waiters.push(r));
    return messages.shift()!;
  };
  return { ws, next, closed };
}

const isType =
  (type: NetworkEvent['type'], socket?: number) =>
  (e: NetworkEvent): boolean =>
    e.type === type && (socket === undefined || e.socket === socket);

describe('network: framed WebSocket', () => {
  it('runs the GameMaker handshake inside binary messages and delivers packets', async () => {
    const { srv, rec } = await server({ path: '/game' });
    srv.onEvent((e) => {
      if (e.type === 'data') srv.sendPacket(e.id, new GmBuffer(4).writeU16(e.buffer.readU16() + 1));
    });
    const client = await GmTestClient.ws(`ws://127.0.0.1:${srv.address.port}/game`);
    const c = await rec.waitFor(isType('connect'));
    expect(c).toMatchObject({ id: srv.id, server: srv.id, ip: '127.0.0.1' });
    client.send(new GmBuffer(2).writeU16(41).bytes());
    const data = await rec.waitFor<NetworkDataEvent>(isType('data'));
    expect(data).toMatchObject({ id: c.socket, size: 2, messageType: 'binary' });
    expect(GmBuffer.from(await client.next()).readU16()).toBe(42);
    client.destroy();
    expect(await rec.waitFor(isType('disconnect'))).toMatchObject({ socket: c.socket });
  });

  it('rejects upgrades to another path', async () => {
    const { srv } = await server({ path: '/game' });
    await expect(rawWs(`ws://127.0.0.1:${srv.address.port}/other`)).rejects.toThrow(/404/);
  });

  it('closes with 1013 and a reason when full, without a connect event', async () => {
    const { srv, rec } = await server({ maxClients: 1 });
    await GmTestClient.ws(`ws://127.0.0.1:${srv.address.port}/`);
    await rec.waitFor(isType('connect'));
    const second = await rawWs(`ws://127.0.0.1:${srv.address.port}/`);
    expect(await second.closed).toEqual({ code: 1013, reason: 'server full (1 clients)' });
    expect(rec.of('connect')).toHaveLength(1);
  });

  it('closes with 1009 when a packet header announces more than maxMessageSize', async () => {
    const { srv, rec } = await server({ maxMessageSize: 8 });
    const client = await GmTestClient.ws(`ws://127.0.0.1:${srv.address.port}/`);
    client.sendRaw(packet(new Uint8Array(9)).subarray(0, 12));
    expect((await client.closed).code).toBe(1009);
    expect(await rec.waitFor(isType('disconnect'))).toMatchObject({
      code: 'GM_PAYLOAD_TOO_LARGE',
      closeCode: 1009,
    });
  });

  it('closes with 1003 on a text message', async () => {
    const { srv } = await server();
    const c = await rawWs(`ws://127.0.0.1:${srv.address.port}/`);
    await c.next(); // hello
    c.ws.send('not binary');
    expect((await c.closed).code).toBe(1003);
  });
});

describe('network: raw WebSocket', () => {
  it('reports text and binary messages and sends both kinds', async () => {
    const { srv, rec } = await server({ raw: true });
    const c = await rawWs(`ws://127.0.0.1:${srv.address.port}/`);
    const conn = await rec.waitFor(isType('connect'));
    c.ws.send('hello text');
    c.ws.send(Buffer.from([1, 2, 3]));
    const [text, binary] = (await rec.waitForCount(isType('data'), 2)) as NetworkDataEvent[];
    expect(text).toMatchObject({ messageType: 'text', size: 10, id: conn.socket });
    expect(text!.buffer.readText()).toBe('hello text');
    expect(binary).toMatchObject({ messageType: 'binary', size: 3 });
    expect([...binary!.buffer.bytes()]).toEqual([1, 2, 3]);

    srv.sendRaw(conn.socket, new GmBuffer(4).writeText('as text'), { text: true });
    srv.sendRaw(conn.socket, new Uint8Array([9, 8]));
    expect(await c.next()).toEqual({ data: Buffer.from('as text'), isBinary: false });
    expect(await c.next()).toEqual({ data: Buffer.from([9, 8]), isBinary: true });
  });

  it('closes with 1009 when a message exceeds maxMessageSize', async () => {
    const { srv, rec } = await server({ raw: true, maxMessageSize: 10 });
    const c = await rawWs(`ws://127.0.0.1:${srv.address.port}/`);
    c.ws.send(Buffer.alloc(11));
    expect((await c.closed).code).toBe(1009);
    expect(await rec.waitFor<NetworkDisconnectEvent>(isType('disconnect'))).toMatchObject({
      code: 'MESSAGE_TOO_BIG',
    });
  });

  it('broadcasts to every client except one', async () => {
    const { srv, rec } = await server({ raw: true });
    const a = await rawWs(`ws://127.0.0.1:${srv.address.port}/`);
    const b = await rawWs(`ws://127.0.0.1:${srv.address.port}/`);
    const [ca] = await rec.waitForCount(isType('connect'), 2);
    expect(srv.broadcast('all but a', { except: ca!.socket })).toBe(1);
    expect((await b.next()).data.toString()).toBe('all but a');
    expect(srv.broadcast(new Uint8Array([5]))).toBe(2);
    expect((await a.next()).data).toEqual(Buffer.from([5]));
  });
});

describe('network: wss', () => {
  it('serves GameMaker framing over TLS with the given key and certificate', async () => {
    const dir = new URL('../../test/fixtures/', import.meta.url);
    const tls = {
      key: readFileSync(new URL('localhost-key.pem', dir)),
      cert: readFileSync(new URL('localhost-cert.pem', dir)),
    };
    const { srv, rec } = await server({ type: 'wss', tls });
    const c = await rawWs(`wss://127.0.0.1:${srv.address.port}/`, { rejectUnauthorized: false });
    expect((await c.next()).data.toString('latin1')).toBe('GM:Studio-Connect\0');
    c.ws.send(Buffer.from('bebafeca0bb0adde1000000000000000', 'hex'));
    expect((await c.next()).data.toString('hex')).toBe('adbeafdeebbe0df00c000000');
    await rec.waitFor(isType('connect'));
    await expect(
      createNetworkServer({ type: 'wss', maxClients: 1 }, { logger: silent }),
    ).rejects.toMatchObject({
      code: 'BAD_ARGUMENT',
    });
  });
});
