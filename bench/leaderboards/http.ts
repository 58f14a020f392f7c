/**
 * Leaderboards over HTTP at a million records, on SQLite and on PostgreSQL: record writes per second
 * with 32 clients, p99 of "around owner" (limit 100) and of a 100-record page at rank ~500,000,
 * beside the naive rank query ("count the rows above", timed in the server process on the same
 * database in the same run). Each backend's server runs in its own process (`http-server.ts`), this
 * process is the load generator. Bounded in time; no assertions on timings.
 *
 *   npm run leaderboards-http -w @tether/bench -- [--records 1000000] [--backends sqlite,postgres]
 *       [--clients 32] [--seconds 10] [--reads 5000] [--warmup 5000] (unmeasured reads before each phase) [--pg postgres://postgres@127.0.0.1:5432/test]
 *       [--naive 100]   (naive rank queries run between the timed reads of each read phase)
 *       [--calm 30] (seconds to wait, before each phase, for the machine to be nearly idle)
 *       [--profile <dir>]   (a V8 CPU profile of each server process, seeding included)
 *       [--trace]   (per read: server wall, CPU, GC and scan time; where the slowest 1 % spent theirs)
 *       [--client http|raw]   (reads over node:http, or over one lean connection: raw-http.ts)
 *       [--server-flags "--max-semi-space-size=64 ..."]   (Node flags for the server processes)
 *
 * The naive query is timed twice: in the server process right after seeding (`naive at seed`), and
 * over HTTP between the timed reads of the around and page phases (`--naive` per phase, in five
 * blocks spread over the phase, one at a time like the reads), so that it meets the same machine as the reads; the
 * ratios use the second (both phases' samples pooled), on a machine whose speed drifts. The
 * server CPU those queries take is not counted in the phase's CPU per read.
 *
 * After the reads, the same client reads a bare `node:http` server in the server's process that
 * answers a body of the around-owner response's size at once (`floor`): the transport's own p50/p99
 * on this machine, which no read can go below.
 *
 * @packageDocumentation
 */

import { Agent, request as httpRequest } from 'node:http';
import { cpus } from 'node:os';
import { PerformanceObserver } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { forkTsChild } from '../fork-child.ts';
import { machineLoad, sampleMachine, waitForCalm } from '../relay/machine.ts';
import type { ServerReady } from './http-server.ts';
import { fmt } from './measure.ts';
import { occurrences, RawHttpClient } from './raw-http.ts';
import type { TracedRequest } from './read-trace.ts';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '1000000' },
    backends: { type: 'string', default: 'sqlite,postgres' },
    client: { type: 'string', default: 'http' },
    clients: { type: 'string', default: '32' },
    seconds: { type: 'string', default: '10' },
    reads: { type: 'string', default: '5000' },
    warmup: { type: 'string', default: '5000' },
    naive: { type: 'string', default: '100' },
    pg: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
    profile: { type: 'string' },
    calm: { type: 'string', default: '30' },
    trace: { type: 'boolean', default: false },
    'server-flags': { type: 'string', default: '' },
  },
});
const RECORDS = Number(args.records);
const CLIENTS = Number(args.clients);
const SECONDS = Number(args.seconds);
const READS = Number(args.reads);
const WARMUP = Number(args.warmup);
const NAIVE_PER_PHASE = Number(args.naive);
/** Blocks the naive queries of a read phase come in (see `readPhase`). */
const NAIVE_BLOCKS = 5;
const READY_TIMEOUT_MS = 15 * 60_000;
const REQUEST_TIMEOUT_MS = 120_000;
/** A progress line on stderr with the time since start, so a stalled run shows where it stalled. */
const progress = (what: string) =>
  process.stderr.write(`[${(performance.now() / 1000).toFixed(0)} s] ${what}\n`);
const agent = new Agent({ keepAlive: true, maxSockets: Number(args.clients) });

interface Latencies {
  readonly count: number;
  readonly perSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

function summarise(samples: number[], elapsedMs: number): Latencies {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  return {
    count: sorted.length,
    perSecond: (sorted.length / elapsedMs) * 1000,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
  };
}

/**
 * One request over a keep-alive connection pool (node:http: far less CPU per request than `fetch`,
 * so the generator is not what limits the server); resolves to the JSON body, throws on a non-2xx.
 * `timing.end` is set when the response's last byte has arrived, before the body is parsed: a read's
 * latency ends there (parsing 30 KB of JSON is the generator's work, and its allocation brings on
 * the generator's own collections).
 */
function request(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
  timing?: { end: number },
): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, { method, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        if (timing) timing.end = performance.now();
        const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
        if ((res.statusCode ?? 500) >= 300)
          reject(new Error(`HTTP ${res.statusCode}: ${JSON.stringify(parsed)}`));
        else resolve(parsed);
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    // A request that gets no answer fails the run, naming itself, instead of hanging it (a PostgreSQL
    // run at a million records once sat for 15 minutes with nothing pending in the server).
    req.setTimeout(REQUEST_TIMEOUT_MS, () =>
      req.destroy(new Error(`${method} ${path}: no response within ${REQUEST_TIMEOUT_MS / 1000} s`)),
    );
    req.end(body);
  });
}

interface Child {
  readonly ready: ServerReady;
  /** The server process's CPU time so far (user + system), µs. */
  cpu(): Promise<number>;
  /** The requests the server traced since the last call (empty unless `--trace`). */
  trace(): Promise<TracedRequest[]>;
  stop(): void;
}

function startChild(backend: string): Promise<Child> {
  const child = forkTsChild(
    new URL('./http-server.ts', import.meta.url),
    [backend, String(RECORDS), args.pg, args.trace ? 'trace' : 'no-trace'],
    args.profile,
    args['server-flags'].split(/\s+/).filter(Boolean),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`${backend}: not ready within ${READY_TIMEOUT_MS / 1000} s`));
    }, READY_TIMEOUT_MS);
    child.once('exit', (code) => reject(new Error(`${backend} server exited with ${code}`)));
    const cpuWaiters: Array<(us: number) => void> = [];
    const traceWaiters: Array<(requests: TracedRequest[]) => void> = [];
    type Reply = { type: 'cpu'; us: number } | { type: 'trace'; requests: TracedRequest[] };
    child.on('message', (m: ServerReady | Reply) => {
      if (m.type === 'cpu') {
        cpuWaiters.shift()?.(m.us);
        return;
      }
      if (m.type === 'trace') {
        traceWaiters.shift()?.(m.requests);
        return;
      }
      if (m.type !== 'ready') return;
      clearTimeout(timer);
      resolve({
        ready: m,
        cpu: () =>
          new Promise((done) => {
            cpuWaiters.push(done);
            child.send({ type: 'cpu' });
          }),
        trace: () =>
          new Promise((done) => {
            traceWaiters.push(done);
            child.send({ type: 'trace' });
          }),
        stop: () => child.send({ type: 'stop' }),
      });
    });
  });
}

async function run(backend: string) {
  console.log(`\n${backend}: seeding ${fmt(RECORDS)} records…`);
  const { ready, cpu, trace, stop } = await startChild(backend);
  const base = `http://127.0.0.1:${ready.port}`;
  try {
    const tokens: string[] = [];
    const basic = `Basic ${Buffer.from('defaultkey:').toString('base64')}`;
    for (let i = 0; i < CLIENTS; i++) {
      const device = JSON.stringify({ id: `bench-device-${backend}-${i.toString().padStart(4, '0')}` });
      const session = await request(
        base,
        'POST',
        '/v2/account/authenticate/device?create=true',
        { authorization: basic, 'content-type': 'application/json' },
        device,
      );
      tokens.push(session.token as string);
    }
    const auth = (i: number) => ({
      authorization: `Bearer ${tokens[i % tokens.length]}`,
      'content-type': 'application/json',
    });

    // Each phase waits (bounded) for other work on the machine to calm down, and reports the CPU the
    // whole machine used meanwhile, so a noisy phase can be told apart.
    const calm = () => waitForCalm(Number(args.calm) * 1000, 0.5);
    await calm();
    let machine = sampleMachine();
    let cpuAt = await cpu();
    const busy: Record<string, number> = {};
    /** The naive query's latency over HTTP, timed between the reads of the read phases (ms). */
    const naiveSamples: number[] = [];
    // Server CPU per operation (µs): steadier than latencies on a shared machine.
    const serverUs: Record<string, number> = {};
    const traces: Record<string, string> = {};
    const phaseStart = async () => {
      // The generator's own full collection now rather than inside the phase: at a million records
      // its incremental marking and weak-callback pauses (2-6 ms) landed inside reads and made up
      // most of the slowest 1 % (seen with --trace). Needs --expose-gc (the npm script passes it).
      (globalThis as { gc?: () => void }).gc?.();
      machine = sampleMachine();
      cpuAt = await cpu();
      await trace();
    };
    const phaseDone = async (
      name: string,
      ops: number,
      samples?: number[],
      spans: Array<[number, number]> = [],
      otherCpuUs = 0,
    ) => {
      const next = sampleMachine();
      busy[name] = machineLoad(machine, next).busyCores;
      serverUs[name] = ((await cpu()) - cpuAt - otherCpuUs) / ops;
      if (args.trace && samples) traces[name] = tail(samples, await trace(), spans);
    };

    progress(`${backend}: ready; writes`);
    // Writes: every client submits its own record as fast as its previous write returns.
    const writeSamples: number[] = [];
    const deadline = performance.now() + SECONDS * 1000;
    const writeStart = performance.now();
    await Promise.all(
      tokens.map(async (_t, c) => {
        while (performance.now() < deadline) {
          const t0 = performance.now();
          const score = String(Math.floor(Math.random() * 1_000_000));
          await request(
            base,
            'POST',
            '/v2/leaderboard/bench',
            auth(c),
            JSON.stringify({ score, subscore: '1' }),
          );
          writeSamples.push(performance.now() - t0);
        }
      }),
    );
    const writes = summarise(writeSamples, performance.now() - writeStart);
    await phaseDone('writes', writes.count);

    // Reads, one at a time: around an owner at rank ~500k, and the page after it (a cursor from there).
    const owners = ready.owners;
    const timing = { end: 0 };
    // --client raw: the reads go over one lean keep-alive connection (raw-http.ts) instead of
    // node:http; a body is parsed only when its cursor is needed, and a page is checked by counting
    // its records' "rank" keys, so the generator allocates next to nothing per read.
    const raw = args.client === 'raw' ? await RawHttpClient.open('127.0.0.1', ready.port) : undefined;
    let rawEnd = 0;
    let rawBytes = 0;
    let bodyBytes = 0;
    const rawAuth = (i: number) => `Authorization: Bearer ${tokens[i % tokens.length]}\r\n`;
    const rawRead = async (
      client: RawHttpClient,
      path: string,
      headers: string,
      parse: boolean,
    ): Promise<Record<string, unknown>> => {
      const res = await client.get(path, headers);
      rawEnd = performance.now();
      rawBytes = res.body.length;
      if (res.status >= 300) throw new Error(`HTTP ${res.status}: ${res.body.toString('utf8')}`);
      if (parse) return JSON.parse(res.body.toString('utf8')) as Record<string, unknown>;
      return { records: { length: occurrences(res.body, RANK_KEY) } };
    };
    /** The transport floor: a bare server in the server's process answering the same body size. */
    const floorBase = `http://127.0.0.1:${ready.floorPort}`;
    const floorRaw = raw ? await RawHttpClient.open('127.0.0.1', ready.floorPort) : undefined;
    /** One read over the chosen client; `parse` asks for the parsed body (else its records are counted). */
    const read = async (floor: boolean, path: string, i: number, parse: boolean) => {
      const client = floor ? floorRaw : raw;
      // Outside the timing: a connection the server closed while idle is opened again first.
      await client?.ensureOpen();
      const t0 = performance.now();
      const body = client
        ? await rawRead(client, path, rawAuth(i), parse)
        : await request(floor ? floorBase : base, 'GET', path, auth(i), undefined, timing);
      const t1 = client ? rawEnd : timing.end;
      return { t0, t1, body };
    };
    /**
     * A phase of reads, one at a time: `--warmup` reads that are not measured, then `--reads` timed
     * ones. V8 keeps compiling a request's hot paths over its first few thousand calls: a bare
     * node:http server answered its first 2,000 requests at p99 1.1-1.7 ms and the 2,000 after the
     * next 2,000 at 0.15-0.25 ms (p50 0.05 throughout), so unwarmed phases measured the compiler.
     */
    const readPhase = async (
      name: string,
      path: (i: number) => string,
      check: (body: Record<string, unknown>) => void,
      floor = false,
    ) => {
      const warm: number[] = [];
      progress(`${backend}: ${name} phase`);
      await calm();
      for (let i = 0; i < WARMUP; i++) {
        const r = await read(floor, path(i), i, false);
        warm.push(r.t1 - r.t0);
      }
      const samples: number[] = [];
      const spans: Array<[number, number]> = [];
      // In NAIVE_BLOCKS blocks spread over the phase: a naive query walks half the board's index,
      // which leaves the next read's pages out of the CPU caches, so a naive query after every
      // 50th read would slow 2 % of the reads (the p99 itself); after each block only one is.
      const blockEvery = floor || NAIVE_PER_PHASE <= 0 ? 0 : Math.max(1, Math.floor(READS / NAIVE_BLOCKS));
      const perBlock = Math.ceil(NAIVE_PER_PHASE / NAIVE_BLOCKS);
      let naiveCpuUs = 0;
      let naiveMs = 0;
      await phaseStart();
      const t = performance.now();
      for (let i = 0; i < READS; i++) {
        const r = await read(floor, path(i), i, false);
        samples.push(r.t1 - r.t0);
        spans.push([r.t0, r.t1]);
        if (!floor) check(r.body);
        if (blockEvery > 0 && i % blockEvery === blockEvery - 1) {
          for (let k = 0; k < perBlock; k++) {
            const n = await read(true, `/naive?i=${naiveSamples.length}`, i, true);
            naiveSamples.push(n.t1 - n.t0);
            naiveCpuUs += (n.body as { cpuUs: number }).cpuUs;
            naiveMs += n.t1 - n.t0;
          }
        }
      }
      // The phase's rate is that of the reads alone: the naive queries' time is taken out.
      const latencies = summarise(samples, performance.now() - t - naiveMs);
      await phaseDone(name, READS, samples, spans, naiveCpuUs);
      return { ...latencies, warmupP99Ms: warm.length > 0 ? pct99(warm) : Number.NaN };
    };

    // Before the phases: one read around each owner, for the page phase's cursors and a rank check.
    const cursors: string[] = [];
    for (let i = 0; i < owners.length; i++) {
      const { body } = await read(false, `/v2/leaderboard/bench/owner/${owners[i]}?limit=100`, i, true);
      if (typeof body.next_cursor === 'string') cursors.push(body.next_cursor);
      if (i === 0) {
        bodyBytes = raw ? rawBytes : Buffer.byteLength(JSON.stringify(body));
        const rank = Number((body.records as { rank: string }[])[50]?.rank);
        if (!(rank > RECORDS / 2 - 1000 && rank < RECORDS / 2 + 1000))
          throw new Error(`unexpected rank ${rank}`);
      }
    }
    const hundred = (body: Record<string, unknown>) => {
      if ((body.records as unknown[]).length !== 100) throw new Error('short read');
    };
    const around = await readPhase(
      'around',
      (i) => `/v2/leaderboard/bench/owner/${owners[i % owners.length]}?limit=100`,
      hundred,
    );
    const page = await readPhase(
      'page',
      (i) => `/v2/leaderboard/bench?limit=100&cursor=${encodeURIComponent(cursors[i % cursors.length]!)}`,
      hundred,
    );
    const floor = {
      ...(await readPhase(
        'floor',
        () => `/floor?bytes=${bodyBytes}`,
        () => {},
        true,
      )),
      bytes: bodyBytes,
    };
    raw?.close();
    floorRaw?.close();
    const naive = summarise(naiveSamples, 1);
    return { backend, ready, writes, around, page, floor, naive, busy, serverUs, traces };
  } finally {
    stop();
  }
}

/** A record's `rank` key as it appears in a response (one per record). */
const RANK_KEY = Buffer.from('"rank":');

/** The load generator's own GC pauses ([start, end] ms on its performance clock), for `--trace`. */
const clientGc: Array<[number, number]> = [];
if (args.trace) {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries())
      if (clientGc.length < 100_000) clientGc.push([e.startTime, e.startTime + e.duration]);
  }).observe({ entryTypes: ['gc'] });
}

/** The generator's GC pause time inside [t0, t1] (ms). */
function clientGcIn(t0: number, t1: number): number {
  let ms = 0;
  for (const [a, b] of clientGc) if (b > t0 && a < t1) ms += Math.min(b, t1) - Math.max(a, t0);
  return ms;
}

function pct99(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(0.99 * sorted.length))] ?? Number.NaN;
}

/**
 * Where the slowest 1 % of a phase's reads spent their time, beside the median read: the client's
 * latency, the server's wall time (arrival to response end), its CPU time, GC pauses and the scan.
 * Requests are matched to the client's samples by order (they ran one at a time).
 */
function tail(client: number[], server: TracedRequest[], spans: Array<[number, number]>): string {
  if (server.length !== client.length)
    return `trace: ${server.length} server requests for ${client.length} reads`;
  const order = client.map((_, i) => i).sort((a, b) => client[a]! - client[b]!);
  const slow = order.slice(Math.floor(order.length * 0.99));
  const mid = order.slice(Math.floor(order.length * 0.45), Math.floor(order.length * 0.55));
  const mean = (idx: number[], f: (r: TracedRequest, i: number) => number) =>
    idx.reduce((s, i) => s + f(server[i]!, i), 0) / idx.length;
  const row = (label: string, idx: number[]) =>
    `${label}: client ${fmt(mean(idx, (_, i) => client[i]!))} ms (of which the generator's own GC ${fmt(mean(idx, (_, i) => clientGcIn(spans[i]![0], spans[i]![1])))}), server wall ${fmt(mean(idx, (r) => r.wallMs))}, ` +
    `CPU ${fmt(mean(idx, (r) => r.cpuMs))}, GC ${fmt(mean(idx, (r) => r.gcMs))}, scan ${fmt(mean(idx, (r) => r.scanMs))}`;
  const kinds = new Map<string, number>();
  for (const i of slow) {
    const k = server[i]!.gcKinds || 'no GC';
    kinds.set(k, (kinds.get(k) ?? 0) + 1);
  }
  const gcAll = server.reduce((s, r) => s + r.gcMs, 0);
  // By server CPU rather than by latency: on a busy machine latency is mostly waiting for a core,
  // while CPU time shows the work a read did (a collection inside it included).
  const byCpu = server.map((_, i) => i).sort((a, b) => server[a]!.cpuMs - server[b]!.cpuMs);
  const cpuTop = byCpu.slice(Math.floor(byCpu.length * 0.99));
  const withGc = server.filter((r) => r.gcMs > 0);
  const withoutGc = server.filter((r) => r.gcMs === 0);
  const meanCpu = (rs: TracedRequest[]) => rs.reduce((s, r) => s + r.cpuMs, 0) / rs.length;
  return (
    `${row('median 10 %', mid)}; ${row('slowest 1 %', slow)}; slowest by GC seen: ${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')}; GC in all reads ${fmt(gcAll)} ms; ` +
    `reads with a GC inside ${withGc.length} of ${server.length} (CPU ${fmt(meanCpu(withGc))} ms vs ${fmt(meanCpu(withoutGc))} without); ` +
    `top 1 % by server CPU: ${cpuTop.filter((i) => server[i]!.gcMs > 0).length} of ${cpuTop.length} with a GC, CPU p50 ${fmt(server[byCpu[Math.floor(byCpu.length / 2)]!]!.cpuMs)} / p99 ${fmt(server[byCpu[Math.floor(byCpu.length * 0.99)]!]!.cpuMs)} ms; ` +
    `in the phase's first 5 %: ${slow.filter((i) => i < client.length * 0.05).length} of the slowest 1 %, ${cpuTop.filter((i) => i < client.length * 0.05).length} of the top 1 % by CPU; ` +
    `client p99 without the first 5 %: ${fmt(pct99(client.slice(Math.floor(client.length * 0.05))))} ms (all: ${fmt(pct99(client))})`
  );
}

console.log(
  `leaderboard HTTP benchmark: ${fmt(RECORDS)} records, ${CLIENTS} writers for ${SECONDS} s, ${READS} timed reads per phase after ${WARMUP} warm-up reads; Node ${process.version}, ${cpus().length} cores`,
);
const results = [];
for (const backend of args.backends.split(',')) results.push(await run(backend));

console.log(
  '\n| backend | seed s | index rebuild s | writes/s (32 clients) | write p99 ms | around-owner p50 / p99 ms | page@500k p50 / p99 ms | naive count-above p50 / p99 ms (between reads) | naive at seed p50 / p99 ms | index rankOf p99 µs | naive p99 ÷ around p99 | naive p99 ÷ page p99 | bare HTTP floor p50 / p99 ms | naive p99 ÷ floor p99 |',
);
console.log(`|${'---|'.repeat(14)}`);
const machineNotes: string[] = [];
for (const r of results) {
  // The reference of the ratios: the naive query timed between the reads (see the header).
  const naiveP99Ms = r.naive.count > 0 ? r.naive.p99Ms : r.ready.naive.p99Us / 1000;
  console.log(
    `| ${r.backend} | ${fmt(r.ready.seedMs / 1000)} | ${fmt(r.ready.rebuildMs / 1000)} | ${fmt(r.writes.perSecond)} | ${fmt(r.writes.p99Ms)} | ` +
      `${fmt(r.around.p50Ms)} / ${fmt(r.around.p99Ms)} | ${fmt(r.page.p50Ms)} / ${fmt(r.page.p99Ms)} | ` +
      `${fmt(r.naive.p50Ms)} / ${fmt(r.naive.p99Ms)} (${r.naive.count}) | ` +
      `${fmt(r.ready.naive.p50Us / 1000)} / ${fmt(r.ready.naive.p99Us / 1000)} | ${fmt(r.ready.index.p99Us)} | ` +
      `${fmt(naiveP99Ms / r.around.p99Ms)}× | ${fmt(naiveP99Ms / r.page.p99Ms)}× | ` +
      `${fmt(r.floor.p50Ms)} / ${fmt(r.floor.p99Ms)} | ${fmt(naiveP99Ms / r.floor.p99Ms)}× |`,
  );
  const b = r.busy;
  const us = r.serverUs;
  machineNotes.push(
    `${r.backend}: machine busy (all processes, cores) during writes ${fmt(b.writes ?? Number.NaN)}, around ${fmt(b.around ?? Number.NaN)}, page ${fmt(b.page ?? Number.NaN)}; ` +
      `server CPU per operation (µs) write ${fmt(us.writes ?? Number.NaN)}, around ${fmt(us.around ?? Number.NaN)}, page ${fmt(us.page ?? Number.NaN)}, floor ${fmt(us.floor ?? Number.NaN)}; ` +
      `p99 of the warm-up reads: around ${fmt(r.around.warmupP99Ms)}, page ${fmt(r.page.warmupP99Ms)}, floor ${fmt(r.floor.warmupP99Ms)} ms; ` +
      `floor body ${fmt(r.floor.bytes)} bytes; p99 above the floor: around ${fmt(r.around.p99Ms - r.floor.p99Ms)} ms, page ${fmt(r.page.p99Ms - r.floor.p99Ms)} ms`,
  );
}
console.log(
  `\nratios at p50: ${results.map((r) => `${r.backend} naive ÷ around ${fmt(r.naive.p50Ms / r.around.p50Ms)}×, naive ÷ page ${fmt(r.naive.p50Ms / r.page.p50Ms)}×`).join('; ')}; ` +
    `with the naive query timed at seed instead: ${results.map((r) => `${r.backend} p99 ÷ around ${fmt(r.ready.naive.p99Us / 1000 / r.around.p99Ms)}×, ÷ page ${fmt(r.ready.naive.p99Us / 1000 / r.page.p99Ms)}×`).join('; ')}`,
);
for (const note of machineNotes) console.log(note);
for (const r of results)
  for (const [phase, text] of Object.entries(r.traces)) console.log(`${r.backend} ${phase}: ${text}`);
process.exit(0);
