/**
 * The server side of the relay benchmark, one server per process so that no two servers and no
 * load generator share an event loop: `server.ts <kind>` with a kind of {@link SERVER_KINDS}.
 *
 * Reports `{ type: 'ready', port }` over IPC, answers `'cpu'` with `{ type: 'cpu', user, system, heap, loop }` (CPU
 * time so far, µs; heap bytes allocated and GC time so far, `heap.ts`) and exits on `'stop'` or when the parent goes away. With `--profile`, the driver sends
 * `{ type: 'profile-start' }` and `{ type: 'profile-stop', file }` around each measured window, and
 * this process writes a V8 CPU profile of just that window (inspector `Profiler`, 1 ms sampling),
 * answering `{ type: 'profiled' }`. `server.ts tether-before <checkout>` is Tether from another
 * checkout (`--before`). `server.ts tether-node <options JSON>` is one node of the
 * two-node Tether (see `cluster.ts`). Tether is the real server
 * (`startServer`, SQLite in a temporary folder, default limits), with warnings logged to stderr so
 * that a slow-consumer close or a rate limit would explain a broken step.
 *
 * @packageDocumentation
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { loadConfig, startServer } from '@tether/server';
import { pino } from 'pino';
import { tetherPackage } from '../tether-package.ts';
import type { NodeOptions } from './cluster.ts';
import { SERVER_KINDS, type ServerKind } from './dialects.ts';
import { HeapCounter, type HeapSample } from './heap.ts';
import { WindowProfiler } from './profiler.ts';
import { type StartedRelay, startColyseus, startSocketIo, startWsRelay } from './relays.ts';

async function startTether(root?: string): Promise<StartedRelay> {
  const data = mkdtempSync(join(tmpdir(), 'tether-relay-bench-'));
  // Loopback settings (free console port, no per-address limit: every client runs from 127.0.0.1).
  const pkg = await tetherPackage(root);
  const config = pkg.loadConfig(
    {
      host: '127.0.0.1',
      port: 0,
      gmPort: 0,
      ...pkg.loopback,
      data,
      logLevel: 'warn',
    },
    {},
  );
  const server = await pkg.startServer(config, { logger: pino({ level: 'warn' }, pino.destination(2)) });
  return {
    port: server.http.port,
    close: async () => {
      await server.close('benchmark finished');
      rmSync(data, { recursive: true, force: true });
    },
  };
}

/**
 * One node of the two-node Tether (`tether-cluster`): PostgreSQL and Redis shared with the other
 * node, default limits otherwise (but none per address: every client runs from 127.0.0.1).
 */
async function startTetherNode(o: NodeOptions): Promise<StartedRelay> {
  const config = loadConfig(
    {
      host: '127.0.0.1',
      port: 0,
      gmPort: 0,
      consolePort: 0,
      logLevel: 'warn',
      node: o.node,
      database: o.postgres,
      databaseSchema: o.schema,
      cluster: o.redis,
      clusterPrefix: o.prefix,
      socketMaxConnectionsPerAddress: 0,
      ...(o.busFlushMs === undefined ? {} : { clusterBusFlushMs: o.busFlushMs }),
    },
    {},
  );
  const server = await startServer(config, { logger: pino({ level: 'warn' }, pino.destination(2)) });
  return {
    port: server.http.port,
    close: () => server.close('benchmark finished'),
    bus: () => {
      const stats = server.cluster!.health().bus;
      return { frames: stats.framesOut, messages: stats.messagesOut };
    },
  };
}

function start(kind: ServerKind | 'tether-node'): Promise<StartedRelay> {
  switch (kind) {
    case 'tether-node':
      return startTetherNode(JSON.parse(process.argv[3] ?? '{}') as NodeOptions);
    case 'tether-cluster':
      throw new Error('tether-cluster runs as two tether-node processes');
    case 'ws':
      return startWsRelay(false);
    case 'ws-batched':
    case 'ws-batched-sized':
      return startWsRelay(true);
    case 'colyseus':
      return startColyseus();
    case 'socketio':
      return startSocketIo();
    case 'tether':
    case 'tether-pb':
      return startTether();
    case 'tether-before':
    case 'tether-pb-before':
      return startTether(process.argv[3]);
  }
}

/** Messages the driver sends a server process. */
export type ServerIn = 'cpu' | 'stop' | { type: 'profile-start' } | { type: 'profile-stop'; file: string };
/** Messages a server process sends the driver. */
export type ServerOut =
  | { type: 'ready'; port: number }
  | {
      type: 'cpu';
      user: number;
      system: number;
      /** Heap allocation and GC so far (see `heap.ts`). */
      heap: HeapSample;
      /** The main thread's event-loop delay since the previous `cpu` answer (ms; 10 ms resolution). */
      loop: { p99Ms: number; maxMs: number };
      bus?: { frames: number; messages: number };
    }
  | { type: 'profiled' }
  | { type: 'error'; message: string };

async function main(): Promise<void> {
  if (!process.send) throw new Error('run me through relay/main.ts (needs an IPC channel)');
  const send = process.send.bind(process) as (m: ServerOut) => void;
  const kind = process.argv[2] as ServerKind | 'tether-node';
  if (kind !== 'tether-node' && !SERVER_KINDS.includes(kind)) throw new Error(`unknown server kind ${kind}`);
  const relay = await start(kind);
  const heap = new HeapCounter();
  // How late a 10 ms timer ran: a stall of the server's own thread, told apart from the generator's.
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
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
      const bus = relay.bus?.();
      const h = heap.sample();
      const loop = { p99Ms: loopDelay.percentile(99) / 1e6, maxMs: loopDelay.max / 1e6 };
      loopDelay.reset();
      send(
        bus
          ? { type: 'cpu', user, system, heap: h, loop, bus }
          : { type: 'cpu', user, system, heap: h, loop },
      );
    } else if (m === 'stop') {
      void stop();
    }
  });
  process.on('disconnect', () => void stop());
  send({ type: 'ready', port: relay.port });
}

await main();
