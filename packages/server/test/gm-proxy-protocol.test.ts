/**
 * `gmProxyProtocol`: GameMaker TCP behind a layer-4 proxy. Every connection starts with a PROXY
 * protocol header (v1 text or v2 binary, written here byte by byte from the specification); from a
 * trusted proxy the client it names is the connection's address for per-address limits and hooks,
 * from anyone else it is read and ignored, and a connection without one is closed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, type TetherConfig } from '../src/config/config.ts';
import { GmTestClient } from './gm-client.ts';
import { GmRealtimeClient } from './gm-realtime-client.ts';
import { startTestServer, type TestServer } from './helpers.ts';

let server: TestServer | undefined;
const clients: GmTestClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await server?.stop();
  server = undefined;
});

async function start(overrides: Partial<TetherConfig>): Promise<TestServer> {
  server = await startTestServer({ gmProxyProtocol: true, ...overrides });
  return server;
}

const TOO_MANY = { error: { code: 1013, message: 'too many connections from this address' } };

/** `PROXY TCP4 <client> 10.0.0.5 <port> 6667\r\n`. */
const v1 = (client: string, port = 40000) =>
  Buffer.from(`PROXY TCP4 ${client} 10.0.0.5 ${port} 6667\r\n`, 'latin1');

/** A version 2 PROXY header for TCP over IPv4 from `client`, with one TLV after the addresses. */
function v2(client: string): Buffer {
  const signature = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a];
  const body = [
    ...client.split('.').map(Number),
    10,
    0,
    0,
    5,
    0x9c,
    0x40,
    0x1a,
    0x0b,
    0x04,
    0x00,
    0x01,
    0x00,
  ];
  return Buffer.from([...signature, 0x21, 0x11, 0, body.length, ...body]);
}

/** Connects as a proxy would (from `from`, writing `header` first); resolves once the handshake is done. */
async function viaProxy(s: TestServer, header: Buffer, from = '127.0.0.1'): Promise<GmTestClient> {
  const client = await GmTestClient.tcp(s.gm!.port, { localAddress: from, preamble: header });
  clients.push(client);
  return client;
}

describe('GameMaker TCP behind a PROXY protocol proxy', () => {
  it('counts each client a trusted proxy names against the per-address limit (v1 and v2)', async () => {
    const s = await start({ trustedProxies: '127.0.0.1', gmMaxClientsPerAddress: 1 });
    // All from the proxy's one address, which alone could hold one connection.
    await viaProxy(s, v1('203.0.113.1'));
    await viaProxy(s, v2('203.0.113.2'));
    const again = await viaProxy(s, v2('203.0.113.1'));
    expect(await again.nextJson()).toEqual(TOO_MANY);
    await again.closed;
    const third = await viaProxy(s, v1('203.0.113.3'));
    expect(third.reader.available).toBe(0);
  });

  it('ignores the header of a peer that is not a trusted proxy: the peer is the client', async () => {
    const s = await start({ trustedProxies: '127.0.0.9', gmMaxClientsPerAddress: 1 });
    await viaProxy(s, v1('203.0.113.1'), '127.0.0.2');
    const second = await viaProxy(s, v1('203.0.113.2'), '127.0.0.2');
    // Two different clients named, one peer counted.
    expect(await second.nextJson()).toEqual(TOO_MANY);
  });

  it('closes a connection that sends no header, junk or a bad one, and keeps serving', async () => {
    const s = await start({ trustedProxies: '127.0.0.1' });
    for (const preamble of [
      Buffer.from('GM:Studio-Connect\0'),
      Buffer.from('PROXY TCP4 203.0.113.1 10.0.0.5 99999 6667\r\n', 'latin1'),
      Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, 0x31]),
    ]) {
      const refused = await GmTestClient.tcp(s.gm!.port, { preamble, handshake: false });
      clients.push(refused);
      // No hello: the server never started GameMaker's handshake.
      expect(await refused.closed).toMatchObject({ code: expect.any(Number) });
      expect(refused.reader.available).toBe(0);
    }
    await viaProxy(s, v1('203.0.113.1'));
  });

  it('gives a connection that sends nothing the handshake time, then closes it', async () => {
    const s = await start({ trustedProxies: '127.0.0.1', socketAuthTimeoutMs: 300 });
    const silent = await GmTestClient.tcp(s.gm!.port, { handshake: false });
    clients.push(silent);
    await silent.closed;
    expect(silent.reader.available).toBe(0);
  });

  it('takes the bytes that follow the header in the same write, and hooks see the named client', async () => {
    const s = await start({ trustedProxies: '127.0.0.0/8' });
    await s.runtime.run((initializer) => {
      initializer.registerRpc('where', async (ctx) => JSON.stringify({ ip: ctx.clientIp }));
    }, 'proxy-rpc');
    const token = await GmRealtimeClient.token(s.baseUrl);
    const rt = await GmRealtimeClient.tcp(s.gm!.port, '127.0.0.3', v1('198.51.100.77'));
    await rt.authenticate(token);
    const reply = await rt.request('rpc', { id: 'where' });
    expect(JSON.parse((reply.rpc as { payload: string }).payload)).toEqual({ ip: '198.51.100.77' });
    rt.gm.destroy();

    // The header, the signature and a packet in one write (a proxy may coalesce them).
    const raw = await GmTestClient.tcp(s.gm!.port, { handshake: false });
    clients.push(raw);
    const { signature, packet } = await import('./gm-client.ts');
    raw.sendRaw(Buffer.concat([v2('198.51.100.78'), signature(), packet('{"cid":"1","ping":{}}\0')]));
    expect((await raw.reader.read(18)).toString('latin1')).toBe('GM:Studio-Connect\0');
    await raw.reader.read(12);
    expect(await raw.nextJson()).toMatchObject({ cid: '1' });
  });

  it('is refused at start without trusted proxies', () => {
    expect(() => loadConfig({ gmProxyProtocol: true }, {})).toThrow(
      /gmProxyProtocol.*needs trustedProxies \(--trusted-proxies, TETHER_TRUSTED_PROXIES\)/s,
    );
  });
});
