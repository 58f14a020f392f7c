/**
 * Fan-out in a chat room of 1,000 members: deliveries per second and p99 latency of Tether's chat
 * (`channel_join` type 1, `channel_message_send`, with and without stored history) beside a plain
 * `ws` broadcast server (the floor, with and without writes batched per event-loop turn), all
 * measured in the same run; loopback only, bounded in time, no timed assertions.
 *
 *   npm run fanout --prefix bench -- [--servers ws,ws-batched,tether,tether-persist]
 *       [--members 1000] [--senders 1,10] [--rates 10,100,200,400,700,1000] [--warmup 1] [--window 3]
 *       [--drain 1.5] [--p99 250] [--retries 1] [--calm 1] [--budget 210] [--json out.json]
 *       [--refine 3] [--grain 10] [--profile <dir>]
 *
 * Processes: every server runs alone in its own child (`server.ts`); this process is the load
 * generator (minimal WebSocket clients of its own, see `raw-member.ts` and `room.ts`) and the
 * driver. All rooms are filled first (Tether: accounts, sockets, joins; then a probe message every
 * member must receive); then the steps are
 * interleaved: for each rate and each sender count, every server still in its ramp is measured in
 * turn, so a burst of outside load hits them alike. Before each step the driver waits up to `--calm`
 * seconds for the machine to be nearly idle (under half a core busy). A ramp stops at its first step
 * with p99 over `--p99` ms, under 95 % of owed deliveries, a disconnected member, or a generator that
 * could not send at the rate; a step that failed narrowly (p99 at most twice the limit, at least 90 %
 * delivered) or while other processes used half a core or more is measured again up to `--retries`
 * times first, so that one burst of outside load does not end a ramp. Then, so that a lane's capacity
 * is not decided by the spacing of `--rates`, each lane whose ramp ended on a failed step is bisected
 * between its last passed rate and the failed one (`--refine` rounds, midpoints rounded to `--grain`
 * msg/s), every lane measured in turn in each round with the same steps, criteria and retries as the
 * ramp. After `--budget` s no new step starts; the run is killed 60 s after that.
 *
 * @packageDocumentation
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { ServerChild } from './child.ts';
import { SERVER_KINDS, type ServerKind, TETHER_LIMITS } from './kinds.ts';
import {
  bestStep,
  type Criteria,
  failure,
  type Lane,
  laneTable,
  progressLine,
  ratioTables,
} from './report.ts';
import type { Room } from './room.ts';
import { setupFloorRoom, setupTetherRoom } from './setup.ts';
import { runStep, type StepPlan, type StepResult, waitForCalm } from './step.ts';

const { values: args } = parseArgs({
  options: {
    servers: { type: 'string', default: SERVER_KINDS.filter((k) => k !== 'tether-before').join(',') },
    /** Another checkout of Tether (dependencies installed) to run as `tether-before`. */
    before: { type: 'string' },
    members: { type: 'string', default: '1000' },
    senders: { type: 'string', default: '1,10' },
    rates: { type: 'string', default: '10,100,200,400,700,1000' },
    warmup: { type: 'string', default: '1' },
    window: { type: 'string', default: '3' },
    drain: { type: 'string', default: '1.5' },
    p99: { type: 'string', default: '250' },
    budget: { type: 'string', default: '210' },
    retries: { type: 'string', default: '1' },
    calm: { type: 'string', default: '1' },
    refine: { type: 'string', default: '3' },
    grain: { type: 'string', default: '10' },
    json: { type: 'string' },
    profile: { type: 'string' },
  },
});

function numbers(flag: string, text: string, min: number, max: number): number[] {
  const list = text.split(',').map(Number);
  if (
    list.length === 0 ||
    list.some((n, i) => !Number.isInteger(n) || n < min || n > max || n <= (list[i - 1] ?? 0))
  ) {
    throw new RangeError(`--${flag}: increasing integers in ${min}..${max}`);
  }
  return list;
}

function seconds(flag: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!(n >= min && n <= max)) throw new RangeError(`--${flag} must be in [${min}, ${max}] s`);
  return n * 1000;
}

const kinds = (args.servers as string).split(',') as ServerKind[];
for (const k of kinds) if (!SERVER_KINDS.includes(k)) throw new RangeError(`--servers: unknown ${k}`);
if (kinds.includes('tether-before') !== (args.before !== undefined)) {
  throw new RangeError('--servers tether-before and --before <checkout> go together');
}
const MEMBERS = numbers('members', args.members as string, 2, 5000)[0]!;
const SENDERS = numbers('senders', args.senders as string, 1, MEMBERS);
const RATES = numbers('rates', args.rates as string, 1, 100_000);
const WARM_MS = seconds('warmup', args.warmup as string, 0, 30);
const WINDOW_MS = seconds('window', args.window as string, 0.5, 60);
const DRAIN_MS = seconds('drain', args.drain as string, 0, 30);
const BUDGET_MS = seconds('budget', args.budget as string, 10, 3600);
const CALM_MS = seconds('calm', args.calm as string, 0, 30);
const RETRIES = Number(args.retries);
if (!Number.isInteger(RETRIES) || RETRIES < 0 || RETRIES > 3) throw new RangeError('--retries must be 0..3');
const REFINE = Number(args.refine);
if (!Number.isInteger(REFINE) || REFINE < 0 || REFINE > 8) throw new RangeError('--refine must be 0..8');
const GRAIN = numbers('grain', args.grain as string, 1, 10_000)[0]!;
const criteria: Criteria = { p99Ms: Number(args.p99), minCompleteness: 0.95 };

const log = (line: string) => process.stderr.write(`${line}\n`);
const started = performance.now();
const elapsed = () => performance.now() - started;
setTimeout(() => {
  log('[fanout] run exceeded its budget by 60 s; killing every server');
  process.exit(2);
}, BUDGET_MS + 60_000).unref();

/** Soft limit on open files of this process (Linux), or null when it cannot be read. */
function openFileLimit(): number | null {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    return soft === undefined || soft === 'unlimited' ? null : Number(soft);
  } catch {
    return null;
  }
}

interface Racer {
  readonly kind: ServerKind;
  readonly server: ServerChild;
  room: Room | null;
  broken: string;
}

async function fill(racers: Racer[]): Promise<void> {
  // Tether first: the floor's messages are padded to the size of a Tether delivery.
  let deliveryBytes = 330;
  for (const r of [...racers].sort(
    (a, b) => Number(b.kind.startsWith('tether')) - Number(a.kind.startsWith('tether')),
  )) {
    const t0 = performance.now();
    try {
      const port = await r.server.ready(30_000);
      if (r.kind === 'tether' || r.kind === 'tether-persist' || r.kind === 'tether-before') {
        r.room = await setupTetherRoom({
          port,
          members: MEMBERS,
          persistence: r.kind === 'tether-persist',
          runId: `${process.pid}-${r.kind}`,
        });
        deliveryBytes = r.room.deliveryBytes;
      } else {
        r.room = await setupFloorRoom(port, MEMBERS, deliveryBytes);
      }
      log(
        `[fanout] ${r.kind} (pid ${r.server.pid}): ${MEMBERS} members ready in ${((performance.now() - t0) / 1000).toFixed(1)} s, ` +
          `${r.room.deliveryBytes} B per delivery`,
      );
    } catch (err) {
      r.broken = `setup failed: ${(err as Error).message}`;
      log(`[fanout] ${r.kind}: ${r.broken}`);
    }
  }
}

/**
 * Measures one step of a lane (again, up to `--retries` times, when it failed narrowly or starved)
 * and records it; returns why it failed (null: passed). A disconnect breaks the server.
 */
async function rampStep(r: Racer, room: Room, lane: Lane, plan: StepPlan): Promise<string | null> {
  const measure = async () => {
    if (CALM_MS > 0) await waitForCalm(CALM_MS);
    return runStep(room, r.server, plan);
  };
  // A burst of outside load can fail one window: measure a narrowly failed step again, but not one
  // far past the limits, which would only fail again and cost time.
  // A step that other processes starved (half a core or more of outside work) is measured again too,
  // however badly it failed: it measured the machine, not the server.
  const worthRetry = (x: StepResult) =>
    x.disconnects === 0 &&
    ((x.p99Ms <= 2 * criteria.p99Ms && x.completeness >= 0.9) || x.outsideCores >= 0.5);
  let step = await measure();
  let verdict = failure(step, criteria);
  for (let retry = 0; verdict && worthRetry(step) && retry < RETRIES; retry++) {
    log(`${progressLine(lane, step, null)}  (failed: ${verdict}; measuring again)`);
    step = await measure();
    verdict = failure(step, criteria);
  }
  lane.steps.push(step);
  log(progressLine(lane, step, verdict));
  if (step.disconnects > 0) r.broken = `members disconnected (${JSON.stringify(room.disconnects[0])})`;
  return verdict;
}

/** A lane's bracket for bisection: its highest passed rate and its lowest failed one. */
interface Bracket {
  lo: number;
  hi: number;
}

async function main(): Promise<void> {
  const fds = openFileLimit();
  const needed = kinds.length * MEMBERS + 256;
  if (fds !== null && fds < needed) {
    throw new Error(
      `open file limit ${fds} is too low for ${kinds.length} rooms of ${MEMBERS} members (this process holds ` +
        `every member socket: about ${needed}); raise it with \`ulimit -n ${needed * 2}\``,
    );
  }
  // Profiles are named CPU.<date>.<time>.<pid>.…: the pid of each server is logged below.
  const profile = args.profile ? ['--cpu-prof', `--cpu-prof-dir=${args.profile}`] : [];
  const racers: Racer[] = kinds.map((kind) => ({
    kind,
    server: new ServerChild(kind, profile, kind === 'tether-before' ? [args.before as string] : []),
    room: null,
    broken: '',
  }));
  const header =
    `Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? '?'}, open files ${fds ?? '?'}, ` +
    `load average at start ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`;
  log(`[fanout] ${header}`);
  await fill(racers);

  const lanes: Lane[] = [];
  const laneOf = new Map<string, Lane>();
  for (const s of SENDERS) {
    for (const r of racers) {
      const lane: Lane = { kind: r.kind, senders: s, steps: [], stopped: r.broken };
      lanes.push(lane);
      laneOf.set(`${r.kind}/${s}`, lane);
    }
  }
  const brackets = new Map<Lane, Bracket>();
  const plan = (rate: number, senders: number): StepPlan => ({
    rate,
    senders,
    warmMs: WARM_MS,
    windowMs: WINDOW_MS,
    drainMs: DRAIN_MS,
  });
  let turn = 0;
  // Rates outermost: when the time budget runs out, every lane loses its highest rates alike.
  ramp: for (const rate of RATES) {
    for (const s of SENDERS) {
      const order = racers.map((_, i) => racers[(i + turn) % racers.length]!);
      turn++;
      for (const r of order) {
        const lane = laneOf.get(`${r.kind}/${s}`)!;
        if (lane.stopped || !r.room) continue;
        if (r.broken) {
          lane.stopped = r.broken;
          continue;
        }
        if (elapsed() > BUDGET_MS) {
          log(`[fanout] time budget of ${BUDGET_MS / 1000} s spent: no further steps`);
          for (const l of lanes) l.stopped ||= 'time budget spent';
          break ramp;
        }
        try {
          const verdict = await rampStep(r, r.room, lane, plan(rate, s));
          if (verdict) {
            lane.stopped = `${rate} msg/s: ${verdict}`;
            const passed = lane.steps.filter((x) => failure(x, criteria) === null).at(-1);
            if (passed && !r.broken) brackets.set(lane, { lo: passed.rate, hi: rate });
          }
        } catch (err) {
          lane.stopped = `${rate} msg/s: ${(err as Error).message}`;
          r.broken = lane.stopped;
          log(`[fanout] ${r.kind}: ${lane.stopped}`);
        }
      }
    }
  }

  // Bisection of each bracket, rounds outermost and every lane in turn within a round (as the ramp).
  refine: for (let round = 0; round < REFINE && brackets.size > 0; round++) {
    for (const s of SENDERS) {
      const order = racers.map((_, i) => racers[(i + turn) % racers.length]!);
      turn++;
      for (const r of order) {
        const lane = laneOf.get(`${r.kind}/${s}`)!;
        const b = brackets.get(lane);
        if (!b || !r.room || r.broken) continue;
        const mid = Math.round((b.lo + b.hi) / 2 / GRAIN) * GRAIN;
        if (mid <= b.lo || mid >= b.hi) continue;
        if (elapsed() > BUDGET_MS) {
          log(`[fanout] time budget of ${BUDGET_MS / 1000} s spent: no further bisection`);
          break refine;
        }
        try {
          if (await rampStep(r, r.room, lane, plan(mid, s))) b.hi = mid;
          else b.lo = mid;
        } catch (err) {
          r.broken = `${mid} msg/s: ${(err as Error).message}`;
          log(`[fanout] ${r.kind}: ${r.broken}`);
        }
      }
    }
  }
  for (const [lane, b] of brackets) {
    lane.stopped += `; bisected: passed ${b.lo}, failed ${b.hi} msg/s`;
  }

  for (const r of racers) r.room?.close();
  await Promise.all(racers.map((r) => r.server.stop()));

  const tables = lanes.map((l) => laneTable(l, criteria)).join('\n\n');
  // The ramp's rates and the bisection's: two lanes can meet at a bisected rate too.
  const measuredRates = [...new Set(lanes.flatMap((l) => l.steps.map((x) => x.rate)))].sort((a, b) => a - b);
  const limits = Object.entries(TETHER_LIMITS)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  process.stdout.write(
    `## Fan-out: ${MEMBERS} members in one room\n\n${header}, load average at end ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}. Steps of ${WARM_MS / 1000} s warm-up + ${WINDOW_MS / 1000} s window + up to ` +
      `${DRAIN_MS / 1000} s drain, after waiting up to ${CALM_MS / 1000} s for a calm machine; pass: p99 ≤ ${criteria.p99Ms} ms and ≥ 95 % delivered. ` +
      `Tether settings: ${limits}. Run time ${(elapsed() / 1000).toFixed(0)} s.\n\n${tables}\n\n` +
      `## Tether / floor, same run\n\n${ratioTables(lanes, criteria, measuredRates)}\n`,
  );
  if (args.json) {
    const best = lanes.map((l) => ({
      kind: l.kind,
      senders: l.senders,
      best: bestStep(l, criteria) ?? null,
    }));
    writeFileSync(args.json, JSON.stringify({ header, criteria, lanes, best }, null, 2));
  }
  process.exit(0);
}

main().catch((err: unknown) => {
  log(`[fanout] ${(err as Error).stack ?? err}`);
  process.exit(1);
});
