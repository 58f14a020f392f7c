/**
 * Idle sockets: how many authenticated WebSockets one server process holds, at what memory per
 * socket, how fast they open, and what holding them idle costs in CPU, against a bare `ws` server
 * holding the same number of sockets in the same run.
 *
 *   npm run idle-sockets --prefix bench -- [--sockets 19500] [--generators 2] [--concurrency 64]
 *     [--idle 20] [--rounds 1] [--servers ws,tether,tether-rare] [--variant name:key=value,...]
 *     [--json out.json]
 *
 * Servers: `ws` (bare), `ws-ping` (bare, pinging every socket every 15 s the way `ws`'s documentation
 * shows: the floor of a protocol ping's cost), `tether` (default settings) and `tether-<variant>`, Tether with a variant's
 * settings: built in are `rare` (`socketPingPeriodMs` 120000, `socketPongWaitMs` 150000: pings for
 * servers holding many idle sockets, dead peers still found by the kernel's TCP keepalive at 15 s)
 * and `rare-noka` (the same without keepalive, `socketKeepAliveMs` 0: the kernel's probe cost is the
 * difference); `--variant fast:socketPingPeriodMs=5000,socketPongWaitMs=8000` adds one (repeatable).
 *
 * Per round, each server in turn (the order alternates between rounds): start it alone in its own
 * process (`server.ts`, run with `--expose-gc`); for Tether, the generators first authenticate one
 * device account per socket over HTTP against another Tether process on the same SQLite file, which
 * then stops, so the measured process starts clean (not timed as opening); read the server's memory after two full
 * collections; open every socket (`--generators` client processes, `--concurrency` upgrades in
 * flight each, each socket from its own 127.x source address) and time it from the first upgrade
 * request to the last 101; wait 2 s, read the memory again; then measure the server's CPU while
 * every socket sits idle for `--idle` seconds rounded up to whole ping periods (the
 * clients send nothing but the pongs that answer the server's own pings: Tether pings every socket
 * every 15 s by default, the bare `ws` server never), check that every socket is still open, close
 * them and stop the server. Reported for that window: the server's CPU (% of a core, and µs per
 * socket per second), the pings the clients received (per second, and the server's CPU per ping),
 * and the whole machine's busy cores from `/proc/stat` (user, nice, system, irq, softirq, steal of
 * every core: the kernel's keepalive probes and loopback traffic are in it, so are the generators
 * and anything else running; nothing subtracted), and of those the softirq cores alone.
 *
 * `--compiled` runs the servers on Tether's compiled packages (`dist/`, made by `npm run build` at
 * the root), as installed from npm; by default they run the TypeScript sources through tsx, whose
 * esbuild transform keeps function names (`keepNames`) by giving every named arrow function its
 * own property table: about 250 bytes more for each such closure a socket holds.
 *
 * Memory per socket is the growth of the process's RSS (and, separately, of V8 heap + external
 * memory) over the number of sockets; kernel socket buffers are not in either. `--heap-snapshots <dir>`
 * writes a heap snapshot of each server before and after opening (outside the timed parts), to see
 * what a socket costs by object type.
 *
 * @packageDocumentation
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Child } from '../relay/children.ts';
import { machineLoad, sampleMachine } from '../relay/machine.ts';
import type { FromGenerator, ToGenerator } from './generator.ts';
import type { FromServer, Memory, ToServer } from './server.ts';

const { values: args } = parseArgs({
  options: {
    sockets: { type: 'string', default: '19500' },
    generators: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '64' },
    idle: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '1' },
    servers: { type: 'string', default: 'ws,tether,tether-rare' },
    /** `name:key=value,key=value`: Tether with these settings, run as server `tether-<name>`. */
    variant: { type: 'string', multiple: true, default: [] },
    json: { type: 'string' },
    /** Runs Tether from its compiled packages (`npm run build` first) instead of its TypeScript sources. */
    compiled: { type: 'boolean', default: false },
    /** Writes a `--cpu-prof` profile of each measured server process (opening and idling) to this folder. */
    profile: { type: 'string' },
    /** Writes heap snapshots of each server before and after opening (`<dir>/<kind>-<round>-{empty,full}.heapsnapshot`). */
    'heap-snapshots': { type: 'string' },
  },
});
const SOCKETS = Number(args.sockets);
const GENERATORS = Number(args.generators);
const CONCURRENCY = Number(args.concurrency);
const IDLE_MS = Number(args.idle) * 1000;
const ROUNDS = Number(args.rounds);
/** Settings of each Tether variant, by server name. */
const VARIANTS = new Map<string, Record<string, string | number>>([
  ['tether', {}],
  ['tether-rare', { socketPingPeriodMs: 120_000, socketPongWaitMs: 150_000 }],
  ['tether-rare-noka', { socketPingPeriodMs: 120_000, socketPongWaitMs: 150_000, socketKeepAliveMs: 0 }],
]);
for (const v of args.variant as string[]) {
  const m = /^([a-z0-9-]+):(.+)$/.exec(v);
  if (!m) throw new RangeError(`--variant ${v}: expected name:key=value,key=value`);
  const settings: Record<string, string> = {};
  for (const kv of (m[2] as string).split(',')) {
    const [key, value] = kv.split('=');
    if (!key || value === undefined) throw new RangeError(`--variant ${v}: expected key=value, got ${kv}`);
    settings[key] = value;
  }
  VARIANTS.set(`tether-${m[1]}`, settings);
}
const KINDS = (args.servers as string).split(',');
/** The ping period of the `ws-ping` reference: Tether's default. */
const WS_PING_PERIOD_MS = 15_000;
/** Whether a server kind is a bare `ws` reference (`ws`, or `ws-ping`, which pings every 15 s). */
const isWs = (kind: string) => kind === 'ws' || kind === 'ws-ping';
/** The ping period of a server kind (the bare ws server never pings). */
const pingPeriodOf = (kind: string) =>
  kind === 'ws'
    ? 0
    : kind === 'ws-ping'
      ? WS_PING_PERIOD_MS
      : Number(VARIANTS.get(kind)?.socketPingPeriodMs ?? 15_000);
if (!(Number.isInteger(SOCKETS) && SOCKETS >= 1 && SOCKETS <= 100_000))
  throw new RangeError('--sockets 1..100000');
if (!(Number.isInteger(GENERATORS) && GENERATORS >= 1 && GENERATORS <= 16))
  throw new RangeError('--generators 1..16');
if (SOCKETS / GENERATORS > 19_000) throw new RangeError('at most 19,000 sockets per generator (open files)');
if (!(CONCURRENCY >= 1 && CONCURRENCY <= 1024)) throw new RangeError('--concurrency 1..1024');
if (!(IDLE_MS >= 1000 && IDLE_MS <= 120_000)) throw new RangeError('--idle 1..120 s');
if (!(Number.isInteger(ROUNDS) && ROUNDS >= 1 && ROUNDS <= 10)) throw new RangeError('--rounds 1..10');
for (const k of KINDS)
  if (!isWs(k) && !VARIANTS.has(k))
    throw new RangeError(`--servers: unknown ${k} (ws, ws-ping, ${[...VARIANTS.keys()].join(', ')})`);
/**
 * How long a server kind's sockets sit idle: `--idle` rounded up to whole ping periods, so that the
 * window holds the same number of pings of every socket whenever it starts (a ping period after
 * the socket's last sign of life, again every period: its steady rate).
 */
const windowOf = (kind: string) => {
  const period = pingPeriodOf(kind);
  return period > 0 ? Math.ceil(IDLE_MS / period) * period : IDLE_MS;
};

const log = (line: string) => process.stderr.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const started = performance.now();
// Hard bound on the whole run, whatever a child does.
setTimeout(
  () => {
    log('[idle-sockets] run exceeded its bound; killing every child');
    process.exit(2);
  },
  ROUNDS * KINDS.reduce((sum, kind) => sum + windowOf(kind) + 180_000, 0),
).unref();

/**
 * The machine's softirq and total CPU time so far (`/proc/stat` ticks; NaN off Linux): the kernel's
 * keepalive probes and its loopback packet handling run mostly as softirq.
 */
function softirqSample(): { softirq: number; total: number } {
  try {
    const f = (readFileSync('/proc/stat', 'latin1').split('\n')[0] ?? '')
      .trim()
      .split(/\s+/)
      .slice(1, 9)
      .map(Number);
    return { softirq: f[6] ?? Number.NaN, total: f.reduce((a, b) => a + b, 0) };
  } catch {
    return { softirq: Number.NaN, total: Number.NaN };
  }
}

/** One server's figures in one round. */
interface Result {
  readonly kind: string;
  readonly round: number;
  readonly sockets: number;
  readonly failed: number;
  readonly authMs: number;
  readonly opensPerSec: number;
  readonly cpuUsPerOpen: number;
  readonly rssPerSocket: number;
  readonly heapPerSocket: number;
  readonly idleCores: number;
  readonly idleUsPerSocketPerSec: number;
  /** The idle window (s). */
  readonly windowS: number;
  /** Pings the clients received per second of the idle window. */
  readonly pingsPerSec: number;
  /** The server's CPU per ping in the idle window (µs; NaN without pings). */
  readonly usPerPing: number;
  /** Busy cores of the whole machine in the idle window (every process and the kernel). */
  readonly machineCores: number;
  /** Of those, the cores busy in softirq (the kernel's packet handling and keepalive probes). */
  readonly softirqCores: number;
  readonly stillOpen: number;
  readonly outsideCores: number;
  readonly base: Memory;
}

async function measure(kind: string, round: number): Promise<Result> {
  const serverKind = isWs(kind) ? kind : 'tether';
  const settings = JSON.stringify(VARIANTS.get(kind) ?? {});
  const serverScript = new URL('./server.ts', import.meta.url);
  const gens = Array.from(
    { length: GENERATORS },
    (_, i) =>
      new Child<ToGenerator, FromGenerator>(`generator ${i}`, new URL('./generator.ts', import.meta.url), []),
  );
  const data = serverKind === 'tether' ? mkdtempSync(join(tmpdir(), 'tether-idle-sockets-')) : undefined;
  let server: Child<ToServer, FromServer> | undefined;
  try {
    const share = (i: number) => Math.floor(SOCKETS / GENERATORS) + (i < SOCKETS % GENERATORS ? 1 : 0);
    let authMs = 0;
    if (data !== undefined) {
      // The accounts are made by another server process on the same database, so that the measured
      // process starts clean (authenticating grows the heap, and RSS keeps what was once committed).
      const auth = new Child<ToServer, FromServer>(
        'server tether (accounts)',
        serverScript,
        [serverKind, data],
        ['--expose-gc'],
        !args.compiled,
      );
      const { port } = await auth.next('ready', 60_000);
      const t0 = performance.now();
      for (const [i, g] of gens.entries()) {
        g.send({
          type: 'auth',
          host: '127.0.0.1',
          port,
          prefix: `idle-${round}-${i}`,
          count: share(i),
          concurrency: 16,
        });
      }
      await Promise.all(gens.map((g) => g.next('authed', 300_000)));
      authMs = performance.now() - t0;
      log(
        `[idle-sockets] ${kind}: ${SOCKETS} device accounts authenticated in ${(authMs / 1000).toFixed(1)} s`,
      );
      await auth.stop({ type: 'stop' }, 8000);
    }
    server = new Child<ToServer, FromServer>(
      `server ${kind}`,
      serverScript,
      data ? [serverKind, data, settings] : [serverKind, String(pingPeriodOf(kind))],
      ['--expose-gc', ...(args.profile ? ['--cpu-prof', `--cpu-prof-dir=${args.profile}`] : [])],
      !args.compiled,
    );
    const { port } = await server.next('ready', 60_000);
    await sleep(1000);
    const srv = server;
    const cpu = async () => {
      srv.send({ type: 'cpu' });
      return (await srv.next('cpu', 10_000)).us;
    };
    const mem = async (): Promise<Memory> => {
      srv.send({ type: 'mem' });
      return srv.next('mem', 30_000);
    };
    const snapshot = async (name: string) => {
      if (!args['heap-snapshots']) return;
      srv.send({
        type: 'snapshot',
        file: join(args['heap-snapshots'], `${kind}-${round}-${name}.heapsnapshot`),
      });
      await srv.next('snapshot', 120_000);
    };
    await snapshot('empty');
    const base = await mem();
    const c0 = await cpu();
    for (const [i, g] of gens.entries()) {
      g.send({
        type: 'open',
        host: '127.0.0.1',
        port,
        kind: serverKind === 'tether' ? 'tether' : 'ws',
        index: i,
        count: share(i),
        concurrency: CONCURRENCY,
      });
    }
    const opened = await Promise.all(gens.map((g) => g.next('opened', 300_000)));
    const c1 = await cpu();
    const failed = opened.reduce((s, o) => s + o.failed, 0);
    if (failed > 0)
      log(
        `[idle-sockets] ${kind}: ${failed} sockets failed to open: ${opened.find((o) => o.firstError)?.firstError}`,
      );
    const open = SOCKETS - failed;
    const wallMs = Math.max(...opened.map((o) => o.end)) - Math.min(...opened.map((o) => o.start));
    await sleep(2000);
    const full = await mem();
    await snapshot('full');
    const counts = async () =>
      Promise.all(
        gens.map(async (g) => {
          g.send({ type: 'count' });
          return g.next('count', 10_000);
        }),
      );
    const p0 = (await counts()).reduce((sum, c) => sum + c.pings, 0);
    const m0 = sampleMachine();
    const s0 = softirqSample();
    const i0 = await cpu();
    await sleep(windowOf(kind));
    const i1 = await cpu();
    const m1 = sampleMachine();
    const s1 = softirqSample();
    const idleCores = (i1 - i0) / 1000 / (m1.at - m0.at);
    const after = await counts();
    const pings = after.reduce((sum, c) => sum + c.pings, 0) - p0;
    const machineCores = machineLoad(m0, m1).busyCores;
    const result: Result = {
      kind,
      round,
      sockets: open,
      failed,
      authMs,
      opensPerSec: (open * 1000) / wallMs,
      cpuUsPerOpen: (c1 - c0) / open,
      rssPerSocket: (full.rss - base.rss) / open,
      heapPerSocket: (full.heapUsed + full.external - base.heapUsed - base.external) / open,
      idleCores,
      idleUsPerSocketPerSec: (idleCores * 1e6) / open,
      windowS: (m1.at - m0.at) / 1000,
      pingsPerSec: (pings * 1000) / (m1.at - m0.at),
      usPerPing: pings > 0 ? (i1 - i0) / pings : Number.NaN,
      machineCores,
      softirqCores: ((s1.softirq - s0.softirq) / (s1.total - s0.total)) * cpus().length,
      stillOpen: after.reduce((sum, c) => sum + c.open, 0),
      // Everything but this server (the generators are idle too, but for their pongs).
      outsideCores: machineCores - idleCores,
      base,
    };
    log(
      `[idle-sockets] ${kind} round ${round}: ${open} sockets, ${result.opensPerSec.toFixed(0)} opens/s ` +
        `(${result.cpuUsPerOpen.toFixed(0)} µs CPU each), ${(result.rssPerSocket / 1024).toFixed(2)} KiB RSS / ` +
        `${(result.heapPerSocket / 1024).toFixed(2)} KiB heap+external per socket, idle ${(idleCores * 100).toFixed(2)} % of a core ` +
        `over ${result.windowS.toFixed(0)} s (${result.pingsPerSec.toFixed(0)} pings/s, ${result.usPerPing.toFixed(1)} µs each; ` +
        `machine ${result.machineCores.toFixed(2)} cores busy, ${result.softirqCores.toFixed(3)} in softirq), ${result.stillOpen} still open; outside load ${result.outsideCores.toFixed(2)} cores`,
    );
    for (const g of gens) g.send({ type: 'close' });
    await Promise.all(gens.map((g) => g.next('closed', 30_000)));
    return result;
  } finally {
    await Promise.all([
      server?.stop({ type: 'stop' }, 8000),
      ...gens.map((g) => g.stop({ type: 'close' }, 2000)),
    ]);
    if (data !== undefined) rmSync(data, { recursive: true, force: true });
  }
}

function fmt(n: number, digits = 2): string {
  return Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '–';
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

async function main(): Promise<void> {
  const load0 = loadavg();
  log(
    `[idle-sockets] ${KINDS.join(', ')}; ${SOCKETS} sockets from ${GENERATORS} generators, ${CONCURRENCY} upgrades in flight each; idle ${IDLE_MS / 1000} s; ${ROUNDS} round(s)`,
  );
  const results: Result[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? KINDS : [...KINDS].reverse();
    for (const kind of order) results.push(await measure(kind, round));
  }
  const rows = results.map((r) =>
    [
      r.kind,
      String(r.round + 1),
      r.sockets.toLocaleString('en-US'),
      fmt(r.opensPerSec, 0),
      fmt(r.cpuUsPerOpen, 0),
      fmt(r.rssPerSocket / 1024),
      fmt(r.heapPerSocket / 1024),
      `${fmt(r.idleCores * 100)} %`,
      fmt(r.idleUsPerSocketPerSec, 3),
      fmt(r.windowS, 0),
      fmt(r.pingsPerSec, 0),
      fmt(r.usPerPing, 1),
      fmt(r.machineCores),
      fmt(r.softirqCores, 3),
      r.stillOpen.toLocaleString('en-US'),
      fmt(r.outsideCores),
    ].join(' | '),
  );
  const ratio = (key: keyof Result, reference = 'ws') => {
    const per = [];
    for (let round = 0; round < ROUNDS; round++) {
      const t = results.find((r) => r.kind === 'tether' && r.round === round);
      const w = results.find((r) => r.kind === reference && r.round === round);
      if (t && w) per.push((t[key] as number) / (w[key] as number));
    }
    return per.length ? `${fmt(median(per))}× (rounds ${per.map((x) => fmt(x)).join(', ')})` : '–';
  };
  const out = [
    '## Idle sockets: one server process holding authenticated WebSockets\n',
    `Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? '?'}; load average ${load0.map((l) => l.toFixed(2)).join(' ')} at start, ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} at end; ${Math.round((performance.now() - started) / 1000)} s.`,
    `${SOCKETS} sockets from ${GENERATORS} client processes, ${CONCURRENCY} upgrades in flight each; idle window ${IDLE_MS / 1000} s rounded up to whole ping periods.`,
    `Settings: ${KINDS.filter((k) => !isWs(k))
      .map((k) => `${k} ${JSON.stringify(VARIANTS.get(k))}`)
      .join('; ')}.\n`,
    '| server | round | sockets | opens/s | srv µs/open | RSS KiB/socket | heap+ext KiB/socket | idle CPU (one core) | idle µs/socket/s | idle window s | pings/s | srv µs/ping | machine busy cores (idle) | of which softirq | still open | outside cores |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r} |`),
    '',
    KINDS.includes('ws') && KINDS.includes('tether')
      ? [
          `Tether ÷ bare ws (median of rounds): opens/s ${ratio('opensPerSec')}; CPU per open ${ratio('cpuUsPerOpen')}; ` +
            `RSS per socket ${ratio('rssPerSocket')}; heap+external per socket ${ratio('heapPerSocket')}.`,
        ].join('')
      : '',
    KINDS.includes('ws-ping') && KINDS.includes('tether')
      ? `Tether ÷ bare ws pinging every ${WS_PING_PERIOD_MS / 1000} s (median of rounds): idle CPU ${ratio('idleCores', 'ws-ping')}; CPU per ping ${ratio('usPerPing', 'ws-ping')}.`
      : '',
  ].join('\n');
  process.stdout.write(`${out}\n`);
  if (args.json) writeFileSync(args.json, `${JSON.stringify({ results }, null, 2)}\n`);
}

await main();
process.exit(0);
