/**
 * Micro-benchmark of the leaderboard rank index on one board of 1,000,000 records: bulk load, score
 * changes per second, exact rank look-ups, a 100-record page at rank ~500,000 and an "around owner"
 * window, with memory in use; beside it, in the same run and on the same inputs, two naive
 * references (a sorted array with splice, and counting the records above). In-process only, bounded
 * in count and time, no assertions on timings.
 *
 *   npm run rank-index --prefix bench -- [--records 1000000] [--upserts 200000] [--queries 100000]
 *       [--pages 20000] [--naive-upserts 2000] [--naive-counts 200] [--seconds 5]
 *       [--shapes 256/64] [--only tree,naive]
 *
 * `--shapes` takes B+tree node sizes (leaf/inner) to compare, e.g. `64/32,128/64,256/64`. The
 * skip list with span counts that the B+tree was chosen over was measured by this file at commit
 * 0486196 (`skip-list-ranks.ts`); it lost on every figure (see docs in `rank-index.ts`).
 *
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { RankIndex, RankOrder } from '../../packages/server/src/features/leaderboards/rank-index.ts';
import { fmt, memoryInUse, seededRandom, type Timed, timeOnce, timeOps } from './measure.ts';
import { type Columns, compareDesc, linearRankOf, type NaiveRow, SortedArrayRanks } from './naive-ranks.ts';

const { values: args } = parseArgs({
  options: {
    records: { type: 'string', default: '1000000' },
    upserts: { type: 'string', default: '200000' },
    queries: { type: 'string', default: '100000' },
    pages: { type: 'string', default: '20000' },
    'naive-upserts': { type: 'string', default: '2000' },
    'naive-counts': { type: 'string', default: '200' },
    seconds: { type: 'string', default: '5' },
    shapes: { type: 'string', default: '256/64' },
    only: { type: 'string', default: 'tree,naive' },
  },
});
const N = Number(args.records);
const SECONDS = Number(args.seconds);
const only = new Set(args.only.split(','));
const PAGE = 100;
const SCORE_RANGE = 1_000_000;

/** What every candidate must do; ranks are 1-based, pages return how many records they produced. */
interface Ranker {
  upsert(ownerId: string, score: number, subscore: number): number;
  rankOf(ownerId: string): number;
  page(fromRank: number, count: number): number;
}

interface Result {
  name: string;
  build: string;
  buildMs: number;
  bytes: number;
  upsert?: Timed;
  rankOf?: Timed;
  page?: Timed;
  around?: Timed;
}

// Inputs, the same for every candidate: owners, initial scores (ties are common: 1M records over
// 1M score values and 10 subscores), then the sequences of score changes and look-ups.
const rnd = seededRandom(20_240_601);
const bytes = randomBytes(16 * N);
const rows: NaiveRow[] = new Array(N);
for (let i = 0; i < N; i++) {
  const h = bytes.toString('hex', i * 16, i * 16 + 16);
  // Written out through a Buffer so each id is one flat string, as a database driver returns it
  // (a concatenation would be a rope that the first reader flattens, skewing memory figures).
  const text = `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
  const ownerId = Buffer.from(text, 'latin1').toString('latin1');
  rows[i] = { ownerId, score: Math.floor(rnd() * SCORE_RANGE), subscore: Math.floor(rnd() * 10) };
}
const sorted = [...rows].sort(compareDesc);
const pick = (count: number) => Int32Array.from({ length: count }, () => Math.floor(rnd() * N));
const upsertWho = pick(Number(args.upserts) + 2000);
const upsertScore = Int32Array.from(upsertWho, () => Math.floor(rnd() * SCORE_RANGE));
const queryWho = pick(Number(args.queries) + 2000);
const mid = Math.max(1, Math.floor(N / 2));
const pageFrom = Int32Array.from({ length: Number(args.pages) + 2000 }, () =>
  Math.max(1, Math.min(N - PAGE + 1, mid + Math.floor(rnd() * 1000) - 500)),
);

/** Runs the shared operation mix on one candidate. */
function exercise(r: Ranker, upserts: number, queries: number, pages: number): Partial<Result> {
  const warm = Math.min(1000, Math.floor(upserts / 2));
  const upsert = timeOps(upserts, SECONDS, warm, (i) => {
    const who = upsertWho[i % upsertWho.length]!;
    r.upsert(rows[who]!.ownerId, upsertScore[i % upsertScore.length]!, who % 10);
  });
  const rankOf = timeOps(queries, SECONDS, 1000, (i) => {
    if (r.rankOf(rows[queryWho[i % queryWho.length]!]!.ownerId) === 0) throw new Error('owner lost');
  });
  const page = timeOps(pages, SECONDS, 1000, (i) => {
    if (r.page(pageFrom[i % pageFrom.length]!, PAGE) !== PAGE) throw new Error('short page');
  });
  // Nakama's haystack with limit 100: up to 100 records above the owner and 50 below.
  const around = timeOps(pages, SECONDS, 1000, (i) => {
    const rank = r.rankOf(rows[queryWho[i % queryWho.length]!]!.ownerId);
    r.page(Math.max(1, rank - PAGE), PAGE + 1 + PAGE / 2);
  });
  return { upsert, rankOf, page, around };
}

function measure(
  name: string,
  build: string,
  make: () => Ranker,
  run: (r: Ranker) => Partial<Result>,
): Result {
  const before = memoryInUse();
  let ranker: Ranker | undefined;
  const buildMs = timeOnce(() => {
    ranker = make();
  });
  const used = memoryInUse() - before;
  const result: Result = { name, build, buildMs, bytes: used, ...run(ranker!) };
  console.log(`  ${name}: ${build} ${fmt(buildMs)} ms, ${fmt(used / 1e6)} MB`);
  return result;
}

function treeRanker(index: RankIndex): Ranker {
  return {
    upsert: (o, s, ss) => index.upsert(o, s, ss),
    rankOf: (o) => index.rankOf(o),
    page: (from, count) => index.range(from, count).length,
  };
}

const results: Result[] = [];
console.log(`rank index benchmark: ${fmt(N)} records, Node ${process.version}, ${cpus().length} cores`);
const [upserts, queries, pages] = [Number(args.upserts), Number(args.queries), Number(args.pages)];

if (only.has('tree')) {
  for (const shape of args.shapes.split(',')) {
    const [leafCapacity, innerCapacity] = shape.split('/').map(Number) as [number, number];
    const opts = { shape: { leafCapacity, innerCapacity } };
    results.push(
      measure(
        `b+tree ${shape}`,
        'bulk load',
        () => treeRanker(RankIndex.load(RankOrder.DESCENDING, sorted, opts)),
        (r) => exercise(r, upserts, queries, pages),
      ),
    );
    results.push(
      measure(
        `b+tree ${shape}`,
        'built by 1M upserts',
        () => {
          const index = new RankIndex(RankOrder.DESCENDING, opts);
          for (const row of rows) index.upsert(row.ownerId, row.score, row.subscore);
          return treeRanker(index);
        },
        () => ({}),
      ),
    );
  }
}

if (only.has('naive')) {
  results.push(
    measure(
      'sorted array (naive)',
      'copy of sorted rows',
      () => {
        const naive = new SortedArrayRanks(sorted);
        return {
          upsert: (o, s, ss) => naive.upsert(o, s, ss),
          rankOf: (o) => naive.rankOf(o),
          page: (f, c) => naive.range(f, c).length,
        };
      },
      (r) => exercise(r, Number(args['naive-upserts']), queries, pages),
    ),
  );
  const columns: Columns = {
    scores: Float64Array.from(rows, (r) => r.score),
    subscores: Float64Array.from(rows, (r) => r.subscore),
    owners: rows.map((r) => r.ownerId),
  };
  const counted = Number(args['naive-counts']);
  const rankOf = timeOps(counted, SECONDS, 20, (i) => linearRankOf(columns, queryWho[i % queryWho.length]!));
  results.push({ name: 'count above (naive)', build: '-', buildMs: Number.NaN, bytes: Number.NaN, rankOf });
}

const cell = (t: Timed | undefined, f: (t: Timed) => number) => (t === undefined ? '-' : fmt(f(t)));
console.log(
  '\n| structure | build | build ms | MB | upserts/s | upsert p99 µs | rankOf p50 µs | rankOf p99 µs |' +
    ' page@500k p50 µs | page@500k p99 µs | around p50 µs | around p99 µs |',
);
console.log(`|${'---|'.repeat(12)}`);
for (const r of results) {
  console.log(
    `| ${r.name} | ${r.build} | ${fmt(r.buildMs)} | ${fmt(r.bytes / 1e6)} | ${cell(r.upsert, (t) => t.perSecond)} | ` +
      `${cell(r.upsert, (t) => t.p99Us)} | ${cell(r.rankOf, (t) => t.p50Us)} | ${cell(r.rankOf, (t) => t.p99Us)} | ` +
      `${cell(r.page, (t) => t.p50Us)} | ${cell(r.page, (t) => t.p99Us)} | ${cell(r.around, (t) => t.p50Us)} | ` +
      `${cell(r.around, (t) => t.p99Us)} |`,
  );
}

const tree = results.find((r) => r.name.startsWith('b+tree') && r.upsert !== undefined);
const sortedArray = results.find((r) => r.name.startsWith('sorted array'));
const linear = results.find((r) => r.name.startsWith('count above'));
if (tree !== undefined) {
  console.log('\nratios (b+tree over the reference; above 1 means the b+tree is faster):');
  if (sortedArray?.upsert !== undefined) {
    console.log(
      `  upserts/s vs sorted array + splice: ${fmt(tree.upsert!.perSecond / sortedArray.upsert.perSecond)}x`,
    );
  }
  if (linear?.rankOf !== undefined) {
    console.log(
      `  rankOf p50 vs counting the records above: ${fmt(linear.rankOf.p50Us / tree.rankOf!.p50Us)}x`,
    );
    console.log(
      `  rankOf p99 vs counting the records above: ${fmt(linear.rankOf.p99Us / tree.rankOf!.p99Us)}x`,
    );
  }
  if (sortedArray !== undefined)
    console.log(
      `  memory: ${fmt(sortedArray.bytes / tree.bytes)}x less than the sorted array (which shares the id strings)`,
    );
}
