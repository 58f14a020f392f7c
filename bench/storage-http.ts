/**
 * Storage reads and writes per second over HTTP against a real Tether server, loopback only and
 * bounded in time, beside a reference measured in the same run on the same database.
 *
 *   node --import tsx bench/storage-http.ts [--seconds 2] [--rounds 3] [--concurrency 32] [--postgres <url>]
 *     [--profile <dir>]   (writes a `--cpu-prof` profile of each server process)
 *
 * For each backend (SQLite in a temporary folder; PostgreSQL in a throwaway schema when reachable)
 * two child processes serve the same database: Tether (`startServer`) and a bare `node:http` server
 * that runs the same SQL as Tether's storage store, unauthenticated and unvalidated
 * (`storage-http-server.ts`). This process only generates load: `--concurrency` keep-alive
 * connections, one request in flight on each, one user per connection (Tether requests carry that
 * user's session token). Scenarios: a write (`PUT /v2/storage`, one object of about 150 bytes,
 * last write wins, over one of 100 keys of the user) and a read (`POST /v2/storage`, one object by
 * id). Each round measures every (scenario, server) pair for `--seconds` after a 0.5 s warm-up, the
 * servers alternating so that outside load hits both alike; figures are medians over rounds, and
 * "vs ref" is the median of the per-round ratios Tether / reference. "srv µs/req" is the server
 * process's CPU time per request, steadier than the rates when other work shares the machine; "srv
 * ELU" the event-loop utilisation of its main thread (near 1: that thread is the bound).
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { childPort, forkTsChild } from './fork-child.ts';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '32' },
    profile: { type: 'string' },
    postgres: {
      type: 'string',
      default: process.env.TETHER_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    },
  },
});
const SECONDS = Number(args.seconds);
const ROUNDS = Number(args.rounds);
const CONCURRENCY = Number(args.concurrency);
const KEYS = 100;
const BASIC = `Basic ${Buffer.from('defaultkey:').toString('base64')}`;

interface Sample {
  readonly ok: number;
  readonly failed: number;
  readonly perSec: number;
  readonly p50: number;
  readonly p99: number;
  /** Server CPU time (user + system) per successful request, µs: steadier than rates on a busy machine. */
  readonly cpuUs: number;
  /**
   * The server main thread's event-loop utilisation over the run (0–1): near 1, that thread is the
   * bound; well below, requests wait elsewhere (the load generator, the kernel, other processes).
   */
  readonly elu: number;
}

interface User {
  readonly id: string;
  readonly token: string;
}

function startChild(argv: string[]): Promise<{ port: number; child: ChildProcess }> {
  const child = forkTsChild(new URL('./storage-http-server.ts', import.meta.url), argv, args.profile);
  return childPort(child, 'benchmark server');
}

/** What the child has used so far: CPU time (user + system, µs) and its event loop's idle and active time (ms). */
interface Usage {
  readonly cpu: number;
  readonly idle: number;
  readonly active: number;
}

/** The child's {@link Usage} so far. */
function usageOf(child: ChildProcess): Promise<Usage> {
  return new Promise((resolve) => {
    const onMessage = (m: unknown) => {
      const { cpu, elu } = m as {
        cpu?: { user: number; system: number };
        elu?: { idle: number; active: number };
      };
      if (!cpu || !elu) return;
      child.off('message', onMessage);
      resolve({ cpu: cpu.user + cpu.system, idle: elu.idle, active: elu.active });
    };
    child.on('message', onMessage);
    child.send('cpu');
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.send('stop');
  await exited;
}

/** One request; resolves with the status and body. */
function send(
  agent: Agent,
  port: number,
  method: string,
  path: string,
  body: string,
  auth?: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: '127.0.0.1',
        port,
        path,
        method,
        headers: {
          ...(auth ? { authorization: auth } : {}),
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The request body of connection `c`'s `i`-th operation. */
function writeBody(user: User, i: number): string {
  const key = `k${(i * 7919) % KEYS}`;
  const value = JSON.stringify({
    score: i,
    level: i % 50,
    name: `player-${user.id.slice(0, 8)}`,
    items: [1, 2, 3],
  });
  return JSON.stringify({ objects: [{ collection: 'bench', key, value, user_id: user.id }] });
}
function readBody(user: User, i: number): string {
  return JSON.stringify({
    object_ids: [{ collection: 'bench', key: `k${(i * 7919) % KEYS}`, user_id: user.id }],
  });
}

/** `CONCURRENCY` loops for `seconds`, connection c acting as `users[c]`. */
async function drive(
  server: { port: number; child: ChildProcess },
  users: User[],
  seconds: number,
  op: 'write' | 'read',
  authenticated: boolean,
): Promise<Sample> {
  const { port } = server;
  const before = await usageOf(server.child);
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const latencies: number[] = [];
  let ok = 0;
  let failed = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(
    users.map(async (user) => {
      const auth = authenticated ? `Bearer ${user.token}` : undefined;
      for (let i = 0; performance.now() < end; i++) {
        const [method, body] = op === 'write' ? ['PUT', writeBody(user, i)] : ['POST', readBody(user, i)];
        const t0 = performance.now();
        const res = await send(agent, port, method, '/v2/storage', body, auth);
        latencies.push(performance.now() - t0);
        if (res.status === 200 && (op === 'write' || res.text.includes('"objects"'))) ok++;
        else failed++;
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  const after = await usageOf(server.child);
  const cpuUs = after.cpu - before.cpu;
  const active = after.active - before.active;
  const elu = active / Math.max(1e-9, active + after.idle - before.idle);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
  return {
    ok,
    failed,
    perSec: ok / elapsed,
    p50: pct(0.5),
    p99: pct(0.99),
    cpuUs: cpuUs / Math.max(1, ok),
    elu,
  };
}

/** Users for the run: one device account per connection, each with its 100 keys written. */
async function setUp(port: number): Promise<User[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const run = randomBytes(4).toString('hex');
  const users = await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, c) => {
      const res = await send(
        agent,
        port,
        'POST',
        '/v2/account/authenticate/device',
        JSON.stringify({ id: `bench-storage-${run}-${c}` }),
        BASIC,
      );
      const token = (JSON.parse(res.text) as { token: string }).token;
      const id = (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { uid: string })
        .uid;
      return { id, token };
    }),
  );
  await Promise.all(
    users.map(async (user) => {
      for (let i = 0; i < KEYS; i++) {
        const res = await send(agent, port, 'PUT', '/v2/storage', writeBody(user, i), `Bearer ${user.token}`);
        if (res.status !== 200) throw new Error(`setup write failed: ${res.status} ${res.text}`);
      }
    }),
  );
  agent.destroy();
  return users;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

interface Row {
  readonly name: string;
  readonly tether: Sample[];
  readonly reference: Sample[];
}

async function measureBackend(backend: string, database: string, schema?: string): Promise<Row[]> {
  const data = mkdtempSync(join(tmpdir(), 'tether-bench-storage-'));
  const extra = schema ? [schema] : [];
  const tether = await startChild(['tether', database, data, ...extra]);
  const rows: Row[] = [];
  try {
    const users = await setUp(tether.port);
    // The reference opens the database Tether migrated and seeded.
    const ref = await startChild(['reference', database, data, ...extra]);
    try {
      for (const op of ['write', 'read'] as const) {
        const row: Row = { name: `${backend}: ${op}`, tether: [], reference: [] };
        for (let r = 0; r < ROUNDS; r++) {
          // Alternate which goes first, so a burst of outside load does not always hit the same one.
          const order = r % 2 === 0 ? (['tether', 'reference'] as const) : (['reference', 'tether'] as const);
          for (const who of order) {
            const server = who === 'tether' ? tether : ref;
            await drive(server, users, 0.5, op, who === 'tether');
            row[who].push(await drive(server, users, SECONDS, op, who === 'tether'));
          }
        }
        rows.push(row);
      }
    } finally {
      await stopChild(ref.child);
    }
  } finally {
    await stopChild(tether.child);
    rmSync(data, { recursive: true, force: true });
  }
  return rows;
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
  console.log(
    `${ROUNDS} rounds of ${SECONDS} s per scenario and server (after 0.5 s warm-up), ${CONCURRENCY} connections, one request in flight each\n`,
  );
  const rows = await measureBackend('sqlite', 'sqlite');
  if (await postgresReachable(args.postgres)) {
    const schema = `tether_bench_${randomBytes(4).toString('hex')}`;
    try {
      rows.push(...(await measureBackend('postgres', args.postgres, schema)));
    } finally {
      await dropSchema(args.postgres, schema);
    }
  }
  console.log(
    'scenario            server      req/s   p50 ms   p99 ms  srv µs/req  srv ELU  errors   vs ref (rounds)',
  );
  for (const row of rows) {
    const ratios = row.tether.map((t, i) => t.perSec / row.reference[i]!.perSec);
    for (const who of ['reference', 'tether'] as const) {
      const s = row[who];
      const cells = [
        row.name.padEnd(19),
        who.padEnd(9),
        median(s.map((x) => x.perSec))
          .toFixed(0)
          .padStart(7),
        median(s.map((x) => x.p50))
          .toFixed(2)
          .padStart(8),
        median(s.map((x) => x.p99))
          .toFixed(2)
          .padStart(8),
        median(s.map((x) => x.cpuUs))
          .toFixed(0)
          .padStart(11),
        median(s.map((x) => x.elu))
          .toFixed(2)
          .padStart(8),
        String(s.reduce((n, x) => n + x.failed, 0)).padStart(7),
      ];
      if (who === 'tether') {
        const range = `${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}`;
        cells.push(`${median(ratios).toFixed(2).padStart(8)} (${range})`);
      }
      console.log(cells.join(' '));
    }
  }
}

await main();
