/**
 * What the kernel's TCP keepalive costs: `--sockets` idle loopback connections in this one process,
 * the accepted side with keepalive after `--idle` seconds (Node: then 10 probes 1 s apart, each
 * answered by the peer's kernel), measured over `--window` seconds from `/proc/stat` (softirq,
 * system and all busy time of every core) and against the same connections without keepalive,
 * alternated: off, on, off, on.
 *
 *   npm run keepalive-cost --prefix bench -- [--sockets 9500] [--idle 1] [--window 15]
 *
 * Every connection is probed once per `--idle` seconds (nothing else moves on it), so probes per
 * second = sockets ÷ idle; the difference in softirq cores over that rate is the kernel's cost of
 * one probe and its answer, both ends on this machine. This process's own CPU is reported too: the
 * probes never wake it. Linux only; two file descriptors per socket (`ulimit -n`).
 *
 * @packageDocumentation
 */
import { readFileSync } from 'node:fs';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    sockets: { type: 'string', default: '9500' },
    idle: { type: 'string', default: '1' },
    window: { type: 'string', default: '15' },
  },
});
const SOCKETS = Number(args.sockets);
const IDLE_S = Number(args.idle);
const WINDOW_S = Number(args.window);
if (!(Number.isInteger(SOCKETS) && SOCKETS >= 1 && SOCKETS <= 50_000))
  throw new RangeError('--sockets 1..50000');
if (!(Number.isInteger(IDLE_S) && IDLE_S >= 1 && IDLE_S <= 60)) throw new RangeError('--idle 1..60 s');
if (!(WINDOW_S >= 1 && WINDOW_S <= 120)) throw new RangeError('--window 1..120 s');

interface Ticks {
  readonly system: number;
  readonly softirq: number;
  readonly busy: number;
  readonly total: number;
}
function ticks(): Ticks {
  const f = (readFileSync('/proc/stat', 'latin1').split('\n')[0] ?? '')
    .trim()
    .split(/\s+/)
    .slice(1, 9)
    .map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = f;
  return {
    system,
    softirq,
    busy: user + nice + system + irq + softirq + steal,
    total: f.reduce((a, b) => a + b, 0),
  };
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Row {
  readonly keepAlive: boolean;
  readonly softirq: number;
  readonly system: number;
  readonly busy: number;
  readonly process: number;
}

async function run(keepAlive: boolean): Promise<Row> {
  const accepted: Socket[] = [];
  const server = createServer({ keepAlive, keepAliveInitialDelay: IDLE_S * 1000 }, (s) => {
    s.on('error', () => {});
    accepted.push(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const clients: Socket[] = [];
  // 200 connections per source address (127.20.x.y), so the ephemeral ports of one never run out.
  for (let i = 0; i < SOCKETS; i += 200) {
    await Promise.all(
      Array.from(
        { length: Math.min(200, SOCKETS - i) },
        (_, j) =>
          new Promise<void>((resolve, reject) => {
            const a = Math.floor((i + j) / 200);
            const c = connect({ port, host: '127.0.0.1', localAddress: `127.20.${a >> 8}.${(a & 255) + 1}` });
            c.once('connect', () => resolve());
            c.once('error', reject);
            clients.push(c);
          }),
      ),
    );
  }
  await sleep(IDLE_S * 1000 + 3000);
  const p0 = process.cpuUsage();
  const a = ticks();
  await sleep(WINDOW_S * 1000);
  const b = ticks();
  const p1 = process.cpuUsage(p0);
  const cores = (k: keyof Ticks) => ((b[k] - a[k]) / (b.total - a.total)) * cpus().length;
  for (const c of clients) c.destroy();
  for (const s of accepted) s.destroy();
  await new Promise((r) => server.close(r));
  await sleep(2000);
  return {
    keepAlive,
    softirq: cores('softirq'),
    system: cores('system'),
    busy: cores('busy'),
    process: (p1.user + p1.system) / 1e6 / WINDOW_S,
  };
}

const rows: Row[] = [];
for (const keepAlive of [false, true, false, true]) {
  const row = await run(keepAlive);
  rows.push(row);
  process.stderr.write(`[keepalive-cost] ${JSON.stringify(row)}\n`);
}
const mean = (on: boolean, k: keyof Omit<Row, 'keepAlive'>) => {
  const xs = rows.filter((r) => r.keepAlive === on);
  return xs.reduce((s, r) => s + r[k], 0) / xs.length;
};
const probesPerSec = SOCKETS / IDLE_S;
const lines = [
  `## Kernel TCP keepalive: ${SOCKETS} idle loopback connections, probed every ${IDLE_S} s (${probesPerSec} probes/s), ${WINDOW_S} s windows, off/on alternated twice\n`,
  '| cores (whole machine) | keepalive off | keepalive on | difference | µs per probe and answer |',
  '|---|---:|---:|---:|---:|',
  ...(['softirq', 'system', 'busy', 'process'] as const).map((k) => {
    const d = mean(true, k) - mean(false, k);
    const label = k === 'process' ? 'this process (both ends)' : k;
    return `| ${label} | ${mean(false, k).toFixed(4)} | ${mean(true, k).toFixed(4)} | ${d.toFixed(4)} | ${((d * 1e6) / probesPerSec).toFixed(2)} |`;
  }),
  '',
  'Busy and system time include every other process on the machine; softirq is where the probes are.',
];
process.stdout.write(`${lines.join('\n')}\n`);
process.exit(0);
