/**
 * Interleaved A/B of leaderboard reads: two server processes seeded alike, one from this checkout
 * ("after") and one from another checkout of the repository ("before", `--before <dir>`), and the
 * same reads (around owner, limit 100, and a 100-record page at rank ~N/2) sent one at a time,
 * alternating between the servers in blocks, so both see the same outside load. Reports each
 * server's latency p50 / p99, its CPU per read and its garbage collections during the reads
 * (scavenges with their mean pause, full collections; `gc-stats.mjs`, preloaded into both), and
 * after ÷ before. No writes.
 *
 *   npm run leaderboards-ab -w @tether/bench -- --before /path/to/checkout [--records 200000]
 *       [--backends sqlite,postgres] [--reads 4000] [--block 200]
 *       [--before-flags '--max-semi-space-size=16'] [--after-flags '--max-semi-space-size=64']
 *
 * `--before .` with different flags compares Node settings on the same code.
 *
 * @packageDocumentation
 */
import { Agent, request as httpRequest } from 'node:http';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { forkTsChild } from '../fork-child.ts';
import type { ServerReady } from './http-server.ts';
import { fmt } from './measure.ts';

const { values: args } = parseArgs({
  options: {
    before: { type: 'string' },
    records: { type: 'string', default: '200000' },
    backends: { type: 'string', default: 'sqlite,postgres' },
    reads: { type: 'string', default: '4000' },
    block: { type: 'string', default: '200' },
    pg: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
    'before-flags': { type: 'string', default: '' },
    'after-flags': { type: 'string', default: '' },
  },
});
if (!args.before) throw new Error('--before <checkout> is required');
const READS = Number(args.reads);
const BLOCK = Number(args.block);
const agent = new Agent({ keepAlive: true, maxSockets: 4 });

function get(port: number, path: string, headers: Record<string, string>): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
        if ((res.statusCode ?? 500) >= 300)
          reject(new Error(`HTTP ${res.statusCode}: ${JSON.stringify(body)}`));
        else resolve(body);
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function post(port: number, path: string, headers: Record<string, string>, body: string) {
  return new Promise<Record<string, unknown>>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Garbage collections of a server so far (`gc-stats.mjs`, preloaded into both). */
interface GcTotals {
  readonly minor: number;
  readonly minorMs: number;
  readonly major: number;
  readonly majorMs: number;
  /** Bytes allocated on the JavaScript heap since the first report. */
  readonly allocated: number;
}

interface Server {
  readonly name: string;
  readonly ready: ServerReady;
  readonly token: string;
  cpu(): Promise<number>;
  gc(): Promise<GcTotals>;
  stop(): void;
}

async function start(name: string, root: string, backend: string, flags: string): Promise<Server> {
  const script = pathToFileURL(join(root, 'bench/leaderboards/http-server.ts'));
  const child = forkTsChild(script, [backend, args.records, args.pg], undefined, [
    '--import',
    GC_STATS,
    ...flags.split(' ').filter(Boolean),
  ]);
  const cpuWaiters: Array<(us: number) => void> = [];
  const gcWaiters: Array<(gc: GcTotals) => void> = [];
  const ready = await new Promise<ServerReady>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
    child.on('message', (m: ServerReady | { type: 'cpu'; us: number } | ({ type: 'gc' } & GcTotals)) => {
      if (m.type === 'cpu') cpuWaiters.shift()?.(m.us);
      else if (m.type === 'gc') gcWaiters.shift()?.(m);
      else if (m.type === 'ready') resolve(m);
    });
  });
  const basic = `Basic ${Buffer.from('defaultkey:').toString('base64')}`;
  const session = await post(
    ready.port,
    '/v2/account/authenticate/device?create=true',
    { authorization: basic, 'content-type': 'application/json' },
    JSON.stringify({ id: `ab-device-${name}-000001` }),
  );
  return {
    name,
    ready,
    token: session.token as string,
    cpu: () =>
      new Promise((done) => {
        cpuWaiters.push(done);
        child.send({ type: 'cpu' });
      }),
    gc: () =>
      new Promise((done) => {
        gcWaiters.push(done);
        child.send({ type: 'gc' });
      }),
    stop: () => child.send({ type: 'stop' }),
  };
}

/** Preloaded into both servers (this checkout's copy), so the "before" checkout needs no change. */
const GC_STATS = new URL('./gc-stats.mjs', import.meta.url).pathname;

const pct = (s: number[], q: number) =>
  [...s].sort((a, b) => a - b)[Math.floor(q * (s.length - 1))] ?? Number.NaN;

async function phase(servers: Server[], kind: 'around' | 'page'): Promise<string[]> {
  const samples = servers.map(() => [] as number[]);
  const cpuUs = servers.map(() => 0);
  const minor = servers.map(() => ({ n: 0, ms: 0 }));
  const major = servers.map(() => ({ n: 0, ms: 0 }));
  const allocated = servers.map(() => 0);
  const cursors = new Map<Server, string[]>();
  for (const s of servers) {
    const list: string[] = [];
    for (const owner of s.ready.owners.slice(0, 50)) {
      const body = await get(s.ready.port, `/v2/leaderboard/bench/owner/${owner}?limit=100`, {
        authorization: `Bearer ${s.token}`,
      });
      list.push(body.next_cursor as string);
    }
    cursors.set(s, list);
  }
  for (let done = 0; done < READS; done += BLOCK) {
    for (const [k, s] of servers.entries()) {
      const gc0 = await s.gc();
      const before = await s.cpu();
      for (let i = done; i < done + BLOCK; i++) {
        const path =
          kind === 'around'
            ? `/v2/leaderboard/bench/owner/${s.ready.owners[i % s.ready.owners.length]}?limit=100`
            : `/v2/leaderboard/bench?limit=100&cursor=${encodeURIComponent(cursors.get(s)![i % 50]!)}`;
        const t0 = performance.now();
        await get(s.ready.port, path, { authorization: `Bearer ${s.token}` });
        samples[k]!.push(performance.now() - t0);
      }
      cpuUs[k]! += (await s.cpu()) - before;
      const gc1 = await s.gc();
      minor[k]!.n += gc1.minor - gc0.minor;
      minor[k]!.ms += gc1.minorMs - gc0.minorMs;
      major[k]!.n += gc1.major - gc0.major;
      major[k]!.ms += gc1.majorMs - gc0.majorMs;
      allocated[k]! += gc1.allocated - gc0.allocated;
    }
  }
  const lines = servers.map(
    (s, k) =>
      `${s.name}: p50 ${fmt(pct(samples[k]!, 0.5))} ms, p99 ${fmt(pct(samples[k]!, 0.99))} ms, CPU/read ${fmt(cpuUs[k]! / samples[k]!.length)} µs, ` +
      `scavenges ${minor[k]!.n} (${fmt(minor[k]!.ms / Math.max(1, minor[k]!.n))} ms each), full GCs ${major[k]!.n} (${fmt(major[k]!.ms)} ms), ` +
      `allocated/read ${fmt(allocated[k]! / samples[k]!.length / 1024)} KB`,
  );
  const ratio = (f: (k: number) => number) => fmt(f(1) / f(0));
  lines.push(
    `after ÷ before: p50 ${ratio((k) => pct(samples[k]!, 0.5))}, p99 ${ratio((k) => pct(samples[k]!, 0.99))}, CPU/read ${ratio((k) => cpuUs[k]!)}, scavenge ms/read ${ratio((k) => minor[k]!.ms)}, allocated/read ${ratio((k) => allocated[k]!)}`,
  );
  return lines;
}

for (const backend of args.backends.split(',')) {
  console.log(`\n${backend}: seeding ${fmt(Number(args.records))} records in each server…`);
  const root = new URL('../..', import.meta.url).pathname;
  // Relative to where npm was run (INIT_CWD), not to bench/, where npm runs the script.
  const beforeRoot = resolve(process.env.INIT_CWD ?? process.cwd(), args.before);
  const before = await start('before', beforeRoot, backend, args['before-flags']);
  const after = await start('after', root, backend, args['after-flags']);
  try {
    for (const kind of ['around', 'page'] as const) {
      for (const line of await phase([before, after], kind)) console.log(`${backend} ${kind}: ${line}`);
    }
  } finally {
    before.stop();
    after.stop();
  }
}
process.exit(0);
