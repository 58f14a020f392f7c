/**
 * The soak's pass criteria and its report.
 *
 * **Memory flat after warm-up.** Measured on the server's RSS less the unused part of V8's heap
 * reservation (heap total − heap used): V8 grows and shrinks that reservation by tens of MiB on its
 * own (a 28 MiB shrink in the middle of a 3-minute run here), which is not a leak, while a leak of
 * JavaScript objects raises heap used and a native or Buffer leak raises RSS alone, so both still
 * show. The run is cut in thirds: the first is warm-up (caches, JIT, pools and the database reach
 * their working size), the second gives the baseline, the median of its samples, and the third the
 * median of its own. It passes when the last third's median exceeds the baseline by at most
 * `max(rssGrowthMiB, rssGrowthFraction × baseline)` (24 MiB or 10 % by default). Medians, not
 * maxima, so one garbage-collection peak or a burst of outside load does not decide; thirds of the
 * run, so a leak of r MiB/min fails a run of D minutes once r × D/3 exceeds the allowance (about
 * 2.4 MiB/min for 30 minutes, 24 MiB/min for the 3-minute cut). The raw RSS growth and the
 * least-squares slope over the last two thirds are reported beside it.
 *
 * **Nothing acknowledged lost** (see `ledger.ts`): no chat message acknowledged as persistent missing
 * from its channel's history, no match or party data message owed to a receiver missing, none
 * delivered twice.
 *
 * **Alive and working**: the server answered every scrape and is still running, closed no socket on
 * its own, sent no error reply and let at most 1 % of the requests time out; and every kind of
 * traffic made progress in the last third (chat acks, match and party deliveries, matchmaker
 * matches, reconnections after churn, new accounts).
 *
 * @packageDocumentation
 */
import type { ChatTotals, StreamTotals } from './ledger.ts';
import type { Counters, Histograms, SoakOptions } from './world.ts';

/** One sample of the run. */
export interface Sample {
  /** Seconds since the traffic started. */
  readonly t: number;
  readonly rssMiB: number;
  /** RSS less V8's unused heap reservation (heap total − heap used), MiB: what the memory check uses. */
  readonly liveMiB: number;
  readonly heapMiB: number;
  /** V8 heap reserved, and memory outside it (Buffers), MiB. */
  readonly heapTotalMiB: number;
  readonly externalMiB: number;
  readonly loopP99Ms: number;
  readonly loopMaxMs: number;
  readonly sessions: number;
  /** Server CPU (cores) since the previous sample. */
  readonly serverCores: number;
  /** All CPUs of the machine busy (cores) since the previous sample. */
  readonly machineCores: number;
  /** Client-side p99 (ms) in the window: chat round trip, match/party data delivery. */
  readonly requestP99Ms: number;
  readonly deliveryP99Ms: number;
  /** Server CPU time so far (s). */
  readonly cpuSeconds: number;
  /** Progress counters at the sample (cumulative). */
  readonly acked: number;
  readonly delivered: number;
  readonly mmMatched: number;
  readonly reconnects: number;
  readonly newAccounts: number;
}

/** The memory criterion's figures (MiB; "live" is RSS less V8's unused heap reservation). */
export interface MemoryVerdict {
  readonly baselineMiB: number;
  readonly lastMiB: number;
  readonly growthMiB: number;
  readonly allowanceMiB: number;
  readonly slopeMiBPerMin: number;
  /** The same medians' difference on raw RSS, for the record. */
  readonly rssGrowthMiB: number;
  readonly pass: boolean;
}

function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** Least-squares slope of y over x. */
function slope(points: readonly (readonly [number, number])[]): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const mx = points.reduce((a, p) => a + p[0], 0) / n;
  const my = points.reduce((a, p) => a + p[1], 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den === 0 ? Number.NaN : num / den;
}

/** Applies the memory criterion to the samples of a run of `durationSec`. */
export function memoryVerdict(
  samples: readonly Sample[],
  durationSec: number,
  o: Pick<SoakOptions, 'rssGrowthMiB' | 'rssGrowthFraction'>,
): MemoryVerdict {
  const third = durationSec / 3;
  const middle = samples.filter((s) => s.t >= third && s.t < 2 * third);
  const last = samples.filter((s) => s.t >= 2 * third);
  const baselineMiB = median(middle.map((s) => s.liveMiB));
  const lastMiB = median(last.map((s) => s.liveMiB));
  const growthMiB = lastMiB - baselineMiB;
  const rssGrowthMiB = median(last.map((s) => s.rssMiB)) - median(middle.map((s) => s.rssMiB));
  const allowanceMiB = Math.max(o.rssGrowthMiB, o.rssGrowthFraction * baselineMiB);
  const slopeMiBPerMin = slope(
    samples.filter((s) => s.t >= third).map((s) => [s.t / 60, s.liveMiB] as const),
  );
  const pass = middle.length >= 3 && last.length >= 3 && growthMiB <= allowanceMiB;
  return { baselineMiB, lastMiB, growthMiB, allowanceMiB, slopeMiBPerMin, rssGrowthMiB, pass };
}

/** Figures of one third of the run, to compare the last with the middle (same run, same machine). */
export interface ThirdFigures {
  /** Server CPU time per match or party message delivered (µs; all the server's work included). */
  readonly cpuUsPerDelivery: number;
  /** Median over the third's samples of the server's event-loop p99 (ms). */
  readonly loopP99Ms: number;
  /** Median over the third's samples of the client-side p99s (ms). */
  readonly requestP99Ms: number;
  readonly deliveryP99Ms: number;
}

/** The figures of the middle and last thirds. */
export function thirds(
  samples: readonly Sample[],
  durationSec: number,
): { middle: ThirdFigures; last: ThirdFigures } {
  const of = (from: number, to: number): ThirdFigures => {
    const xs = samples.filter((s) => s.t >= from && s.t < to);
    const a = xs[0];
    const b = xs[xs.length - 1];
    const med = (f: (s: Sample) => number) => median(xs.map(f).filter((x) => Number.isFinite(x)));
    return {
      cpuUsPerDelivery:
        a && b && b.delivered > a.delivered
          ? ((b.cpuSeconds - a.cpuSeconds) * 1e6) / (b.delivered - a.delivered)
          : Number.NaN,
      loopP99Ms: med((s) => s.loopP99Ms),
      requestP99Ms: med((s) => s.requestP99Ms),
      deliveryP99Ms: med((s) => s.deliveryP99Ms),
    };
  };
  const third = durationSec / 3;
  return { middle: of(third, 2 * third), last: of(2 * third, Number.POSITIVE_INFINITY) };
}

/** Everything a run measured. */
export interface SoakResult {
  readonly opts: SoakOptions;
  readonly durationSec: number;
  readonly samples: readonly Sample[];
  readonly memory: MemoryVerdict;
  readonly match: StreamTotals;
  readonly party: StreamTotals;
  readonly chat: ChatTotals;
  readonly count: Counters;
  readonly hist: Histograms;
  readonly scrapeFailures: number;
  readonly serverAlive: boolean;
  readonly serverLog: { readonly warn: number; readonly error: number; readonly tail: readonly string[] };
  readonly notes: readonly string[];
  /** Each failed criterion, in words; empty when the run passed. */
  readonly failures: readonly string[];
}

/** Every failed criterion of a run, in words. */
export function judge(r: Omit<SoakResult, 'failures'>): string[] {
  const f: string[] = [];
  const m = r.memory;
  if (!m.pass) {
    f.push(
      `memory: last third's median live memory ${m.lastMiB.toFixed(1)} MiB is ${m.growthMiB.toFixed(1)} MiB ` +
        `above the middle third's ${m.baselineMiB.toFixed(1)} MiB (allowed ${m.allowanceMiB.toFixed(1)} MiB)`,
    );
  }
  if (r.chat.missing > 0) f.push(`chat: ${r.chat.missing} acknowledged messages missing from the history`);
  for (const [name, t] of [
    ['match data', r.match],
    ['party data', r.party],
  ] as const) {
    if (t.lost > 0) f.push(`${name}: ${t.lost} messages lost (${t.examples.join(', ')})`);
    if (t.duplicates > 0) f.push(`${name}: ${t.duplicates} messages delivered twice or out of order`);
  }
  if (!r.serverAlive) f.push('the server process died');
  if (r.scrapeFailures > 0) f.push(`${r.scrapeFailures} scrapes of /metrics failed`);
  if (r.count.unexpectedCloses > 0) f.push(`${r.count.unexpectedCloses} sockets closed by the server`);
  if (r.count.errors > 0) f.push(`${r.count.errors} error replies on healthy connections`);
  const requests = r.chat.acked + r.count.mmTickets;
  if (r.count.timeouts > Math.max(1, 0.01 * requests)) f.push(`${r.count.timeouts} requests timed out`);
  // Progress in the last third, per kind of traffic.
  const lastThird = r.samples.filter((s) => s.t >= (2 * r.durationSec) / 3);
  const first = lastThird[0];
  const end = lastThird[lastThird.length - 1];
  if (!first || !end || first === end) f.push('too few samples in the last third');
  else {
    const progress: [string, keyof Sample][] = [
      ['chat acknowledgements', 'acked'],
      ['match and party deliveries', 'delivered'],
      ['matchmaker matches', 'mmMatched'],
      ['new accounts', 'newAccounts'],
    ];
    if (r.opts.churnPerMinute > 0) progress.push(['reconnections after churn', 'reconnects']);
    for (const [what, key] of progress) {
      if ((end[key] as number) <= (first[key] as number)) f.push(`no ${what} in the last third`);
    }
  }
  return f;
}

const fmt = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '–');

/** The report, as printed. */
export function report(r: SoakResult): string {
  const o = r.opts;
  const lines: string[] = [];
  lines.push(
    `soak: ${fmt(r.durationSec / 60)} min, ${o.clients} players, churn ${o.churnPerMinute * 100} %/min, ` +
      `${o.database === 'sqlite' ? 'SQLite' : 'PostgreSQL'}`,
  );
  lines.push('');
  lines.push(
    '   t s  RSS MiB  live MiB  heap used/total MiB  ext MiB  loop p99/max ms  sessions  srv cores  machine cores  chat p99 ms  data p99 ms',
  );
  const step = Math.max(1, Math.ceil(r.samples.length / 24));
  r.samples.forEach((s, i) => {
    if (i % step !== 0 && i !== r.samples.length - 1) return;
    lines.push(
      `${fmt(s.t, 0).padStart(6)}  ${fmt(s.rssMiB).padStart(7)}  ${fmt(s.liveMiB).padStart(8)}  ` +
        `${`${fmt(s.heapMiB)}/${fmt(s.heapTotalMiB)}`.padStart(19)}  ` +
        `${fmt(s.externalMiB).padStart(7)}  ` +
        `${`${fmt(s.loopP99Ms)}/${fmt(s.loopMaxMs)}`.padStart(15)}  ${String(s.sessions).padStart(8)}  ` +
        `${fmt(s.serverCores, 2).padStart(9)}  ${fmt(s.machineCores, 2).padStart(13)}  ` +
        `${fmt(s.requestP99Ms).padStart(11)}  ${fmt(s.deliveryP99Ms).padStart(11)}`,
    );
  });
  const m = r.memory;
  const h = r.hist;
  const c = r.count;
  const loops = r.samples.map((s) => s.loopP99Ms).filter((x) => Number.isFinite(x));
  lines.push('');
  lines.push(
    `memory (live = RSS − unused V8 heap): baseline (median of the middle third) ${fmt(m.baselineMiB)} MiB, ` +
      `last third ${fmt(m.lastMiB)} MiB, growth ${fmt(m.growthMiB)} MiB (allowed ${fmt(m.allowanceMiB)}), slope ` +
      `${fmt(m.slopeMiBPerMin, 2)} MiB/min; raw RSS growth ${fmt(m.rssGrowthMiB)} MiB → ${m.pass ? 'flat' : 'GROWING'}`,
  );
  lines.push(
    `event loop: p99 per sample median ${fmt(median(loops))} ms, worst ${fmt(loops.length ? Math.max(...loops) : Number.NaN)} ms; ` +
      `client p99: chat round trip ${fmt(h.request.total.quantileMs(0.99))} ms, match/party delivery ` +
      `${fmt(h.delivery.total.quantileMs(0.99))} ms, device auth ${fmt(h.auth.total.quantileMs(0.99))} ms, ` +
      `matchmaker ticket→matched ${fmt(h.matchmaker.total.quantileMs(0.99), 0)} ms`,
  );
  const { middle, last } = thirds(r.samples, r.durationSec);
  const ratio = (f: (t: ThirdFigures) => number) => `${fmt(f(last) / f(middle), 2)}×`;
  lines.push(
    `last third / middle third: server CPU per delivered message ${fmt(last.cpuUsPerDelivery)} / ` +
      `${fmt(middle.cpuUsPerDelivery)} µs = ${ratio((t) => t.cpuUsPerDelivery)}, loop p99 ${ratio((t) => t.loopP99Ms)}, ` +
      `chat p99 ${ratio((t) => t.requestP99Ms)}, data p99 ${ratio((t) => t.deliveryP99Ms)} (medians of the samples' p99s)`,
  );
  lines.push(
    `chat: ${r.chat.acked} acknowledged, ${r.chat.found} found in ${r.chat.historyMessages} history messages, ` +
      `${r.chat.missing} missing${r.chat.examples.length ? ` (${r.chat.examples.join(', ')})` : ''}`,
  );
  for (const [name, t] of [
    ['match data', r.match],
    ['party data', r.party],
  ] as const) {
    lines.push(
      `${name}: ${t.sent} sent, ${t.delivered} delivered, ${t.lost} lost, ${t.duplicates} duplicated or reordered`,
    );
  }
  lines.push(
    `matchmaker: ${c.mmTickets} tickets, ${c.mmMatched} matched, ${c.mmJoined} joined by token, ` +
      `${c.mmTimeouts} unmatched after 30 s, ${c.mmDelivered} messages delivered`,
  );
  lines.push(
    `churn: ${c.drops.close} clean closes + ${c.drops.cut} cuts, ${c.reconnects} reconnections; ` +
      `${c.auths} device logins, ${c.newAccounts} new accounts; ${c.regroups} matches/parties remade`,
  );
  lines.push(
    `trouble: ${c.unexpectedCloses} server closes, ${c.errors} error replies, ${c.timeouts} timeouts, ` +
      `${c.setupFailures} failed (re)connections, ${r.scrapeFailures} failed scrapes; server log: ` +
      `${r.serverLog.warn} warnings, ${r.serverLog.error} errors`,
  );
  for (const n of r.notes.slice(0, 10)) lines.push(`  note: ${n}`);
  for (const l of r.serverLog.tail.slice(-5)) lines.push(`  server: ${l}`);
  lines.push('');
  lines.push(r.failures.length === 0 ? 'PASS' : `FAIL\n${r.failures.map((x) => `  - ${x}`).join('\n')}`);
  return lines.join('\n');
}
