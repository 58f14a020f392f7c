/**
 * Authentications per second against a real Tether server, loopback only and bounded in time.
 *
 *   node --import tsx bench/accounts-auth.ts [--seconds 4] [--concurrency 32] [--postgres <url>]
 *     [--backends sqlite,postgres] [--no-email] [--profile <dir>]
 *
 * Scenarios, each after a one-second warm-up: device authentication creating new accounts, device
 * authentication of existing accounts, and email + password login of existing accounts (one Argon2id
 * verification each), on SQLite and, when reachable, on PostgreSQL (in a throwaway schema). Every
 * figure is also given as a ratio to a reference measured in the same run: a bare HTTP endpoint that
 * signs one JWT with jose and touches no storage. The server runs in a child process; this process
 * only generates load (keep-alive connections, one request in flight per connection).
 * `--backends` picks the databases, `--no-email` skips the email logins (whose cost is Argon2id's),
 * and `--profile <dir>` writes a `--cpu-prof` profile of each server process (setup included).
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Agent } from 'node:http';
import { parseArgs } from 'node:util';
import { hash } from '@node-rs/argon2';
import pg from 'pg';
import { post } from './auth-post.ts';
import { childCpu, childPort, forkTsChild } from './fork-child.ts';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '4' },
    concurrency: { type: 'string', default: '32' },
    postgres: {
      type: 'string',
      default: process.env.TETHER_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    },
    backends: { type: 'string', default: 'sqlite,postgres' },
    email: { type: 'boolean', default: true },
    profile: { type: 'string' },
  },
  allowNegative: true,
});
const BACKENDS = (args.backends as string).split(',');
const SECONDS = Number(args.seconds);
const CONCURRENCY = Number(args.concurrency);
const HASH_COST = { memoryCost: 19_456, timeCost: 2, parallelism: 1 }; // Tether's defaults

interface Result {
  readonly name: string;
  readonly ok: number;
  readonly failed: number;
  readonly perSec: number;
  readonly p50: number;
  readonly p99: number;
  /** Server CPU time (user + system) per successful request, µs. */
  readonly cpuUs: number;
}

/** Starts the benchmark server in a child process and resolves with its port. */
function startServer(argv: string[]): Promise<{ port: number; child: ChildProcess }> {
  const child = forkTsChild(new URL('./accounts-auth-server.ts', import.meta.url), argv, args.profile);
  return childPort(child, 'benchmark server');
}

async function stopServer(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.send('stop');
  await exited;
}

/** Runs `CONCURRENCY` request loops for `seconds`; `next(i)` gives the path and body of request i. */
async function drive(
  name: string,
  server: Server,
  seconds: number,
  next: (i: number) => [path: string, body: string],
): Promise<Result> {
  const { port, child } = server;
  const cpu0 = await childCpu(child);
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const latencies: number[] = [];
  let ok = 0;
  let failed = 0;
  let i = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        const [path, body] = next(i++);
        const t0 = performance.now();
        const status = await post(agent, port, path, body);
        latencies.push(performance.now() - t0);
        if (status === 200) ok++;
        else failed++;
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  const cpuUs = ((await childCpu(child)) - cpu0) / Math.max(1, ok);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
  return { name, ok, failed, perSec: ok / elapsed, p50: pct(0.5), p99: pct(0.99), cpuUs };
}

/** Warm-up (discarded), then the measured run. */
async function measure(name: string, server: Server, next: (i: number) => [string, string]): Promise<Result> {
  await drive(name, server, 1, next);
  return drive(name, server, SECONDS, next);
}

/** A started server child. */
interface Server {
  readonly port: number;
  readonly child: ChildProcess;
}

/** Sends every body once (untimed setup); fails if any request fails. */
async function populate(port: number, path: string, bodies: string[]): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const statuses = await Promise.all(bodies.map((b) => post(agent, port, path, b)));
  agent.destroy();
  const bad = statuses.filter((s) => s !== 200).length;
  if (bad > 0) throw new Error(`setup: ${bad} of ${bodies.length} requests to ${path} failed`);
}

/** The three Tether scenarios on one running server. */
async function tetherScenarios(backend: string, server: Server): Promise<Result[]> {
  const { port } = server;
  const run = randomBytes(4).toString('hex');
  const device = '/v2/account/authenticate/device';
  const email = '/v2/account/authenticate/email';
  const created = await measure(`${backend}: device, new account`, server, (i) => [
    device,
    JSON.stringify({ id: `bench-new-${run}-${i}` }),
  ]);
  // Existing accounts, created before the clock starts.
  const known = Array.from({ length: CONCURRENCY * 8 }, (_, i) => `bench-old-${run}-${i}`);
  await populate(
    port,
    device,
    known.map((id) => JSON.stringify({ id })),
  );
  const returning = await measure(`${backend}: device, returning`, server, (i) => [
    device,
    JSON.stringify({ id: known[i % known.length] }),
  ]);
  if (!args.email) return [created, returning];
  const mails = Array.from({ length: CONCURRENCY }, (_, i) => `bench-${run}-${i}@example.com`);
  await populate(
    port,
    email,
    mails.map((m) => JSON.stringify({ email: m, password: 'bench password' })),
  );
  const login = await measure(`${backend}: email login, returning`, server, (i) => [
    `${email}?create=false`,
    JSON.stringify({ email: mails[i % mails.length], password: 'bench password' }),
  ]);
  return [created, returning, login];
}

async function postgresReachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch (err) {
    console.log(
      `PostgreSQL at ${url} unreachable (${(err as Error).message}): skipping the PostgreSQL runs.`,
    );
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await client.end();
}

async function main(): Promise<void> {
  // The hash cost, measured on its own: what every email login pays.
  const t0 = performance.now();
  for (let i = 0; i < 10; i++) await hash('bench password', HASH_COST);
  const hashMs = (performance.now() - t0) / 10;
  console.log(
    `Argon2id m=${HASH_COST.memoryCost} KiB, t=${HASH_COST.timeCost}, p=1: ${hashMs.toFixed(1)} ms per hash (one thread)`,
  );
  console.log(
    `${SECONDS} s per scenario after 1 s warm-up, ${CONCURRENCY} concurrent keep-alive connections\n`,
  );

  const results: Result[] = [];
  const ref = await startServer(['reference']);
  results.push(
    await measure('reference: bare jose JWT endpoint', ref, (i) => ['/', JSON.stringify({ id: `ref-${i}` })]),
  );
  await stopServer(ref.child);

  if (BACKENDS.includes('sqlite')) {
    const sqlite = await startServer(['tether', 'sqlite']);
    results.push(...(await tetherScenarios('sqlite', sqlite)));
    await stopServer(sqlite.child);
  }

  if (BACKENDS.includes('postgres') && (await postgresReachable(args.postgres))) {
    const schema = `tether_bench_${randomBytes(4).toString('hex')}`;
    const server = await startServer(['tether', args.postgres, schema]);
    try {
      results.push(...(await tetherScenarios('postgres', server)));
    } finally {
      await stopServer(server.child);
      await dropSchema(args.postgres, schema);
    }
  }

  const reference = results[0]!.perSec;
  const refCpu = results[0]!.cpuUs;
  console.log(
    'scenario                              auth/s   vs ref   p50 ms   p99 ms   errors  srv µs/auth  µs vs ref',
  );
  for (const r of results) {
    console.log(
      `${r.name.padEnd(36)} ${r.perSec.toFixed(0).padStart(7)} ${(r.perSec / reference).toFixed(2).padStart(8)} ${r.p50
        .toFixed(1)
        .padStart(8)} ${r.p99.toFixed(1).padStart(8)} ${String(r.failed).padStart(8)} ${r.cpuUs
        .toFixed(0)
        .padStart(12)} ${(r.cpuUs / refCpu).toFixed(2).padStart(10)}`,
    );
  }
}

await main();
