/**
 * The server side of the idle-sockets benchmark, one per process: `server.ts ws` (the reference, a
 * bare `ws` `WebSocketServer` that accepts every upgrade and holds the socket), `server.ts ws-ping`
 * (the same, pinging every socket every so many ms, the next argument) or `server.ts tether`
 * (the real server: `startServer`, SQLite in a temporary folder or in the folder given as the next
 * argument, which it leaves in place; log level `warn`, default limits, then the settings of the
 * JSON object given as the argument after that, e.g. `{"socketPingPeriodMs":120000}`).
 * Run with `--expose-gc`.
 *
 * IPC: reports `{ type: 'ready', port }`; answers `{ type: 'mem' }` with the memory after two full
 * collections, `{ type: 'snapshot', file }` by writing a heap snapshot, `{ type: 'cpu' }` with its CPU time so far (µs), and exits on `{ type: 'stop' }` or
 * when the driver goes away.
 *
 * @packageDocumentation
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { loadConfig, startServer } from '@tether/server';
import { pino } from 'pino';
import { WebSocketServer } from 'ws';

/** Messages the driver sends a server. */
export type ToServer =
  | { type: 'mem' }
  | { type: 'cpu' }
  | { type: 'stop' }
  | { type: 'snapshot'; file: string };
/** Memory of the server process (bytes), after collecting garbage. */
export interface Memory {
  readonly rss: number;
  readonly heapUsed: number;
  /** Memory outside the V8 heap held by JavaScript objects (buffers included). */
  readonly external: number;
}
/** Messages a server sends the driver. */
export type FromServer =
  | { type: 'ready'; port: number }
  | ({ type: 'mem' } & Memory)
  | { type: 'cpu'; us: number }
  | { type: 'snapshot' }
  | { type: 'error'; message: string };

interface Started {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * The bare `ws` reference. With `pingPeriodMs` > 0 it also pings every socket that often, the way
 * `ws`'s own documentation shows (one interval over all clients; a socket that did not answer the
 * previous ping is terminated): the floor of what a protocol ping costs a server.
 */
function startWs(pingPeriodMs = 0): Promise<Started> {
  const http = createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
  const alive = new WeakSet<object>();
  const markAlive = function (this: object) {
    alive.add(this);
  };
  wss.on('connection', (ws) => {
    ws.on('error', () => ws.terminate());
    if (pingPeriodMs > 0) {
      alive.add(ws);
      ws.on('pong', markAlive);
    }
  });
  if (pingPeriodMs > 0)
    setInterval(() => {
      for (const ws of wss.clients) {
        if (!alive.has(ws)) {
          ws.terminate();
          continue;
        }
        alive.delete(ws);
        ws.ping();
      }
    }, pingPeriodMs).unref();
  return new Promise((resolve) => {
    http.listen(0, '127.0.0.1', () =>
      resolve({
        port: (http.address() as AddressInfo).port,
        close: () =>
          new Promise((done) => {
            for (const c of wss.clients) c.terminate();
            wss.close();
            http.close(() => done());
          }),
      }),
    );
  });
}

async function startTether(
  dataDir: string | undefined,
  overrides: Record<string, unknown>,
): Promise<Started> {
  const data = dataDir ?? mkdtempSync(join(tmpdir(), 'tether-idle-sockets-'));
  const config = loadConfig(
    // Every socket comes from 127.0.0.1: no per-address limit on /ws.
    {
      host: '127.0.0.1',
      port: 0,
      gmPort: 0,
      consolePort: 0,
      data,
      logLevel: 'warn',
      socketMaxConnectionsPerAddress: 0,
      ...overrides,
    },
    {},
  );
  const server = await startServer(config, { logger: pino({ level: 'warn' }, pino.destination(2)) });
  return {
    port: server.http.port,
    close: async () => {
      await server.close('benchmark finished');
      if (dataDir === undefined) rmSync(data, { recursive: true, force: true });
    },
  };
}

async function main(): Promise<void> {
  const send = (m: FromServer) => process.send?.(m);
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!process.send || !gc) throw new Error('run me through idle-sockets/main.ts (IPC, --expose-gc)');
  const kind = process.argv[2];
  if (kind !== 'ws' && kind !== 'ws-ping' && kind !== 'tether')
    throw new Error(`unknown server kind ${kind}`);
  const overrides = JSON.parse(process.argv[4] ?? '{}') as Record<string, unknown>;
  const server = await (kind === 'tether'
    ? startTether(process.argv[3], overrides)
    : startWs(kind === 'ws-ping' ? Number(process.argv[3]) : 0));
  process.on('message', (m: ToServer) => {
    if (m.type === 'mem') {
      gc();
      gc();
      const u = process.memoryUsage();
      send({ type: 'mem', rss: u.rss, heapUsed: u.heapUsed, external: u.external });
    } else if (m.type === 'cpu') {
      const { user, system } = process.cpuUsage();
      send({ type: 'cpu', us: user + system });
    } else if (m.type === 'snapshot') {
      writeHeapSnapshot(m.file);
      send({ type: 'snapshot' });
    } else if (m.type === 'stop') {
      setTimeout(() => process.exit(0), 5000).unref();
      void server.close().finally(() => process.exit(0));
    }
  });
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', port: server.port });
}

await main();
