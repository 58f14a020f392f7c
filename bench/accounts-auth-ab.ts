/**
 * Device authentication, this checkout against another one (a baseline), **interleaved**: both
 * servers (and the bare jose endpoint of `accounts-auth.ts`) run at once and take turns, so load
 * from outside the benchmark hits both alike. Reports each round's rate and server CPU per login,
 * and the medians of after/before ratios, which hold on a busy machine where absolute figures swing.
 *
 *   node --conditions=@tether/source --import tsx bench/accounts-auth-ab.ts --base <checkout>
 *     [--rounds 8] [--seconds 2] [--concurrency 32] [--scenarios returning,new] [--postgres <url>]
 *
 * `<checkout>` is another Tether working tree with its dependencies installed (e.g. `git worktree
 * add` of main, then its `npm install`s), whose `bench/accounts-auth-server.ts` is started from its
 * own `bench/`. `--postgres` runs both on PostgreSQL (throwaway schemas, dropped at the end) instead
 * of SQLite. On Linux the CPU of each server's main thread is also given (`/proc`): the rest is
 * V8's compiler and GC threads and, for the jose endpoint, the thread pool.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { post } from './auth-post.ts';
import { childCpu, childPort, forkTsChild } from './fork-child.ts';

const { values: args } = parseArgs({
  options: {
    base: { type: 'string' },
    rounds: { type: 'string', default: '8' },
    seconds: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '32' },
    scenarios: { type: 'string', default: 'returning,new' },
    postgres: { type: 'string' },
  },
});
if (!args.base) throw new Error('--base <another Tether checkout> is required');
const BASE = args.base;
const ROUNDS = Number(args.rounds);
const SECONDS = Number(args.seconds);
const CONCURRENCY = Number(args.concurrency);
const SCENARIOS = (args.scenarios as string).split(',') as ('returning' | 'new')[];
const DEVICE = '/v2/account/authenticate/device';

interface Server {
  readonly port: number;
  readonly child: ChildProcess;
}

interface Turn {
  readonly rate: number;
  /** Server CPU per successful request (all threads), µs. */
  readonly us: number;
  /** The main thread's share of `us` (Linux), µs. */
  readonly mainUs: number | undefined;
  readonly failed: number;
}

/** CPU ticks (1/100 s) of a process's main thread, or undefined without `/proc`. */
function mainThreadTicks(pid: number): number | undefined {
  const stat = `/proc/${pid}/task/${pid}/stat`;
  if (!existsSync(stat)) return undefined;
  const fields = readFileSync(stat, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** `CONCURRENCY` keep-alive request loops against `server` for `seconds`. */
async function drive(server: Server, seconds: number, next: () => [string, string]): Promise<Turn> {
  const pid = server.child.pid!;
  const ticks0 = mainThreadTicks(pid);
  const cpu0 = await childCpu(server.child);
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  let ok = 0;
  let failed = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        const [path, body] = next();
        if ((await post(agent, server.port, path, body)) === 200) ok++;
        else failed++;
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  const us = ((await childCpu(server.child)) - cpu0) / Math.max(1, ok);
  const ticks1 = mainThreadTicks(pid);
  agent.destroy();
  const mainUs =
    ticks0 === undefined || ticks1 === undefined ? undefined : ((ticks1 - ticks0) * 10_000) / Math.max(1, ok);
  return { rate: ok / elapsed, us, mainUs, failed };
}

/** Starts a Tether benchmark server from `benchDir` (this checkout's or the baseline's). */
function startTether(benchDir: string | undefined, argv: string[]): Promise<Server> {
  if (benchDir === undefined) {
    return childPort(forkTsChild(new URL('./accounts-auth-server.ts', import.meta.url), argv), 'server');
  }
  const child = fork(join(benchDir, 'accounts-auth-server.ts'), argv, {
    execArgv: ['--conditions=@tether/source', '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    cwd: benchDir,
  });
  return childPort(child, 'baseline server');
}

async function stop(server: Server): Promise<void> {
  const exited = new Promise((r) => server.child.once('exit', r));
  server.child.send('stop');
  await exited;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

const fmt = (t: Turn) =>
  `${t.rate.toFixed(0).padStart(5)}/s ${t.us.toFixed(0).padStart(4)} µs${
    t.mainUs === undefined ? '' : ` (main ${t.mainUs.toFixed(0)})`
  }${t.failed ? ` ${t.failed} failed` : ''}`;

async function main(): Promise<void> {
  const run = randomBytes(4).toString('hex');
  const schemas = args.postgres ? [`tether_ab_${run}_base`, `tether_ab_${run}_this`] : [];
  const database = (i: number) => (args.postgres ? [args.postgres, schemas[i]!] : ['sqlite']);
  const ref = await childPort(
    forkTsChild(new URL('./accounts-auth-server.ts', import.meta.url), ['reference']),
    'reference',
  );
  const before = await startTether(join(BASE, 'bench'), ['tether', ...database(0)]);
  const after = await startTether(undefined, ['tether', ...database(1)]);
  try {
    const known = Array.from({ length: CONCURRENCY * 8 }, (_, i) => `ab-old-${run}-${i}`);
    const setup = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    for (const s of [before, after]) {
      const statuses = await Promise.all(
        known.map((id) => post(setup, s.port, DEVICE, JSON.stringify({ id }))),
      );
      if (statuses.some((st) => st !== 200)) throw new Error('setup: creating the known accounts failed');
    }
    setup.destroy();
    let n = 0;
    const reference = (): [string, string] => ['/', JSON.stringify({ id: `ref-${n++}` })];
    const returning = (): [string, string] => [DEVICE, JSON.stringify({ id: known[n++ % known.length] })];
    const fresh = (): [string, string] => [DEVICE, JSON.stringify({ id: `ab-new-${run}-${n++}` })];
    // Warm-up, discarded.
    await drive(ref, 1, reference);
    for (const s of [before, after])
      for (const sc of SCENARIOS) await drive(s, 1, sc === 'new' ? fresh : returning);

    const ratios: Record<string, number[]> = {};
    const push = (key: string, v: number) => {
      ratios[key] ??= [];
      ratios[key].push(v);
    };
    console.log(
      `${args.postgres ? 'PostgreSQL' : 'SQLite'}: ${ROUNDS} rounds of ${SECONDS} s per server and scenario, ${CONCURRENCY} clients`,
    );
    for (let r = 0; r < ROUNDS; r++) {
      const bare = await drive(ref, SECONDS, reference);
      const parts = [`round ${r}: bare ${fmt(bare)}`];
      for (const sc of SCENARIOS) {
        const next = sc === 'new' ? fresh : returning;
        // Alternate which goes first, so neither always follows the bare endpoint.
        let a: Turn;
        let b: Turn;
        if (r % 2 === 0) {
          a = await drive(before, SECONDS, next);
          b = await drive(after, SECONDS, next);
        } else {
          b = await drive(after, SECONDS, next);
          a = await drive(before, SECONDS, next);
        }
        parts.push(`${sc}: before ${fmt(a)} | after ${fmt(b)} | after/before ${(b.us / a.us).toFixed(2)}`);
        push(`${sc} after/before`, b.us / a.us);
        push(`${sc} before/bare`, a.us / bare.us);
        push(`${sc} after/bare`, b.us / bare.us);
      }
      console.log(parts.join('\n  '));
    }
    console.log('\nmedian server CPU per login ratios:');
    for (const [key, v] of Object.entries(ratios)) {
      console.log(
        `  ${key.padEnd(24)} ${median(v).toFixed(2)}  (${Math.min(...v).toFixed(2)}–${Math.max(...v).toFixed(2)})`,
      );
    }
  } finally {
    for (const s of [ref, before, after]) await stop(s);
    if (args.postgres) {
      const client = new pg.Client({ connectionString: args.postgres });
      await client.connect();
      for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    }
  }
}

await main();
