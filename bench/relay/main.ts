/**
 * Relayed matches of 8 players sending at 20 Hz: how many matches one server process carries with
 * p99 latency under 50 ms. Tether (Nakama's envelope: `match_create` / `match_join` /
 * `match_data_send`) beside a plain `ws` relay (with and without writes batched per event-loop turn),
 * Colyseus 0.18 and Socket.IO 4.8, relaying the same traffic in the same run; loopback only, bounded.
 *
 *   npm run relay --prefix bench -- [--servers ws,ws-batched,ws-batched-sized,colyseus,socketio,tether,tether-pb]
 *       [--before <checkout> with tether-before and/or tether-pb-before in --servers]
 *       [--steps 10,25,50,75,100,150,200,300,400,600,800] [--warmup 1] [--window 4] [--drain 2]
 *       [--budget 210] [--p99 50] [--retries 1] [--calm 10] [--json out.json] [--profile <dir>]
 *       [--skip-check] [--server-flags=--no-allocation-site-pretenuring] (Node flags for every server)
 *
 * Processes: each server runs alone in its own child (`server.ts`), and each server has its own load
 * generator child (`load.ts`, raw WebSocket clients with prepared frames); this process only drives
 * them. The steps are interleaved: at each number of matches M every server still in the race is
 * measured in turn (the order rotating per step), so a burst of outside load hits them alike. A step
 * grows the server's clients to M × 8, sends for `--warmup` s, measures `--window` s (delivered
 * messages/s, p50/p99 latency from the stamp in each payload to its receipt, CPU of server and
 * generator), then lets in-flight messages drain. A server leaves the race at its first step with
 * p99 ≥ `--p99` ms, deliveries under 95 % of expected, or a disconnected client (a failed window is
 * measured again up to `--retries` times first, so one burst of outside load does not end a ramp);
 * its maximum is the largest M that passed. Before each window the driver waits (up to `--calm` s)
 * for the machine to be nearly idle, which matters on a machine shared with other work. The run
 * stops ramping after `--budget` s (a step under way finishes) and is killed 90 s after that.
 * Nothing asserts on timing: figures are reported, and Tether's are given as ratios to the others.
 *
 * @packageDocumentation
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { checkInterop } from './check.ts';
import { Child } from './children.ts';
import { cleanupCluster, type NodeOptions, prepareCluster, RedisCpu } from './cluster.ts';
import { SERVER_KINDS, type ServerKind } from './dialects.ts';
import type { FromLoad, ToLoad } from './ipc.ts';
import { machineLoad, sampleMachine, waitForCalm } from './machine.ts';
import {
  type Criteria,
  clusterSummary,
  expectedRate,
  judge,
  LABELS,
  type Lane,
  laneTable,
  progressLine,
  type Row,
  summaryTable,
  versionOf,
} from './report.ts';
import type { ServerIn, ServerOut } from './server.ts';

const { values: args } = parseArgs({
  options: {
    // The two-node Tether needs PostgreSQL and Redis: measured when asked for (--servers tether,tether-cluster).
    servers: {
      type: 'string',
      default: SERVER_KINDS.filter(
        (k) => k !== 'tether-cluster' && k !== 'ws-batched-sized' && !k.endsWith('-before'),
      ).join(','),
    },
    /** Another checkout of Tether (dependencies installed) to run as `tether-before` / `tether-pb-before`. */
    before: { type: 'string' },
    steps: { type: 'string', default: '10,25,50,75,100,150,200,300,400,600,800' },
    warmup: { type: 'string', default: '1' },
    window: { type: 'string', default: '4' },
    drain: { type: 'string', default: '2' },
    budget: { type: 'string', default: '210' },
    p99: { type: 'string', default: '50' },
    json: { type: 'string' },
    profile: { type: 'string' },
    retries: { type: 'string', default: '1' },
    calm: { type: 'string', default: '10' },
    'skip-check': { type: 'boolean', default: false },
    'server-flags': { type: 'string', default: '' },
    /** PostgreSQL and Redis of `tether-cluster` (a schema and a key prefix are made for the run). */
    postgres: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
    redis: { type: 'string', default: 'redis://127.0.0.1:6379' },
    /** `clusterBusFlushMs` of the two nodes (default: the server's default). */
    'bus-flush-ms': { type: 'string' },
  },
});
const kinds = (args.servers as string).split(',').map((s) => s.trim()) as ServerKind[];
for (const k of kinds) if (!SERVER_KINDS.includes(k)) throw new RangeError(`--servers: unknown ${k}`);
const BEFORE_KINDS: readonly ServerKind[] = ['tether-before', 'tether-pb-before'];
if (kinds.some((k) => BEFORE_KINDS.includes(k)) !== (args.before !== undefined)) {
  throw new RangeError('--servers tether-before (or tether-pb-before) and --before <checkout> go together');
}
const steps = (args.steps as string).split(',').map(Number);
if (
  steps.length === 0 ||
  steps.length > 30 ||
  steps.some((s, i) => !Number.isInteger(s) || s < 1 || s > 5000 || (i > 0 && s <= (steps[i - 1] as number)))
) {
  throw new RangeError('--steps: up to 30 increasing integers in 1..5000');
}
const WARM_MS = Number(args.warmup) * 1000;
const WINDOW_MS = Number(args.window) * 1000;
const DRAIN_MS = Number(args.drain) * 1000;
const BUDGET_MS = Number(args.budget) * 1000;
if (!(WARM_MS >= 0 && WARM_MS <= 30_000 && WINDOW_MS >= 500 && WINDOW_MS <= 60_000)) {
  throw new RangeError('--warmup must be in [0, 30] s and --window in [0.5, 60] s');
}
if (!(DRAIN_MS >= 0 && DRAIN_MS <= 30_000 && BUDGET_MS >= 10_000 && BUDGET_MS <= 3_600_000)) {
  throw new RangeError('--drain must be in [0, 30] s and --budget in [10, 3600] s');
}
const RETRIES = Number(args.retries);
if (!Number.isInteger(RETRIES) || RETRIES < 0 || RETRIES > 3) throw new RangeError('--retries must be 0..3');
const CALM_MS = Number(args.calm) * 1000;
if (!(CALM_MS >= 0 && CALM_MS <= 120_000)) throw new RangeError('--calm must be in [0, 120] s');
/** Busy cores (outside the benchmark's idle processes) under which the machine counts as calm. */
const CALM_CORES = 0.3;
const criteria: Criteria = { p99Ms: Number(args.p99), minDelivered: 0.95 };
/** Setting up one step's new matches may take this long. */
const GROW_TIMEOUT_MS = 60_000;

interface Racer {
  readonly lane: Lane;
  /** The server's processes: one, or one per node of a cluster. */
  readonly servers: Child<ServerIn, ServerOut>[];
  readonly load: Child<ToLoad, FromLoad>;
  /** A cluster's Redis, whose CPU time counts as the server's too. */
  readonly redis?: RedisCpu;
  readonly cleanup?: () => Promise<void>;
  running: boolean;
  disconnects: number;
}

const started = performance.now();
const elapsed = () => performance.now() - started;
const log = (line: string) => process.stderr.write(`${line}\n`);
// Hard bound on the whole run, whatever a child does.
setTimeout(() => {
  log('[relay] run exceeded its budget by 90 s; killing every child');
  process.exit(2);
}, BUDGET_MS + 90_000).unref();

/** CPU time so far of the server's processes (summed), and of its Redis separately (µs). */
async function serverCpu(r: Racer): Promise<{
  user: number;
  system: number;
  redis: number;
  frames: number;
  messages: number;
  allocated: number;
  gcUs: number;
  /** Since the previous sample, the worst of any of the server's processes (ms). */
  loopMaxMs: number;
  longestGcMs: number;
  at: number;
}> {
  const each = await Promise.all(
    r.servers.map(async (s) => {
      s.send('cpu');
      return s.next('cpu', 5000);
    }),
  );
  const redis = r.redis ? await r.redis.sample() : undefined;
  return {
    user: each.reduce((sum, c) => sum + c.user, 0),
    system: each.reduce((sum, c) => sum + c.system, 0),
    redis: redis ? redis.user + redis.system : Number.NaN,
    frames: each.reduce((sum, c) => sum + (c.bus?.frames ?? 0), 0),
    messages: each.reduce((sum, c) => sum + (c.bus?.messages ?? 0), 0),
    allocated: each.reduce((sum, c) => sum + c.heap.allocated, 0),
    gcUs: each.reduce((sum, c) => sum + c.heap.gcUs, 0),
    loopMaxMs: Math.max(...each.map((c) => c.loop.maxMs)),
    longestGcMs: Math.max(...each.map((c) => c.heap.longestUs / 1000)),
    at: performance.now(),
  };
}

async function retire(r: Racer, reason: string, censored: boolean): Promise<void> {
  r.running = false;
  r.lane.reason = reason;
  r.lane.censored = censored;
  await Promise.all([r.load.stop({ type: 'stop' }), ...r.servers.map((s) => s.stop('stop'))]);
  r.redis?.close();
  await r.cleanup?.();
}

/** Measures `matches` once (after growing to it); the row is recorded and returned. */
async function measureOnce(r: Racer, matches: number): Promise<Row> {
  const { load } = r;
  if (CALM_MS > 0) {
    const calm = await waitForCalm(CALM_MS, CALM_CORES);
    if (calm.waitedMs > 1000) {
      log(
        `[relay] waited ${(calm.waitedMs / 1000).toFixed(1)} s for outside load to settle (${calm.busyCores.toFixed(1)} cores busy)`,
      );
    }
  }
  const genProfile = args.profile
    ? join(args.profile, `relay-${r.lane.kind}-${matches}-generator.cpuprofile`)
    : undefined;
  load.send({
    type: 'measure',
    warmMs: WARM_MS,
    windowMs: WINDOW_MS,
    drainMs: DRAIN_MS,
    profile: genProfile,
  });
  await load.next('window-start', WARM_MS + 10_000);
  const m0 = sampleMachine();
  const c0 = await serverCpu(r);
  if (args.profile) for (const s of r.servers) s.send({ type: 'profile-start' });
  await load.next('window-end', WINDOW_MS + 10_000);
  const m1 = sampleMachine();
  const c1 = await serverCpu(r);
  if (args.profile) {
    for (const [i, s] of r.servers.entries()) {
      const name = r.servers.length > 1 ? `${r.lane.kind}-node${i + 1}` : r.lane.kind;
      s.send({ type: 'profile-stop', file: join(args.profile, `relay-${name}-${matches}.cpuprofile`) });
      await s.next('profiled', 30_000);
    }
  }
  const { result } = await load.next('result', DRAIN_MS + 10_000);
  const wallUs = (c1.at - c0.at) * 1000;
  const cpu = {
    total: (c1.user + c1.system - c0.user - c0.system) / wallUs,
    system: (c1.system - c0.system) / wallUs,
    redis: (c1.redis - c0.redis) / wallUs,
    allocRate: ((c1.allocated - c0.allocated) * 1e6) / wallUs,
    gcShare: (c1.gcUs - c0.gcUs) / (c1.user + c1.system - c0.user - c0.system),
    // The sample at the window's start reset both: these are the window's.
    loopMaxMs: c1.loopMaxMs,
    longestGcMs: c1.longestGcMs,
  };
  const frames = c1.frames - c0.frames;
  const bus =
    frames > 0
      ? `bus ${Math.round((frames * 1000) / (c1.at - c0.at))} frames/s, ${((c1.messages - c0.messages) / frames).toFixed(1)} messages/frame`
      : undefined;
  const row = judge(matches, result, cpu, machineLoad(m0, m1), r.disconnects, criteria, bus);
  r.disconnects = result.disconnects;
  r.lane.rows.push(row);
  log(progressLine(r.lane.kind, row));
  return row;
}

/**
 * One step: grow to `matches`, measure; a failed measurement is repeated up to `--retries` times
 * (a burst of outside load should not end a ramp), unless clients disconnected.
 */
async function runStep(r: Racer, matches: number): Promise<void> {
  const { lane, load } = r;
  load.send({ type: 'grow', matches, timeoutMs: GROW_TIMEOUT_MS });
  await load.next('grown', GROW_TIMEOUT_MS + 10_000);
  let row = await measureOnce(r, matches);
  for (let i = 0; i < RETRIES && !row.pass && !row.note.includes('disconnected'); i++) {
    row = await measureOnce(r, matches);
  }
  if (row.pass) lane.max = matches;
  else await retire(r, `failed at ${matches} matches (${row.note})`, false);
}

const SERVER_SCRIPT = new URL('./server.ts', import.meta.url);
/** Node flags for every server process (`--server-flags`, given with `=`). */
const SERVER_FLAGS = args['server-flags'].split(/\s+/).filter(Boolean);

async function startRacer(kind: ServerKind, runId: string): Promise<Racer> {
  if (kind === 'tether-cluster') return startClusterRacer(runId);
  const server = new Child<ServerIn, ServerOut>(
    `server ${kind}`,
    SERVER_SCRIPT,
    BEFORE_KINDS.includes(kind) ? [kind, args.before as string] : [kind],
    SERVER_FLAGS,
  );
  const { port } = await server.next('ready', 60_000);
  let interop = 'not run (--skip-check)';
  if (!args['skip-check']) interop = await checkInterop(kind, port);
  log(`[relay] ${kind} listening on ${port} (pid ${server.pid}); interop: ${interop}`);
  const load = new Child<ToLoad, FromLoad>(`load ${kind}`, new URL('./load.ts', import.meta.url), []);
  load.send({ type: 'init', kind, host: '127.0.0.1', port, runId });
  const lane: Lane = { kind, rows: [], max: 0, censored: false, reason: '' };
  const r: Racer = { lane, servers: [server], load, running: true, disconnects: 0 };
  if (interop.startsWith('FAILED')) await retire(r, `interop check ${interop}`, false);
  return r;
}

/** Two Tether nodes in cluster mode, one process each, on a schema and a Redis prefix of this run. */
async function startClusterRacer(runId: string): Promise<Racer> {
  const kind = 'tether-cluster';
  const setup = await prepareCluster(args.postgres as string, args.redis as string);
  const servers: Child<ServerIn, ServerOut>[] = [];
  const ports: number[] = [];
  for (const node of ['bench-a', 'bench-b']) {
    const flush = args['bus-flush-ms'];
    const options: NodeOptions = {
      ...setup,
      node,
      ...(flush === undefined ? {} : { busFlushMs: Number(flush) }),
    };
    const server = new Child<ServerIn, ServerOut>(
      `server ${kind} ${node}`,
      SERVER_SCRIPT,
      ['tether-node', JSON.stringify(options)],
      SERVER_FLAGS,
    );
    servers.push(server);
    ports.push((await server.next('ready', 60_000)).port);
  }
  log(
    `[relay] ${kind} nodes listening on ${ports.join(', ')} (Redis ${setup.redis}, prefix ${setup.prefix})`,
  );
  const load = new Child<ToLoad, FromLoad>(`load ${kind}`, new URL('./load.ts', import.meta.url), []);
  load.send({ type: 'init', kind, host: '127.0.0.1', port: ports[0] as number, ports, runId });
  const lane: Lane = { kind, rows: [], max: 0, censored: false, reason: '' };
  return {
    lane,
    servers,
    load,
    redis: new RedisCpu(setup.redis),
    cleanup: () => cleanupCluster(setup),
    running: true,
    disconnects: 0,
  };
}

async function main(): Promise<void> {
  const runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  const load0 = loadavg();
  log(
    `[relay] ${kinds.join(', ')}; steps ${steps.join(', ')} matches; warm-up ${WARM_MS} ms, window ${WINDOW_MS} ms; budget ${BUDGET_MS / 1000} s`,
  );
  const racers: Racer[] = [];
  for (const kind of kinds) racers.push(await startRacer(kind, runId));

  for (const [si, matches] of steps.entries()) {
    const active = racers.filter((r) => r.running);
    if (active.length === 0) break;
    const order = active.map((_, i) => active[(i + si) % active.length] as Racer);
    for (const r of order) {
      if (elapsed() > BUDGET_MS) {
        await retire(r, `time budget (${BUDGET_MS / 1000} s) used before ${matches} matches`, true);
        continue;
      }
      try {
        await runStep(r, matches);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        r.lane.rows.push({
          matches,
          clients: 0,
          expected: expectedRate(matches),
          delivered: Number.NaN,
          p50: Number.NaN,
          p99: Number.NaN,
          serverCpu: Number.NaN,
          serverSys: Number.NaN,
          redisCpu: Number.NaN,
          allocPerMsg: Number.NaN,
          gcShare: Number.NaN,
          serverLoopMaxMs: Number.NaN,
          longestGcMs: Number.NaN,
          outsideCores: Number.NaN,
          pressure: Number.NaN,
          result: null,
          pass: false,
          note: `error: ${message}`,
        });
        log(`[relay] ${r.lane.kind} M=${matches}: error: ${message}`);
        await retire(r, `error at ${matches} matches: ${message}`, false);
      }
    }
  }
  for (const r of racers)
    if (r.running) await retire(r, `passed every step up to ${steps.at(-1)} matches`, true);

  const lanes = racers.map((r) => r.lane);
  const meta = {
    node: process.version,
    cpus: `${cpus().length} × ${cpus()[0]?.model ?? '?'}`,
    loadavgStart: load0.map((l) => l.toFixed(2)).join(' '),
    loadavgEnd: loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
    seconds: Math.round(elapsed() / 1000),
    versions: Object.fromEntries(
      [
        'ws',
        'socket.io',
        'socket.io-client',
        '@colyseus/core',
        '@colyseus/ws-transport',
        '@colyseus/sdk',
      ].map((p) => [p, versionOf(p)]),
    ),
  };
  const out = [
    `## Relay: matches of 8 clients at 20 Hz, p99 < ${criteria.p99Ms} ms\n`,
    `Node ${meta.node}, ${meta.cpus}; load average ${meta.loadavgStart} at start, ${meta.loadavgEnd} at end; ${meta.seconds} s.`,
    `Versions: ${Object.entries(meta.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}.`,
    `Warm-up ${WARM_MS / 1000} s, window ${WINDOW_MS / 1000} s per step; payload 48 bytes; expected = matches × 8 × 7 × 20 msg/s.\n`,
    summaryTable(lanes, criteria),
    clusterSummary(lanes, criteria),
    ...lanes.map((l) => laneTable(l, criteria)),
  ].join('\n');
  process.stdout.write(`${out}\n`);
  if (args.json) writeFileSync(args.json, `${JSON.stringify({ meta, criteria, lanes }, null, 2)}\n`);
  const labels = lanes.map((l) => `${LABELS[l.kind]} ${l.censored ? '≥' : ''}${l.max}`).join(', ');
  log(`[relay] done in ${meta.seconds} s: ${labels}`);
}

await main();
process.exit(0);
