import { createSocket } from 'node:dgram';
import { GmBuffer } from '@tether/protocol';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { EventRecorder } from '../../test/network-helpers.ts';
import { createNetworkServer } from './server.ts';
import type { NetworkDataEvent } from './types.ts';

const silent = pino({ level: 'silent' });
const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

describe('network: raw UDP', () => {
  it('raises data events for datagrams and replies with sendUdp', async () => {
    const srv = await createNetworkServer(
      { type: 'udp', raw: true, host: '127.0.0.1', port: 0, maxClients: 1 },
      { logger: silent },
    );
    cleanup.push(() => srv.close());
    const rec = new EventRecorder(srv);
    srv.onEvent((e) => {
      if (e.type === 'data') srv.sendUdp(e.ip, e.port, new GmBuffer(8).writeU32(e.buffer.readU32() * 2));
    });

    const client = createSocket('udp4');
    cleanup.push(() => new Promise<void>((r) => client.close(() => r())));
    await new Promise<void>((r) => client.bind(0, '127.0.0.1', () => r()));
    const reply = new Promise<Buffer>((r) => client.once('message', (m) => r(m)));
    client.send(new GmBuffer(4).writeU32(21).bytes(), srv.address.port, '127.0.0.1');

    const data = await rec.waitFor<NetworkDataEvent>((e) => e.type === 'data');
    // UDP has no client sockets: id and socket are the UDP server, ip/port the sender.
    expect(data).toMatchObject({
      type: 'data',
      id: srv.id,
      socket: srv.id,
      server: srv.id,
      ip: '127.0.0.1',
      port: client.address().port,
      size: 4,
    });
    expect(data.messageType).toBeUndefined();
    expect((await reply).readUInt32LE(0)).toBe(42);
    expect(rec.events.map((e) => e.type)).toEqual(['data']);
  });
});
