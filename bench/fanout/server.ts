/**
 * One server of the fan-out benchmark per process, so no two servers and no load generator share an
 * event loop: `server.ts <kind>`, a kind of `SERVER_KINDS` (`kinds.ts`).
 *
 * Reports `{ type: 'ready', port }` over IPC, answers `{ type: 'cpu', seq }` with its CPU time so far
 * (`process.cpuUsage`: user + system, and system alone, µs) and exits on `{ type: 'stop' }` or when the driver goes away.
 *
 * Tether is the real server (`startServer`, SQLite in a temporary folder, log level `silent`) with
 * the configuration in `TETHER_LIMITS` (`kinds.ts`); `tether` and `tether-persist` are the same server, the
 * difference is the `persistence` flag the members join with.
 *
 * @packageDocumentation
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tetherPackage } from '../tether-package.ts';
import type { ServerCommand, ServerReport } from './child.ts';
import { startFloor } from './floor.ts';
import { SERVER_KINDS, type ServerKind, TETHER_LIMITS } from './kinds.ts';

interface Started {
  readonly port: number;
  close(): Promise<void>;
}

async function startTether(root?: string): Promise<Started> {
  const data = mkdtempSync(join(tmpdir(), 'tether-fanout-'));
  const pkg = await tetherPackage(root);
  const config = pkg.loadConfig(
    {
      host: '127.0.0.1',
      port: 0,
      gmPort: 0,
      ...pkg.loopback,
      data,
      logLevel: 'silent',
      ...TETHER_LIMITS,
    },
    {},
  );
  const server = await pkg.startServer(config);
  return {
    port: server.http.port,
    close: async () => {
      await server.close('benchmark finished');
      rmSync(data, { recursive: true, force: true });
    },
  };
}

function start(kind: ServerKind): Promise<Started> {
  switch (kind) {
    case 'ws':
      return startFloor(false);
    case 'ws-batched':
      return startFloor(true);
    case 'tether':
    case 'tether-persist':
      return startTether();
    case 'tether-before':
      return startTether(process.argv[3]);
  }
}

async function main(): Promise<void> {
  if (!process.send) throw new Error('run me through fanout/main.ts (needs an IPC channel)');
  const send = (m: ServerReport) => process.send?.(m);
  const kind = process.argv[2] as ServerKind;
  if (!SERVER_KINDS.includes(kind)) throw new Error(`unknown server kind ${kind}`);
  let server: Started;
  try {
    server = await start(kind);
  } catch (err) {
    send({ type: 'error', message: (err as Error).message });
    process.exit(1);
  }
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    // Bounded whatever the server does on close; process.exit also writes a --cpu-prof profile.
    setTimeout(() => process.exit(0), 3000).unref();
    await server.close().catch(() => {});
    process.exit(0);
  };
  process.on('message', (m: ServerCommand) => {
    if (m.type === 'cpu') {
      const { user, system } = process.cpuUsage();
      send({ type: 'cpu', seq: m.seq, cpuUs: user + system, systemUs: system });
    } else if (m.type === 'stop') {
      void stop();
    }
  });
  process.on('disconnect', () => void stop());
  send({ type: 'ready', port: server.port });
}

await main();
