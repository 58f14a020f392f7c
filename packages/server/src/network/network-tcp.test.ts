import { connect, type Socket } from 'node:net';
import { GmBuffer } from '@tether/protocol';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { GmTestClient, packet } from '../../test/gm-client.ts';
import { captureLogger, EventRecorder } from '../../test/network-helpers.ts';
import { NetworkError } from './errors.ts';
import { Network } from './network.ts';
import { createNetworkServer, type NetworkServer } from './server.ts';
import type { NetworkDataEvent, NetworkDisconnectEvent, NetworkEvent } from './types.ts';

const silent = pino({ level: 'silent' });
const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function server(
  opts: Partial<Parameters<typeof createNetworkServer>[0]> = {},
  logger = silent,
): Promise<{ srv: NetworkServer; rec: EventRecorder }> {
  const srv = await createNetworkServer(
    { type: 'tcp', host: '127.0.0.1', port: 0, maxClients: 8, ...opts },
    { logger },
  );
  cleanup.push(() => srv.close());
  return { srv, rec: new EventRecorder(srv) };
}

function rawClient(port: number): Promise<Socket & { received: Buffer[] }> {
  const s = connect(port, '127.0.0.1') as Socket & { received: Buffer[] };
  s.received = [];
  s.on('data', (c: Buffer) => s.received.push(c));
  s.on('error', () => {});
  cleanup.push(() => void s.destroy());
  return new Promise((resolve) => s.once('connect', () => resolve(s)));
}

const isType =
  (type: NetworkEvent['type'], socket?: number) =>
  (e: NetworkEvent): boolean =>
    e.type === type && (socket === undefined || e.socket === socket);

describe('network: framed TCP', () => {
  it('raises connect, data and disconnect events shaped like async_load', async () => {
    const { srv, rec } = await server();
    srv.onEvent((e) => {
      if (e.type === 'data') {
        const reply = new GmBuffer(16).writeU8(9).writeString(`got ${e.buffer.readString()}`);
        srv.sendPacket(e.id, reply);
      }
    });
    const client = await GmTestClient.tcp(srv.address.port);
    const connectEv = await rec.waitFor(isType('connect'));
    expect(connectEv).toEqual({
      type: 'connect',
      id: srv.id,
      socket: expect.any(Number),
      server: srv.id,
      ip: '127.0.0.1',
      port: expect.any(Number),
    });
    expect(connectEv.socket).not.toBe(srv.id);

    client.send(new GmBuffer(8).writeString('hi').bytes());
    const data = await rec.waitFor<NetworkDataEvent>(isType('data'));
    // For data on a server, id is the client socket (GameMaker's rule).
    expect(data).toMatchObject({
      type: 'data',
      id: connectEv.socket,
      socket: connectEv.socket,
      server: srv.id,
      size: 3,
    });
    expect(data.messageType).toBeUndefined();
    expect(data.buffer).toBeInstanceOf(GmBuffer);
    expect(data.buffer.kind).toBe('grow');
    expect(data.buffer.alignment).toBe(1);

    const reply = GmBuffer.from(await client.next());
    expect(reply.readU8()).toBe(9);
    expect(reply.readString()).toBe('got hi');

    client.destroy();
    const gone = await rec.waitFor<NetworkDisconnectEvent>(isType('disconnect'));
    expect(gone).toMatchObject({
      type: 'disconnect',
      id: srv.id,
      socket: connectEv.socket,
      server: srv.id,
      ip: '127.0.0.1',
    });
    expect(gone.reason).toBeTruthy();
    expect(srv.clients()).toEqual([]);
  });

  it('refuses a client over maxClients with a JSON reason packet, and no connect event', async () => {
    const { srv, rec } = await server({ maxClients: 1 });
    await GmTestClient.tcp(srv.address.port);
    await rec.waitFor(isType('connect'));
    const second = await GmTestClient.tcp(srv.address.port);
    expect(await second.nextJson()).toEqual({ error: { code: 1013, message: 'server full (1 clients)' } });
    await second.closed;
    expect(rec.of('connect')).toHaveLength(1);
  });

  it('refuses a client over maxClientsPerAddress with a JSON reason packet; other addresses connect', async () => {
    const { srv, rec } = await server({ maxClientsPerAddress: 1 });
    await GmTestClient.tcp(srv.address.port, { localAddress: '127.0.5.1' });
    await rec.waitFor(isType('connect'));
    const second = await GmTestClient.tcp(srv.address.port, { localAddress: '127.0.5.1' });
    expect(await second.nextJson()).toEqual({
      error: { code: 1013, message: 'too many connections from this address' },
    });
    await second.closed;
    await GmTestClient.tcp(srv.address.port, { localAddress: '127.0.5.2' });
    expect(await rec.waitForCount(isType('connect'), 2)).toHaveLength(2);
  });

  it('closes a client announcing a payload over maxMessageSize (typed error), others keep working', async () => {
    const cap = captureLogger();
    const { srv, rec } = await server({ maxMessageSize: 16 }, cap.logger);
    srv.onEvent((e) => {
      if (e.type === 'data') srv.sendPacket(e.id, e.buffer);
    });
    const good = await GmTestClient.tcp(srv.address.port);
    const big = await GmTestClient.tcp(srv.address.port);
    big.send(new Uint8Array(17));
    await big.closed;
    const gone = await rec.waitFor<NetworkDisconnectEvent>(isType('disconnect'));
    expect(gone.code).toBe('GM_PAYLOAD_TOO_LARGE');
    await cap.waitFor((l) => l.code === 'GM_PAYLOAD_TOO_LARGE');
    good.send(new Uint8Array(16).fill(7));
    expect(await good.next()).toEqual(Buffer.alloc(16, 7));
  });

  it('closes only the socket with bad magic or an oversized length field', async () => {
    const cap = captureLogger();
    const { srv, rec } = await server({}, cap.logger);
    srv.onEvent((e) => {
      if (e.type === 'data') srv.sendPacket(e.id, e.buffer);
    });
    const good = await GmTestClient.tcp(srv.address.port);
    const badMagic = await GmTestClient.tcp(srv.address.port);
    const badLength = await GmTestClient.tcp(srv.address.port);
    badMagic.sendRaw(Buffer.from('efbeadde0c00000001000000ff', 'hex'));
    const header = packet('').subarray(0, 12);
    header.writeUInt32LE(0xffffffff, 8);
    badLength.sendRaw(header);
    await Promise.all([badMagic.closed, badLength.closed]);
    const codes = (await rec.waitForCount(isType('disconnect'), 2)).map(
      (e) => (e as NetworkDisconnectEvent).code,
    );
    expect(codes.sort()).toEqual(['GM_BAD_MAGIC', 'GM_PAYLOAD_TOO_LARGE']);
    await cap.waitFor((l) => l.code === 'GM_BAD_MAGIC');
    good.send('still here');
    expect((await good.next()).toString()).toBe('still here');
  });

  it('drops a client that never completes the handshake after the handshake timeout', async () => {
    const cap = captureLogger();
    const { srv, rec } = await server({ handshakeTimeoutMs: 150 }, cap.logger);
    const halfOpen = await GmTestClient.tcp(srv.address.port, { handshake: false });
    expect((await halfOpen.reader.read(18)).toString('latin1')).toBe('GM:Studio-Connect\0');
    await halfOpen.closed;
    await cap.waitFor((l) => l.code === 'HANDSHAKE_TIMEOUT');
    expect(rec.events).toEqual([]);
  });

  it('decodes 10,000 tiny packets arriving in one write, in order', async () => {
    const { srv, rec } = await server();
    const client = await GmTestClient.tcp(srv.address.port);
    const n = 10_000;
    const all = Buffer.concat(
      Array.from({ length: n }, (_, i) => packet(new GmBuffer(2).writeU16(i).bytes())),
    );
    client.sendRaw(all);
    const data = await rec.waitForCount(isType('data'), n);
    expect(data.map((e) => (e as NetworkDataEvent).buffer.readU16())).toEqual(
      Array.from({ length: n }, (_, i) => i),
    );
    expect(rec.of('disconnect')).toEqual([]);
  });

  it('disconnects a client flooding more packets per second than allowed', async () => {
    const { srv, rec } = await server({ maxPacketsPerSecond: 100 });
    srv.onEvent((e) => {
      if (e.type === 'data') srv.sendPacket(e.id, e.buffer);
    });
    const good = await GmTestClient.tcp(srv.address.port);
    const flood = await GmTestClient.tcp(srv.address.port);
    flood.sendRaw(Buffer.concat(Array.from({ length: 1000 }, () => packet(''))));
    const gone = await rec.waitFor<NetworkDisconnectEvent>(isType('disconnect'));
    expect(gone.code).toBe('FLOOD');
    good.send('ok');
    expect((await good.next()).toString()).toBe('ok');
  });

  it('keeps serving when an event handler throws or rejects', async () => {
    const cap = captureLogger();
    const { srv } = await server({}, cap.logger);
    srv.onEvent(() => {
      throw new Error('boom');
    });
    srv.onEvent(async () => {
      throw new Error('async boom');
    });
    srv.onEvent((e) => {
      if (e.type === 'data') srv.sendPacket(e.id, e.buffer);
    });
    const client = await GmTestClient.tcp(srv.address.port);
    client.send('echo');
    expect((await client.next()).toString()).toBe('echo');
    await cap.waitFor((l) => (l.err as { message?: string } | undefined)?.message === 'async boom');
    expect(cap.lines.some((l) => (l.err as { message?: string } | undefined)?.message === 'boom')).toBe(true);
  });

  it('setTimeout and idleTimeoutMs disconnect with a reason', async () => {
    const { srv, rec } = await server({ idleTimeoutMs: 100 });
    const client = await GmTestClient.tcp(srv.address.port);
    const gone = await rec.waitFor<NetworkDisconnectEvent>(isType('disconnect'));
    expect(gone).toMatchObject({ reason: 'read timeout', code: 'READ_TIMEOUT' });
    await client.closed;

    const other = await GmTestClient.tcp(srv.address.port);
    const c = await rec.waitFor(isType('connect', (await rec.waitForCount(isType('connect'), 2))[1]!.socket));
    srv.setTimeout(c.socket, 0, 0);
    srv.setTimeout(c.socket, 80, 0);
    expect(await rec.waitFor<NetworkDisconnectEvent>(isType('disconnect', c.socket))).toMatchObject({
      reason: 'read timeout',
    });
    await other.closed;
  });

  it('destroy(socket) closes the client and raises its disconnect', async () => {
    const { srv, rec } = await server();
    const client = await GmTestClient.tcp(srv.address.port);
    const c = await rec.waitFor(isType('connect'));
    await srv.destroy(c.socket);
    await client.closed;
    expect(await rec.waitFor(isType('disconnect'))).toMatchObject({ reason: 'destroyed', socket: c.socket });
    expect(srv.sendPacket(c.socket, new Uint8Array(1))).toBe(-1);
  });

  it('refuses framed UDP and mixed framing with typed errors', async () => {
    await expect(
      createNetworkServer({ type: 'udp', maxClients: 1 }, { logger: silent }),
    ).rejects.toMatchObject({
      name: 'NetworkError',
      code: 'UDP_FRAMED_UNSUPPORTED',
    });
    const { srv, rec } = await server();
    await GmTestClient.tcp(srv.address.port);
    const c = await rec.waitFor(isType('connect'));
    expect(() => srv.sendRaw(c.socket, 'x')).toThrow(NetworkError);
    expect(() => srv.sendPacket(srv.id, new Uint8Array(1))).toThrow(/server/);
  });
});

describe('network: raw TCP', () => {
  it('connects without a handshake and passes bytes both ways', async () => {
    const { srv, rec } = await server({ raw: true });
    const client = await rawClient(srv.address.port);
    const c = await rec.waitFor(isType('connect'));
    expect(c).toMatchObject({
      type: 'connect',
      id: srv.id,
      server: srv.id,
      ip: '127.0.0.1',
      port: client.localPort,
    });
    client.write('ping');
    const data = await rec.waitFor<NetworkDataEvent>(isType('data'));
    expect(data).toMatchObject({ id: c.socket, size: 4 });
    expect(data.buffer.readText()).toBe('ping');
    expect(srv.sendRaw(c.socket, 'pong')).toBe(4);
    await new Promise((r) => client.once('data', r));
    expect(Buffer.concat(client.received).toString()).toBe('pong');
    client.end();
    expect(await rec.waitFor(isType('disconnect'))).toMatchObject({
      reason: 'closed by peer',
      closeCode: 1000,
    });
  });

  it('closes a raw client over maxClients without a connect event', async () => {
    const { srv, rec } = await server({ raw: true, maxClients: 1 });
    await rawClient(srv.address.port);
    await rec.waitFor(isType('connect'));
    const second = await rawClient(srv.address.port);
    await new Promise((r) => second.once('close', r));
    expect(rec.of('connect')).toHaveLength(1);
  });

  it('disconnects a slow consumer instead of buffering without bound', async () => {
    const { srv, rec } = await server({ raw: true, maxBufferedBytes: 64 * 1024 });
    const client = await rawClient(srv.address.port);
    client.pause(); // never reads: the kernel buffers fill, then ours would grow
    const c = await rec.waitFor(isType('connect'));
    const chunk = new Uint8Array(256 * 1024);
    let sent = 0;
    while (sent < 400 && srv.sendRaw(c.socket, chunk) > 0) sent++;
    expect(sent).toBeLessThan(400);
    expect(await rec.waitFor(isType('disconnect'))).toMatchObject({
      reason: 'slow consumer',
      code: 'SLOW_CONSUMER',
    });
  });
});

describe('network: poll queue', () => {
  it('queues events for polling and disconnects a client whose event does not fit', async () => {
    const network = new Network({ logger: silent, queueLimit: 3 });
    cleanup.push(() => network.close());
    const srv = await network.createServer({ type: 'tcp', host: '127.0.0.1', maxClients: 4, raw: false });
    const rec = new EventRecorder(network);
    const client = await GmTestClient.tcp(srv.address.port);
    await rec.waitFor(isType('connect'));
    client.send('a');
    client.send('b');
    await rec.waitForCount(isType('data'), 2);
    expect(network.queued).toBe(3);
    client.send('c'); // no room: dropped, client disconnected
    await client.closed;
    await rec.waitFor(isType('disconnect'));
    const polled = [network.poll(), network.poll(), network.poll(), network.poll()].map((e) => e?.type);
    expect(polled).toEqual(['connect', 'data', 'data', 'disconnect']);
    expect(network.poll()).toBeUndefined();
    expect(() => new Network({ logger: silent }).poll()).toThrow(NetworkError);
  });
});
