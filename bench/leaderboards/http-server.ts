/**
 * The server side of the leaderboard HTTP benchmark, one process per backend: starts the real
 * server (`startServer`) on SQLite (a temporary folder) or PostgreSQL (a throwaway schema), creates
 * the board `bench`, seeds it with `--records` rows through the store's bulk insert, rebuilds the
 * rank index as a restart would (timed), then measures the naive rank query ("count the rows
 * above", the store's `countAbove`) on owners around rank ~500,000 beside the index's `rankOf`.
 * The same naive query is served at `/naive?i=N` by the floor server, for the driver to run between
 * reads.
 *
 * IPC: sends `{ type: 'ready', port, owners, seedMs, rebuildMs, naive, index }`; answers `{ type: 'cpu' }`
 * with `{ type: 'cpu', us }` (its CPU time so far) and, when started with `trace` as its fourth
 * argument, `{ type: 'trace' }` with `{ type: 'trace', requests }` (the requests served since the
 * last such message, see `read-trace.ts`); exits on `{ type: 'stop' }`.
 *
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, startServer } from '@tether/server';
import type { LeaderboardRecord } from '../../packages/server/src/features/leaderboards/leaderboard-types.ts';
import { seededRandom, type Timed, timeOps } from './measure.ts';
import { ReadTracer } from './read-trace.ts';

const [backend, recordsArg, pgUrl, traceArg] = process.argv.slice(2) as [
  'sqlite' | 'postgres',
  string,
  string | undefined,
  string | undefined,
];
const N = Number(recordsArg);
const NAIVE_QUERIES = 200;
const SEED_CHUNK = 50_000;

/** What the child reports when the board is ready. */
export interface ServerReady {
  readonly type: 'ready';
  readonly port: number;
  /** Owners ranked around N/2, in rank order. */
  readonly owners: string[];
  readonly seedMs: number;
  readonly rebuildMs: number;
  /** The naive rank query, run through the store (no HTTP) on owners around N/2. */
  readonly naive: { p50Us: number; p99Us: number; count: number };
  /** The rank index's `rankOf` on the same owners. */
  readonly index: Timed;
  /**
   * A bare `node:http` server in this same process: `GET /floor?bytes=N` answers N bytes of JSON at
   * once, nothing computed. The transport floor the reads are compared with (loopback, the event
   * loop waking for a request, writing the response).
   */
  readonly floorPort: number;
}

async function main(): Promise<void> {
  if (!process.send) throw new Error('run me through leaderboards/http.ts (needs an IPC channel)');
  const data = mkdtempSync(join(tmpdir(), 'tether-lb-bench-'));
  const schema = `tether_lb_bench_${randomBytes(4).toString('hex')}`;
  const config = loadConfig(
    backend === 'postgres'
      ? {
          host: '127.0.0.1',
          port: 0,
          gmPort: 0,
          consolePort: 0,
          data,
          logLevel: 'silent',
          database: pgUrl,
          databaseSchema: schema,
          databasePoolSize: 16,
        }
      : { host: '127.0.0.1', port: 0, gmPort: 0, consolePort: 0, data, logLevel: 'silent' },
    {},
  );
  const server = await startServer(config);
  const lb = server.leaderboards.leaderboards;
  await lb.createLeaderboard({ id: 'bench' });
  const { store } = lb.recordDeps;
  const tracer = traceArg === 'trace' ? new ReadTracer() : undefined;
  if (tracer) store.scanRecords = tracer.timeScans(store.scanRecords.bind(store));

  // Seed: random owners, 1M score values over 10 subscores (ties are common), in bulk.
  const rnd = seededRandom(20_250_101);
  const now = Date.now();
  const seedStart = performance.now();
  for (let done = 0; done < N; done += SEED_CHUNK) {
    const bytes = randomBytes(16 * SEED_CHUNK);
    const chunk: LeaderboardRecord[] = [];
    for (let i = 0; i < Math.min(SEED_CHUNK, N - done); i++) {
      const h = bytes.toString('hex', i * 16, i * 16 + 16);
      chunk.push({
        leaderboardId: 'bench',
        ownerId: `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`,
        username: null,
        score: BigInt(Math.floor(rnd() * 1_000_000)),
        subscore: BigInt(Math.floor(rnd() * 10)),
        numScore: 1,
        maxNumScore: 1_000_000,
        metadata: '{}',
        createTime: now,
        updateTime: now,
        expiryTime: 0,
      });
    }
    await store.insertRecords(chunk);
  }
  const seedMs = performance.now() - seedStart;
  // Rebuild the index from the database, exactly as a restart does.
  const rebuildStart = performance.now();
  await lb.ranks.rebuild(lb.nowSec(), (id) => lb.boards.cached(id));
  const rebuildMs = performance.now() - rebuildStart;
  const index = lb.ranks.held({ leaderboardId: 'bench', expiryTime: 0 })!;
  const around = index.range(Math.max(1, Math.floor(N / 2) - 100), 200);
  const owners = around.map((e) => e.ownerId);

  // The naive reference: count the rows ranked above, through the same store and database.
  const board = (await lb.boards.get('bench'))!;
  const samples: number[] = [];
  for (let i = 0; i < NAIVE_QUERIES; i++) {
    const e = around[i % around.length]!;
    const key = { score: BigInt(e.score), subscore: BigInt(e.subscore), ownerId: e.ownerId };
    const t0 = performance.now();
    const above = await store.countAbove({ leaderboardId: 'bench', expiryTime: 0 }, board.sortOrder, key);
    samples.push(performance.now() - t0);
    if (above + 1 !== e.rank) throw new Error(`naive rank ${above + 1} != index rank ${e.rank}`);
  }
  samples.sort((a, b) => a - b);
  const pick = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]! * 1000;
  const indexTimed = timeOps(100_000, 5, 1000, (i) => {
    index.rankOf(owners[i % owners.length]!);
  });

  /**
   * `/naive?i=N` on the floor server: the naive rank query for owner N (as above, checked against
   * the index's rank of the moment), run while the read phases run, so the reference meets the
   * same machine as the reads it is compared with. Answers `{"rank":R,"cpuUs":C}`, C being the CPU
   * the query took, which the driver takes out of the phase's CPU per read.
   */
  const naiveOverHttp = async (i: number): Promise<string> => {
    const e = around[i % around.length]!;
    const key = { score: BigInt(e.score), subscore: BigInt(e.subscore), ownerId: e.ownerId };
    const c0 = process.cpuUsage();
    const above = await store.countAbove({ leaderboardId: 'bench', expiryTime: 0 }, board.sortOrder, key);
    const c = process.cpuUsage(c0);
    // Checked against the index now: the write phase has added records since the seed.
    const rank = index.rankOf(e.ownerId);
    if (above + 1 !== rank) throw new Error(`naive rank ${above + 1} != index rank ${rank}`);
    return JSON.stringify({ rank: above + 1, cpuUs: c.user + c.system });
  };

  const floorBodies = new Map<number, Buffer>();
  const floor = createHttpServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://floor');
    if (url.pathname === '/naive') {
      void naiveOverHttp(Number(url.searchParams.get('i')) || 0).then(
        (json) => {
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': json.length });
          res.end(json);
        },
        (err: unknown) => {
          const text = String(err);
          res.writeHead(500, { 'content-length': Buffer.byteLength(text) });
          res.end(text);
        },
      );
      return;
    }
    const n = Math.min(1 << 20, Number(url.searchParams.get('bytes')) || 2);
    let body = floorBodies.get(n);
    if (body === undefined) {
      body = Buffer.alloc(n, 0x20);
      body[0] = 0x7b; // {
      body[n - 1] = 0x7d; // }
      floorBodies.set(n, body);
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': n });
    res.end(body);
  });
  // The client's connection waits out the calm before the floor phase: no idle timeout.
  floor.keepAliveTimeout = 0;
  await new Promise<void>((done) => floor.listen(0, '127.0.0.1', done));

  const ready: ServerReady = {
    type: 'ready',
    port: server.http.port,
    owners,
    seedMs,
    rebuildMs,
    naive: { p50Us: pick(0.5), p99Us: pick(0.99), count: samples.length },
    index: indexTimed,
    floorPort: (floor.address() as AddressInfo).port,
  };
  process.send(ready);
  const stop = async () => {
    floor.closeAllConnections();
    floor.close();
    await server.close('benchmark finished');
    if (backend === 'postgres') {
      const pg = await import('pg');
      const client = new pg.default.Client({ connectionString: pgUrl });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    }
    rmSync(data, { recursive: true, force: true });
    process.exit(0);
  };
  process.on('message', (m: { type?: string }) => {
    if (m?.type === 'stop') void stop();
    // The server's CPU time so far (user + system, µs): the parent takes it around each phase.
    if (m?.type === 'cpu') {
      const { user, system } = process.cpuUsage();
      process.send?.({ type: 'cpu', us: user + system });
    }
    if (m?.type === 'trace') process.send?.({ type: 'trace', requests: tracer?.take() ?? [] });
  });
  process.on('disconnect', () => void stop());
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
