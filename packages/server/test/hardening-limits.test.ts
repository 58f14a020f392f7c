/**
 * Hardening of admission and limits (issue 14, items 1, 2 and 6), each reproduced as an attack
 * first: a flood read as fast as it is answered, one address holding every GameMaker slot, and
 * never-authenticating connections that make the server buffer large partial packets.
 */
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { TetherConfig } from '../src/config/config.ts';
import { consoleUrl, eventually } from './console-helpers.ts';
import { GmTestClient } from './gm-client.ts';
import { GmRealtimeClient } from './gm-realtime-client.ts';
import { startTestServer, type TestServer } from './helpers.ts';
import { deviceLogin } from './http-client.ts';
import { captureLogger } from './network-helpers.ts';
import { parsePrometheusText, sampleValue } from './prom-text.ts';
import { RawSocket, serverPerTest } from './realtime-helpers.ts';

/** Reads one gauge from the server's Prometheus `/metrics`. */
async function gauge(server: TestServer, name: string): Promise<number> {
  const res = await fetch(`${consoleUrl(server)}/metrics`);
  return sampleValue(parsePrometheusText(await res.text()), name) ?? Number.NaN;
}

/**
 * The lock-out attack: `count` idle TCP sockets to the GameMaker port from one address, each opened
 * again as soon as it is closed (refused, or cut at the handshake timeout), until `stop()`.
 */
function idleFlood(port: number, count: number, localAddress = '127.0.0.1') {
  let stopped = false;
  const open = new Set<Socket>();
  let opened = 0;
  const one = (): void => {
    if (stopped) return;
    const socket = connect({ port, host: '127.0.0.1', localAddress });
    opened++;
    open.add(socket);
    socket.on('error', () => {});
    socket.on('data', () => {}); // reads (and ignores) the hello, never answers it
    socket.on('close', () => {
      open.delete(socket);
      setImmediate(one);
    });
  };
  for (let i = 0; i < count; i++) one();
  return {
    get opened() {
      return opened;
    },
    stop(): void {
      stopped = true;
      for (const socket of open) socket.destroy();
    },
  };
}

/** Logs a device in over HTTP, then authenticates over GameMaker TCP from `localAddress`. */
async function gmLogin(server: TestServer, localAddress: string): Promise<GmRealtimeClient> {
  const { token } = await deviceLogin(server.baseUrl, `lockout-${localAddress}-${Math.random()}`);
  const gm = await GmRealtimeClient.tcp(server.gm!.port, localAddress);
  await gm.authenticate(token);
  return gm;
}

describe('one address against the 1,024 GameMaker slots', () => {
  let server: TestServer | undefined;
  let flood: ReturnType<typeof idleFlood> | undefined;
  const clients: GmRealtimeClient[] = [];
  afterEach(async () => {
    flood?.stop();
    for (const c of clients.splice(0)) c.destroy();
    await server?.stop();
    server = undefined;
  });

  async function start(overrides: Partial<TetherConfig>): Promise<TestServer> {
    server = await startTestServer(overrides);
    return server;
  }

  it('without per-address limits, idle sockets from one address keep real players out (the attack)', async () => {
    const s = await start({
      gmMaxClients: 64,
      gmMaxClientsPerAddress: 0,
      gmMaxUnauthenticated: 0,
      gmMaxUnauthenticatedPerAddress: 0,
    });
    flood = idleFlood(s.gm!.port, 70);
    await eventually(async () =>
      (await gauge(s, 'tether_gm_unauthenticated_connections')) >= 64 ? true : undefined,
    );
    // A real player from another address: handshake, then only the refusal notice.
    const player = await GmRealtimeClient.tcp(s.gm!.port, '127.0.0.2');
    clients.push(player);
    await player.ended;
    expect(player.received).toEqual([{ error: { code: 1013, message: 'server full (64 clients)' } }]);
  });

  it('with the default limits, 1,030 idle sockets from 127.0.0.1 leave every real login from other addresses working', async () => {
    const s = await start({});
    flood = idleFlood(s.gm!.port, 1030);
    // The attacker holds all it is allowed: 8 connections still in the handshake.
    await eventually(async () =>
      (await gauge(s, 'tether_gm_unauthenticated_connections')) >= 8 ? true : undefined,
    );
    const logins = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => gmLogin(s, `127.0.0.${i + 2}`)),
    );
    for (const r of logins) if (r.status === 'fulfilled') clients.push(r.value);
    expect(
      logins.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason)),
    ).toEqual([]);
    expect(flood.opened).toBeGreaterThan(1030);
    // And the authenticated players, with the attacker's share, stay far below the shared limit.
    expect(await gauge(s, 'tether_gm_unauthenticated_connections')).toBeLessThanOrEqual(8);
    // Over a thousand connections opened and refused: slow on a loaded 2-core machine.
  }, 90_000);

  it('attackers filling every unauthenticated slot from a few addresses evict their own connections, not players', async () => {
    const s = await start({ gmMaxUnauthenticated: 16 });
    // Two addresses, 8 handshaking connections each (their per-address share): the pool is full.
    flood = idleFlood(s.gm!.port, 200, '127.0.6.1');
    const second = idleFlood(s.gm!.port, 200, '127.0.6.2');
    try {
      await eventually(async () =>
        (await gauge(s, 'tether_gm_unauthenticated_connections')) >= 16 ? true : undefined,
      );
      for (let batch = 0; batch < 4; batch++) {
        const logins = await Promise.allSettled(
          Array.from({ length: 5 }, (_, i) => gmLogin(s, `127.0.7.${batch * 5 + i + 1}`)),
        );
        for (const r of logins) if (r.status === 'fulfilled') clients.push(r.value);
        expect(logins.filter((r) => r.status === 'rejected')).toEqual([]);
      }
      const families = parsePrometheusText(await (await fetch(`${consoleUrl(s)}/metrics`)).text());
      expect(sampleValue(families, 'tether_gm_refused_total', { code: 'EVICTED' })).toBeGreaterThan(0);
      expect(
        sampleValue(families, 'tether_gm_refused_total', { code: 'UNAUTHENTICATED_LIMIT' }),
      ).toBeGreaterThan(0);
    } finally {
      second.stop();
    }
  }, 30_000);
});

describe('a client that floods while reading', () => {
  const { raws, start } = serverPerTest();

  async function flooder(): Promise<RawSocket> {
    const s = await start();
    const socket = await RawSocket.login(s);
    raws.push(socket);
    return socket;
  }

  it('is closed by the rate limit when it sends a burst far over it (not as a slow consumer)', async () => {
    const a = await flooder();
    for (let i = 1; i <= 5000; i++) a.send({ cid: String(i), ping: {} });
    expect(await a.closed).toEqual({ code: 1008, reason: 'rate limit exceeded' });
    // It was answered until then: pongs, then rate-limit errors with their cids.
    expect(a.received[0]).toEqual({ cid: '1', pong: {} });
    expect(a.received.some((e) => (e.error as { code?: number } | undefined)?.code === 3)).toBe(true);
  });

  it('gets the bare 1009 of the WebSocket layer for a frame far over the envelope limit (docs/protocol.md)', async () => {
    const s = await start({ socketMaxMessageBytes: 1024 });
    const a = await RawSocket.login(s);
    raws.push(a);
    // Over 4 × 1024 + 1024 bytes: cut off while it arrives, no error envelope, no reason.
    a.send({ cid: '1', ping: { pad: 'p'.repeat(10 * 1024) } });
    expect(await a.closed).toEqual({ code: 1009, reason: '' });
    expect(a.received).toEqual([]);
  });

  it('is closed by the rate limit when it floods steadily above it', async () => {
    const a = await flooder();
    let cid = 0;
    // 100 messages every 10 ms (10,000/s against 200/s): a token refills between two batches.
    const timer = setInterval(() => {
      for (let k = 0; k < 100; k++) a.send({ cid: String(++cid), ping: {} });
    }, 10);
    try {
      expect(await a.closed).toEqual({ code: 1008, reason: 'rate limit exceeded' });
    } finally {
      clearInterval(timer);
    }
  });
});

/** A GameMaker client that never authenticates: handshake done, then `bytes` sent as they are. */
async function stranger(server: TestServer, carrier: 'tcp' | 'ws', localAddress: string) {
  return carrier === 'tcp'
    ? GmTestClient.tcp(server.gm!.port, { localAddress })
    : GmTestClient.ws(`ws://127.0.0.1:${server.http.port}/gm`, { localAddress });
}

/** A packet header announcing `length` payload bytes, followed by the first `sent` of them. */
function partialPacket(length: number, sent: number): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt32LE(0xdeadc0de, 0);
  header.writeUInt32LE(12, 4);
  header.writeUInt32LE(length, 8);
  return Buffer.concat([header, Buffer.alloc(sent, 0x20)]);
}

describe('memory before authentication', () => {
  let server: TestServer | undefined;
  const clients: GmTestClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.destroy();
    await server?.stop();
    server = undefined;
  });

  async function start(
    overrides: Partial<TetherConfig>,
    options: Parameters<typeof startTestServer>[1] = {},
  ): Promise<TestServer> {
    server = await startTestServer(overrides, options);
    return server;
  }

  /** 50 strangers (each from its own address, so only the byte limits are at work), handshake done. */
  async function strangers(s: TestServer, carrier: 'tcp' | 'ws'): Promise<GmTestClient[]> {
    const all = await Promise.all(
      Array.from({ length: 50 }, (_, i) => stranger(s, carrier, `127.0.1.${i + 1}`)),
    );
    clients.push(...all);
    return all;
  }

  async function allFreed(s: TestServer): Promise<void> {
    await eventually(async () =>
      (await gauge(s, 'tether_gm_unauthenticated_connections')) === 0 ? true : undefined,
    );
    expect(await gauge(s, 'tether_gm_preauth_bytes')).toBe(0);
  }

  it("refuses a packet announcing GameMaker's 4 MiB before authentication at its header (1009)", async () => {
    const s = await start({});
    const all = await strangers(s, 'tcp');
    for (const c of all) c.sendRaw(partialPacket(4 * 1024 * 1024, 1024));
    for (const c of all) {
      expect(await c.nextJson()).toEqual({
        error: {
          code: 1009,
          message: 'GM_PAYLOAD_TOO_LARGE: packet payload of 4194304 bytes exceeds the limit of 16384',
        },
      });
      await c.closed;
    }
    await allFreed(s);
  });

  it('holds partial packets within the budget only until the authentication deadline, then frees them', async () => {
    const s = await start({ socketAuthTimeoutMs: 2000 });
    const all = await strangers(s, 'tcp');
    for (const c of all) c.sendRaw(partialPacket(16_000, 15_000));
    // Everything they sent is counted (signature 16 + header 12 + 15,000 each), nothing more is held.
    await eventually(async () =>
      (await gauge(s, 'tether_gm_preauth_bytes')) === 50 * 15_028 ? true : undefined,
    );
    for (const c of all) {
      const timeout = (await c.nextJson()) as { error: { code: number; message: string } };
      expect(timeout.error).toMatchObject({
        code: 3,
        message: expect.stringMatching(/^Authentication timeout/),
      });
      expect(await c.nextJson()).toEqual({ error: { code: 1008, message: 'authentication timeout' } });
      await c.closed;
    }
    await allFreed(s);
  });

  it('closes a stranger past the byte budget over TCP (1008 too much data before authentication)', async () => {
    const s = await start({});
    const all = await strangers(s, 'tcp');
    // The largest packet allowed before authentication, one byte short: 16 + 12 + 16,383 > 16,384.
    for (const c of all) c.sendRaw(partialPacket(16_384, 16_383));
    for (const c of all) {
      expect(await c.nextJson()).toEqual({
        error: { code: 1008, message: 'too much data before authentication' },
      });
      await c.closed;
    }
    await allFreed(s);
  });

  it('closes a stranger sending a 1 MiB message on /gm before the WebSocket layer has buffered it (1008)', async () => {
    const capture = captureLogger();
    const s = await start({}, { logger: capture.logger });
    const all = await strangers(s, 'ws');
    for (const c of all) c.sendRaw(partialPacket(1024 * 1024, 1024 * 1024));
    for (const c of all) {
      expect(await c.closed).toEqual({ code: 1008, reason: 'too much data before authentication' });
    }
    await allFreed(s);
    // What each was allowed to send (and the WebSocket layer to hold) before it was stopped: the
    // budget plus at most one socket read, far from the 1 MiB message.
    const counted = capture.lines
      .filter((l) => l.code === 'PRE_AUTH_LIMIT')
      .map((l) => Number(/^(\d+) bytes/.exec(String(l.detail))?.[1]));
    expect(counted).toHaveLength(50);
    for (const bytes of counted) expect(bytes).toBeLessThanOrEqual(16 * 1024 + 64 * 1024);
  });

  it('lifts the small packet limit once the client has authenticated', async () => {
    const s = await start({});
    const gm = await GmRealtimeClient.tcp(s.gm!.port);
    clients.push(gm.gm);
    await gm.authenticate(await GmRealtimeClient.token(s.baseUrl));
    // 40 KiB: over the pre-authentication limit, under the envelope limit.
    const reply = await gm.request('rpc', { id: 'no_such_rpc', payload: 'x'.repeat(40 * 1024) });
    // Answered (function not found), not cut off for its size.
    expect(reply.error).toMatchObject({ code: 6 });
  });
});

describe('per-address limits: what a refused client is told', () => {
  const { raws, start } = serverPerTest();
  const clients: GmTestClient[] = [];
  afterEach(() => {
    for (const c of clients.splice(0)) c.destroy();
  });

  /** Tries a `/ws` upgrade from `localAddress`; the HTTP refusal, or 101. */
  async function upgrade(s: TestServer, token: string, localAddress: string) {
    return RawSocket.open(s, `token=${encodeURIComponent(token)}`, { localAddress }).then(
      (socket) => {
        raws.push(socket);
        return 101;
      },
      (err: Error) => err.message,
    );
  }

  it('/ws: over socketMaxConnectionsPerAddress the upgrade gets 429, other addresses are not affected', async () => {
    const s = await start({ socketMaxConnectionsPerAddress: 2 });
    const { token } = await deviceLogin(s.baseUrl, 'per-address-ws');
    expect(await upgrade(s, token, '127.0.3.1')).toBe(101);
    expect(await upgrade(s, token, '127.0.3.1')).toBe(101);
    expect(await upgrade(s, token, '127.0.3.1')).toBe('HTTP 429');
    expect(await upgrade(s, token, '127.0.3.2')).toBe(101);
    // A closed socket frees its slot.
    raws[0]!.close();
    await raws[0]!.closed;
    await eventually(async () => ((await upgrade(s, token, '127.0.3.1')) === 101 ? true : undefined));
  });

  it('GameMaker: 1013 with the reason, after the handshake over TCP and as the close over /gm', async () => {
    const s = await start({ gmMaxUnauthenticatedPerAddress: 2, gmMaxClientsPerAddress: 3 });
    const port = s.gm!.port;
    const url = `ws://127.0.0.1:${s.http.port}/gm`;
    // Two strangers from 127.0.4.1 hold its unauthenticated share.
    clients.push(await GmTestClient.tcp(port, { localAddress: '127.0.4.1' }));
    clients.push(await GmTestClient.ws(url, { localAddress: '127.0.4.1' }));
    const tcp = await GmTestClient.tcp(port, { localAddress: '127.0.4.1' });
    clients.push(tcp);
    expect(await tcp.nextJson()).toEqual({
      error: { code: 1013, message: 'too many connections authenticating' },
    });
    const ws = await GmTestClient.ws(url, { localAddress: '127.0.4.1', handshake: false });
    clients.push(ws);
    expect(await ws.closed).toEqual({ code: 1013, reason: 'too many connections authenticating' });

    // Authenticated connections count against the address's total only (one after the other here:
    // three authenticating at once would be over the unauthenticated share).
    for (let i = 0; i < 3; i++) clients.push((await gmLogin(s, '127.0.4.2')).gm);
    const fourth = await GmTestClient.tcp(port, { localAddress: '127.0.4.2' });
    clients.push(fourth);
    expect(await fourth.nextJson()).toEqual({
      error: { code: 1013, message: 'too many connections from this address' },
    });
  });
});
