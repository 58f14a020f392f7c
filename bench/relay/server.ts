/**
 * The server side of the relay benchmark, one server per process so that no two servers and no
 * load generator share an event loop: `server.ts <kind>` with a kind of {@link SERVER_KINDS}.
 *
 * Reports `{ type: 'ready', port }` over IPC, answers `'cpu'` with `{ type: 'cpu', user, system }` (CPU
 * time so far, µs) and exits on `'stop'` or when the parent goes away. With `--profile`, the driver sends
 * `{ type: 'profile-start' }` and `{ type: 'profile-stop', file }` around each measured window, and
 * this process writes a V8 CPU profile of just that window (inspector `Profiler`, 1 ms sampling),
 * answering `{ type: 'profiled' }`. Tether is the real server
 * (`startServer`, SQLite in a temporary folder, default limits), with warnings logged to stderr so
 * that a slow-consumer close or a rate limit would explain a broken step.
 *
 * @packageDocumentation
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, startServer } from '@tether/server';
import { pino } from 'pino';
import { SERVER_KINDS, type ServerKind } from './dialects.ts';
import { WindowProfiler } from './profiler.ts';
import { type StartedRelay, startColyseus, startSocketIo, startWsRelay } from './relays.ts';

async function startTether(): Promise<StartedRelay> {
  const data = mkdtempSync(join(tmpdir(), 'tether-relay-bench-'));
  const config = loadConfig(
    { host: '127.0.0.1', port: 0, gmPort: 0, consolePort: 0, data, logLevel: 'warn' },
    {},
  );
  const server = await startServer(config, { logger: pino({ level: 'warn' }, pino.destination(2)) });
  return {
    port: server.http.port,
    close: async () => {
      await server.close('benchmark finished');
      rmSync(data, { recursive: true, force: true });
    },
  };
}

function start(kind: ServerKind): Promise<StartedRelay> {
  switch (kind) {
    case 'ws':
      return startWsRelay(false);
    case 'ws-batched':
      return startWsRelay(true);
    case 'colyseus':
      return startColyseus();
    case 'socketio':
      return startSocketIo();
    case 'tether':
      return startTether();
  }
}

/** Messages the driver sends a server process. */
export type ServerIn = 'cpu' | 'stop' | { type: 'profile-start' } | { type: 'profile-stop'; file: string };
/** Messages a server process sends the driver. */
export type ServerOut =
  | { type: 'ready'; port: number }
  | { type: 'cpu'; user: number; system: number }
  | { type: 'profiled' }
  | { type: 'error'; message: string };

async function main(): Promise<void> {
  if (!process.send) throw new Error('run me through relay/main.ts (needs an IPC channel)');
  const send = process.send.bind(process) as (m: ServerOut) => void;
  const kind = process.argv[2] as ServerKind;
  if (!SERVER_KINDS.includes(kind)) throw new Error(`unknown server kind ${kind}`);
  const relay = await start(kind);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    // Bounded: whatever the server does on close, exit within 3 s. process.exit (not a natural
    // exit) so that a --cpu-prof profile is written without waiting for sockets to drain.
    setTimeout(() => process.exit(0), 3000).unref();
    await relay.close().catch(() => {});
    process.exit(0);
  };
  const profiler = new WindowProfiler();
  const fail = (err: unknown) =>
    send({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  process.on('message', (m: ServerIn) => {
    if (typeof m === 'object' && m.type === 'profile-start') {
      profiler.start().catch(fail);
    } else if (typeof m === 'object' && m.type === 'profile-stop') {
      profiler.stop(m.file).then(() => send({ type: 'profiled' }), fail);
    } else if (m === 'cpu') {
      const { user, system } = process.cpuUsage();
      send({ type: 'cpu', user, system });
    } else if (m === 'stop') {
      void stop();
    }
  });
  process.on('disconnect', () => void stop());
  send({ type: 'ready', port: relay.port });
}

await main();
