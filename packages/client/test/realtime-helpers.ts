/**
 * Helpers for the realtime SDK tests: a real Tether server (the server package's own test helper),
 * awaiting events from a socket's queue, and a TCP proxy that can freeze (a silent network: nothing
 * goes through, nothing closes) or cut (every connection reset) the path to the server.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TetherConfig } from '../../server/src/config/config.ts';
import { startTestServer, type TestServer } from '../../server/test/helpers.ts';
import {
  createRealtimeSocket,
  type RealtimeEvent,
  type RealtimeEventOf,
  type RealtimeEventType,
  type RealtimeSocket,
  type RealtimeSocketOptions,
  type Session,
  TetherClient,
} from '../src/node.ts';
import { withTimeout } from './helpers.ts';

export { startTestServer, type TestServer };

/**
 * A server whose data folder outlives it, so the test can stop it and start a new one on the same
 * data and the same ports (a restart).
 */
export class RestartableServer {
  readonly dataDir = mkdtempSync(join(tmpdir(), 'tether-client-test-'));
  server!: TestServer;
  readonly #overrides: Partial<TetherConfig>;

  constructor(overrides: Partial<TetherConfig> = {}) {
    this.#overrides = overrides;
  }

  async start(): Promise<TestServer> {
    const ports = this.server ? { port: this.server.http.port, gmPort: this.server.gm?.port ?? 0 } : {};
    this.server = await startTestServer({ ...this.#overrides, ...ports, data: this.dataDir });
    return this.server;
  }

  async stop(): Promise<void> {
    await this.server?.close('server restarting');
  }

  async dispose(): Promise<void> {
    await this.server?.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** A client for a test server. */
export function clientFor(server: TestServer, timeoutMs = 5000): TetherClient {
  return new TetherClient({ host: '127.0.0.1', port: server.http.port, timeoutMs });
}

/** Unique device ids per test run (10–128 bytes). */
export function deviceId(label: string): string {
  return `${label}-${Math.random().toString(36).slice(2, 12)}-device`;
}

/** Fast test defaults: short heartbeat and backoff, so failures show up in seconds. */
export const FAST: RealtimeSocketOptions = {
  heartbeat: { intervalMs: 500, timeoutMs: 1000 },
  reconnect: { initialDelayMs: 50, maxDelayMs: 400, maxAttempts: 40 },
  requestTimeoutMs: 3000,
  connectTimeoutMs: 2000,
};

/** Logs a device in and opens a connected realtime socket. */
export async function connectedPlayer(
  server: TestServer,
  label: string,
  options: RealtimeSocketOptions = {},
): Promise<{ client: TetherClient; session: Session; socket: RealtimeSocket }> {
  const client = clientFor(server);
  const session = await client.authenticateDevice(deviceId(label), {
    username: `${label}${Date.now() % 1e6}`,
  });
  const socket = createRealtimeSocket(client, session, { ...FAST, ...options });
  await socket.connect();
  if (options.queueEvents === false) return { client, session, socket };
  const first = await nextEvent(socket);
  if (first.type !== 'connected') throw new Error(`expected connected, got ${first.type}`);
  return { client, session, socket };
}

/** Waits for the next queued event and removes it. */
export async function nextEvent(socket: RealtimeSocket, timeoutMs = 5000): Promise<RealtimeEvent> {
  await withTimeout(socket.waitForEvent(), timeoutMs, 'a realtime event');
  const event = socket.pollOne();
  if (!event) throw new Error('waitForEvent resolved but the queue was empty');
  return event;
}

/**
 * Takes events until one of `type` (matching `where`) arrives and returns it; the others are returned
 * in `skipped`, so a test can assert on what came before.
 */
export async function until<T extends RealtimeEventType>(
  socket: RealtimeSocket,
  type: T,
  where: (event: RealtimeEventOf<T>) => boolean = () => true,
  timeoutMs = 8000,
): Promise<RealtimeEventOf<T> & { skipped: RealtimeEvent[] }> {
  const skipped: RealtimeEvent[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`no ${type} event within ${timeoutMs} ms; saw ${describe(skipped)}`);
    const event = await nextEvent(socket, left).catch((err: Error) => {
      throw new Error(`${err.message}; waiting for ${type}, saw ${describe(skipped)}`);
    });
    if (event.type === type && where(event as RealtimeEventOf<T>)) {
      return Object.assign(event as RealtimeEventOf<T>, { skipped });
    }
    skipped.push(event);
  }
}

function describe(events: RealtimeEvent[]): string {
  return `[${events.map((e) => (e.type === 'disconnected' ? `disconnected(${e.code} ${e.reason})` : e.type)).join(', ')}]`;
}

/**
 * A TCP proxy on 127.0.0.1: `freeze()` stops forwarding bytes without closing anything (what a dead
 * Wi-Fi or a NAT timeout looks like), `cut()` resets every connection, `restore()` forwards again.
 */
export class TcpProxy {
  readonly #server: Server;
  readonly #target: number;
  readonly #pairs = new Set<[Socket, Socket]>();
  #frozen = false;

  private constructor(server: Server, target: number) {
    this.#server = server;
    this.#target = target;
  }

  static async start(targetPort: number): Promise<TcpProxy> {
    const server = createServer();
    const proxy = new TcpProxy(server, targetPort);
    server.on('connection', (client) => proxy.#accept(client));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.#server.address() as { port: number }).port;
  }

  freeze(): void {
    this.#frozen = true;
  }

  cut(): void {
    for (const [a, b] of this.#pairs) {
      a.resetAndDestroy();
      b.resetAndDestroy();
    }
    this.#pairs.clear();
  }

  restore(): void {
    this.#frozen = false;
    // Frozen connections stay dead (their bytes were dropped); new ones flow again.
    this.cut();
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: Socket): void {
    const upstream = tcpConnect(this.#target, '127.0.0.1');
    const pair: [Socket, Socket] = [client, upstream];
    this.#pairs.add(pair);
    const pipe = (from: Socket, to: Socket) =>
      from.on('data', (chunk) => {
        if (!this.#frozen) to.write(chunk);
      });
    pipe(client, upstream);
    pipe(upstream, client);
    const end = () => {
      this.#pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  }
}
