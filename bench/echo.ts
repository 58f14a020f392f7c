/**
 * Echo round trips and throughput over Tether's GameMaker-style network layer, each beside a plain
 * reference echo measured in the same run, loopback only and bounded in time (about 50 s).
 *
 *   npm run echo --prefix bench -- [--seconds 0.4] [--warmup 0.1] [--rounds 3] [--depth 64]
 *                                    [--rows net,gm-tcp,...] [--scenarios pp32,pp4k,pl32,pl4k]
 *                                    [--json] [--profile <dir>]
 *
 * Process layout: every echo server runs in ONE child process (`echo-server.ts`: plain `node:net`,
 * plain `ws`, and three Tether `createNetworkServer` servers); this process runs the clients
 * (`echo-clients.ts`), one connection per row, so client and server never share an event loop.
 *
 * Scenarios, on connections warmed up beforehand, each cell measured for `--seconds` after a
 * `--warmup`, `--rounds` times, with the rows interleaved within each round so that a burst of
 * outside load hits every row alike:
 * - ping-pong: one message outstanding (latency bound): round trips/s, p50/p99 round-trip time;
 * - pipeline: `--depth` messages outstanding (a new one sent per echo): messages/s and MB/s;
 * each at 32 B and 4 KiB payloads. MB/s counts payload bytes echoed, one direction, 10^6 bytes.
 * "vs ref" is the median over the rounds of each Tether row's rate divided by its carrier's
 * reference in the same round (TCP rows by plain `net`, WebSocket rows by plain `ws`). Nothing here
 * asserts on timing.
 *
 * `--profile <dir>` writes a `--cpu-prof` profile of the server process there; with `--rows` (exact
 * list) one row can be profiled alone, and with `--scenarios` one scenario.
 *
 * @packageDocumentation
 */
import { type ChildProcess, fork } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { type EchoClient, GmTcpClient, GmWsClient, NetClient, SdkClient, WsClient } from './echo-clients.ts';
import { type CpuProbe, measure, type Sample } from './echo-measure.ts';
import type { EchoPorts } from './echo-wire.ts';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '0.4' },
    warmup: { type: 'string', default: '0.1' },
    rounds: { type: 'string', default: '3' },
    depth: { type: 'string', default: '64' },
    rows: { type: 'string' },
    scenarios: { type: 'string' },
    json: { type: 'boolean', default: false },
    profile: { type: 'string' },
  },
});
const RUN_MS = Number(args.seconds) * 1000;
const WARM_MS = Number(args.warmup) * 1000;
const DEPTH = Number(args.depth);
const ROUNDS = Number(args.rounds);
/** Per connection, before the first round: this long at 32 B, then at 4 KiB, pipelined. */
const ROW_WARM_MS = 250;
if (!(RUN_MS > 0 && RUN_MS <= 30_000) || !(WARM_MS >= 0 && WARM_MS <= 10_000)) {
  throw new RangeError('--seconds must be in (0, 30] and --warmup in [0, 10]');
}
if (!Number.isInteger(DEPTH) || DEPTH < 2 || DEPTH > 4096) throw new RangeError('--depth must be 2..4096');
if (!Number.isInteger(ROUNDS) || ROUNDS < 1 || ROUNDS > 20) throw new RangeError('--rounds must be 1..20');

/** One client/server pairing of the table. */
interface Row {
  readonly id: string;
  readonly label: string;
  /** The reference row its ratio is taken against (itself for a reference). */
  readonly ref: string;
  readonly open: (ports: EchoPorts) => Promise<EchoClient>;
}

const ALL_ROWS: readonly Row[] = [
  { id: 'net', label: 'net echo, u32 prefix (ref A)', ref: 'net', open: (p) => NetClient.connect(p.net) },
  {
    id: 'gm-tcp',
    label: 'Tether gm TCP, lean client',
    ref: 'net',
    open: (p) => GmTcpClient.connect(p.gmTcp),
  },
  {
    id: 'gm-tcp-sdk',
    label: 'Tether gm TCP, client SDK',
    ref: 'net',
    open: (p) => SdkClient.connect('tcp', p.gmTcp),
  },
  { id: 'ws', label: 'ws echo (ref B)', ref: 'ws', open: (p) => WsClient.connect(p.ws) },
  { id: 'gm-ws', label: 'Tether gm WS, lean client', ref: 'ws', open: (p) => GmWsClient.connect(p.gmWs) },
  {
    id: 'gm-ws-sdk',
    label: 'Tether gm WS, client SDK',
    ref: 'ws',
    open: (p) => SdkClient.connect('ws', p.gmWs),
  },
  { id: 'raw-ws', label: 'Tether raw WS, ws client', ref: 'ws', open: (p) => WsClient.connect(p.rawWs) },
];

/** One cell group of the table: a payload size at a number of outstanding messages. */
interface Scenario {
  /** For `--scenarios`. */
  readonly id: string;
  readonly name: string;
  readonly size: number;
  readonly depth: number;
}

const ALL_SCENARIOS: readonly Scenario[] = [
  { id: 'pp32', name: 'ping-pong 32 B', size: 32, depth: 1 },
  { id: 'pp4k', name: 'ping-pong 4 KiB', size: 4096, depth: 1 },
  { id: 'pl32', name: `pipeline ${DEPTH} x 32 B`, size: 32, depth: DEPTH },
  { id: 'pl4k', name: `pipeline ${DEPTH} x 4 KiB`, size: 4096, depth: DEPTH },
];
const SCENARIOS = args.scenarios
  ? args.scenarios.split(',').map((id) => {
      const found = ALL_SCENARIOS.find((sc) => sc.id === id.trim());
      if (!found) throw new Error(`unknown scenario ${id}; scenarios: ${ALL_SCENARIOS.map((sc) => sc.id)}`);
      return found;
    })
  : ALL_SCENARIOS;

/** Starts `echo-server.ts` in a child process; resolves with its ports and a CPU probe. */
function startServers(): Promise<{ child: ChildProcess; ports: EchoPorts; cpu: CpuProbe }> {
  const execArgv = ['--conditions=@tether/source', '--import', 'tsx'];
  if (args.profile) execArgv.push('--cpu-prof', '--cpu-prof-dir', args.profile);
  const child = fork(new URL('./echo-server.ts', import.meta.url), [], {
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  // IPC keeps order, so answers to "cpu" match the waiting probes first in, first out.
  const waiting: ((us: number) => void)[] = [];
  const cpu: CpuProbe = () =>
    new Promise((resolve) => {
      waiting.push(resolve);
      child.send('cpu');
    });
  return new Promise((resolve, reject) => {
    child.on('message', (m: { ports?: EchoPorts; cpu?: number }) => {
      if (m.ports) resolve({ child, ports: m.ports, cpu });
      else if (m.cpu !== undefined) waiting.shift()?.(m.cpu);
    });
    child.once('exit', (code) => reject(new Error(`echo server exited with ${code}`)));
  });
}

async function stopServers(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.send('stop');
  await exited;
}

/** One line of the result table: one row in one scenario, over all rounds. */
interface Result {
  readonly scenario: string;
  readonly row: string;
  readonly label: string;
  /** Median over the rounds of echoes per second. */
  readonly rate: number;
  /** Payload megabytes (10^6) echoed per second at that rate, one direction. */
  readonly mbPerSec: number;
  /** Round-trip percentiles in microseconds over all rounds' samples (ping-pong only). */
  readonly p50Us: number;
  readonly p99Us: number;
  /** Median over the rounds of rate / reference rate of the same round; NaN without a reference. */
  readonly ratio: number;
  /** Lowest and highest per-round ratio. */
  readonly ratioMin: number;
  readonly ratioMax: number;
  /** Median over the rounds of CPU µs per echo: the server process, and this (client) process. */
  readonly serverUs: number;
  readonly clientUs: number;
}

function median(values: readonly number[]): number {
  const v = [...values].sort((x, y) => x - y);
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

function percentile(sorted: Float64Array, q: number): number {
  return sorted.length
    ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! * 1000
    : Number.NaN;
}

/** Folds one scenario's per-round samples (`byRow[row][round]`) into table lines. */
function summarise(scenario: Scenario, rows: readonly Row[], byRow: Map<string, Sample[]>): Result[] {
  return rows.map((row) => {
    const samples = byRow.get(row.id)!;
    const ref = byRow.get(row.ref);
    const ratios = ref ? samples.map((s, i) => s.rate / ref[i]!.rate) : [Number.NaN];
    const rtts = new Float64Array(samples.reduce((n, s) => n + s.rtts.length, 0));
    let at = 0;
    for (const s of samples) {
      rtts.set(s.rtts, at);
      at += s.rtts.length;
    }
    rtts.sort();
    const rate = median(samples.map((s) => s.rate));
    return {
      scenario: scenario.name,
      row: row.id,
      label: row.label,
      rate,
      mbPerSec: (rate * scenario.size) / 1e6,
      p50Us: percentile(rtts, 0.5),
      p99Us: percentile(rtts, 0.99),
      ratio: median(ratios),
      ratioMin: Math.min(...ratios),
      ratioMax: Math.max(...ratios),
      serverUs: median(samples.map((s) => s.serverUs)),
      clientUs: median(samples.map((s) => s.clientUs)),
    };
  });
}

const fmt = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '—';

function printTable(results: readonly Result[]): void {
  const head = [
    'scenario',
    'row',
    'msg/s',
    'MB/s',
    'p50 µs',
    'p99 µs',
    'vs ref',
    'rounds',
    'srv µs',
    'cli µs',
  ];
  const lines = results.map((r) => {
    const isRef = r.row === rowById(r.row).ref;
    return [
      r.scenario,
      r.label,
      fmt(r.rate),
      fmt(r.mbPerSec, 2),
      fmt(r.p50Us),
      fmt(r.p99Us),
      isRef ? 'ref' : fmt(r.ratio, 2),
      isRef || !Number.isFinite(r.ratio) ? '' : `${fmt(r.ratioMin, 2)}–${fmt(r.ratioMax, 2)}`,
      fmt(r.serverUs, 1),
      fmt(r.clientUs, 1),
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  console.log(line(head));
  console.log(`|${widths.map((w, i) => (i < 2 ? `-${'-'.repeat(w)}-` : `-${'-'.repeat(w)}:`)).join('|')}|`);
  let last = '';
  for (const [i, cells] of lines.entries()) {
    const scenario = results[i]!.scenario;
    console.log(line([scenario === last ? '' : scenario, ...cells.slice(1)]));
    last = scenario;
  }
}

function rowById(id: string): Row {
  const row = ALL_ROWS.find((r) => r.id === id);
  if (!row) throw new Error(`unknown row ${id}; rows: ${ALL_ROWS.map((r) => r.id).join(', ')}`);
  return row;
}

/** Runs every scenario `ROUNDS` times, rows interleaved within each round. */
async function runMatrix(
  rows: readonly Row[],
  clients: Map<string, EchoClient>,
  serverCpu: CpuProbe,
): Promise<Result[]> {
  const results: Result[] = [];
  for (const scenario of SCENARIOS) {
    const byRow = new Map<string, Sample[]>(rows.map((r) => [r.id, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const row of rows) {
        const client = clients.get(row.id)!;
        byRow
          .get(row.id)!
          .push(await measure(client, scenario.size, scenario.depth, WARM_MS, RUN_MS, serverCpu));
      }
    }
    results.push(...summarise(scenario, rows, byRow));
  }
  return results;
}

async function main(): Promise<void> {
  const wanted = args.rows?.split(',').map((s) => s.trim());
  // Exactly the rows asked for (list a reference too to get ratios), e.g. one row to profile it.
  const rows = wanted ? wanted.map(rowById) : ALL_ROWS;
  const expectedMs = rows.length * (2 * ROW_WARM_MS + SCENARIOS.length * ROUNDS * (WARM_MS + RUN_MS));
  const limitMs = 2 * expectedMs + 30_000;
  // Stops by itself whatever happens: a hung connection must not keep the benchmark alive.
  const deadline = setTimeout(() => {
    console.error(`echo benchmark: still running after ${Math.round(limitMs / 1000)} s, giving up`);
    process.exit(2);
  }, limitMs);
  deadline.unref();
  const started = performance.now();
  const { child, ports, cpu } = await startServers();
  const clients = new Map<string, EchoClient>();
  try {
    for (const row of rows) {
      const client = await row.open(ports);
      clients.set(row.id, client);
      // Warm every code path of the connection (JIT, socket buffers) before anything is measured.
      await measure(client, 32, DEPTH, 0, ROW_WARM_MS, cpu);
      await measure(client, 4096, DEPTH, 0, ROW_WARM_MS, cpu);
    }
    const results = await runMatrix(rows, clients, cpu);
    const meta = {
      node: process.version,
      cpus: `${cpus().length} x ${cpus()[0]?.model ?? '?'}`,
      loadavg: loadavg()
        .map((l) => l.toFixed(2))
        .join(' '),
      layout: 'servers in one child process, clients in this process, 127.0.0.1',
      rounds: ROUNDS,
      warmupMs: WARM_MS,
      runMs: RUN_MS,
      depth: DEPTH,
      totalSeconds: Math.round((performance.now() - started) / 100) / 10,
    };
    if (args.json) {
      console.log(JSON.stringify({ meta, results }, null, 2));
    } else {
      console.log(
        `echo benchmark: node ${meta.node}, ${meta.cpus}, load ${meta.loadavg}\n${meta.layout}; ` +
          `${ROUNDS} rounds x ${RUN_MS} ms per cell after ${WARM_MS} ms warm-up, rows interleaved; ` +
          `pipeline depth ${DEPTH}; took ${meta.totalSeconds} s\n` +
          "msg/s: median of rounds; vs ref: median of per-round ratios to the same carrier's reference " +
          '(rounds: their range);\nMB/s: payload, one direction; srv/cli µs: CPU time (user + system) per echo ' +
          'in the server / client process, median of rounds\n',
      );
      printTable(results);
    }
  } finally {
    await Promise.all([...clients.values()].map((c) => c.close()));
    await stopServers(child);
  }
}

await main();
