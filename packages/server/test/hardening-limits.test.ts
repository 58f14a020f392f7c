/**
 * Hardening of admission and limits (issue 14, items 1, 2 and 6), each reproduced as an attack
 * first: a flood read as fast as it is answered, one address holding every GameMaker slot, and
 * never-authenticating connections that make the server buffer large partial packets.
 */
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { TetherConfig } from '../src/config/config.ts';
import { consoleUrl, eventually } from './console-helpers.ts';
import { GmRealtimeClient } from './gm-realtime-client.ts';
import { startTestServer, type TestServer } from './helpers.ts';
import { deviceLogin } from './http-client.ts';
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
    const refused = await gmLogin(s, '127.0.0.2').then(
      (c) => {
        clients.push(c);
        return null;
      },
      (err: Error) => err.message,
    );
    expect(refused).toMatch(/server full|connection ended/);
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
