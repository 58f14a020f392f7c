/**
 * The server side of the idle-sockets benchmark, one per process: `server.ts ws` (the reference, a
 * bare `ws` `WebSocketServer` that accepts every upgrade and holds the socket) or `server.ts tether`
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

function startWs(): Promise<Started> {
  const http = createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
  wss.on('connection', (ws) => ws.on('error', () => ws.terminate()));
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
  if (kind !== 'ws' && kind !== 'tether') throw new Error(`unknown server kind ${kind}`);
  const overrides = JSON.parse(process.argv[4] ?? '{}') as Record<string, unknown>;
  const server = await (kind === 'ws' ? startWs() : startTether(process.argv[3], overrides));
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
