/**
 * Judging and reporting the fan-out benchmark: whether a step passed, one table per server and
 * sender count, and the ratios of Tether to the floor measured in the same run.
 *
 * @packageDocumentation
 */
import type { ServerKind } from './kinds.ts';
import type { StepResult } from './step.ts';

/** When a step counts as sustained. */
export interface Criteria {
  /** Largest p99 latency, ms. */
  readonly p99Ms: number;
  /** Smallest share of owed deliveries that must arrive (by the end of the drain). */
  readonly minCompleteness: number;
}

/** One ramp: a server with a number of senders, and the steps it ran. */
export interface Lane {
  readonly kind: ServerKind;
  readonly senders: number;
  readonly steps: StepResult[];
  /** Why the ramp ended; empty while it runs or when every step passed. */
  stopped: string;
}

/** Why a step did not pass, or null when it did. */
export function failure(step: StepResult, criteria: Criteria): string | null {
  if (step.disconnects > 0) return `${step.disconnects} members disconnected`;
  if (step.sentRate < step.rate * 0.95) return `generator sent only ${fmt(step.sentRate, 0)} msg/s`;
  if (step.completeness < criteria.minCompleteness) return `only ${pct(step.completeness)} delivered`;
  if (!(step.p99Ms <= criteria.p99Ms)) return `p99 ${fmt(step.p99Ms, 0)} ms > ${criteria.p99Ms} ms`;
  return null;
}

/** The passed step of the highest rate, if any. */
export function bestStep(lane: Lane, criteria: Criteria): StepResult | undefined {
  // The highest passed rate (bisection measures rates out of order).
  let best: StepResult | undefined;
  for (const s of lane.steps) {
    if (failure(s, criteria) === null && (!best || s.rate > best.rate)) best = s;
  }
  return best;
}

function fmt(n: number, digits = 1): string {
  if (!Number.isFinite(n)) return '-';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function pct(n: number): string {
  return `${fmt(n * 100, 1)} %`;
}

/** A Markdown table. */
function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

/** One line per step while the run goes, on stderr. */
export function progressLine(lane: Lane, step: StepResult, verdict: string | null): string {
  return (
    `[fanout] ${lane.kind.padEnd(14)} S=${String(step.senders).padEnd(3)} ${String(step.rate).padStart(4)} msg/s: ` +
    `${fmt(step.deliveredPerSec, 0).padStart(9)} deliv/s ${pct(step.completeness).padStart(8)} ` +
    `p50 ${fmt(step.p50Ms)} p99 ${fmt(step.p99Ms)} ms, srv ${fmt(step.serverUsPerDelivery, 2)} µs/deliv ` +
    `(${fmt(step.serverCores, 2)} cores, ${pct(step.serverSystemShare)} sys), gen ${fmt(step.generatorUsPerDelivery, 2)} µs/deliv ` +
    `(${pct(step.generatorSystemShare)} sys), ` +
    `outside ${fmt(step.outsideCores, 2)} cores, load ${fmt(step.load1, 2)}${verdict ? `  STOP: ${verdict}` : ''}`
  );
}

/** The table of one lane. */
export function laneTable(lane: Lane, criteria: Criteria): string {
  const rows = lane.steps.map((s) => [
    String(s.rate),
    fmt(s.sentRate, 0),
    fmt(s.expectedPerSec, 0),
    fmt(s.deliveredPerSec, 0),
    pct(s.completeness),
    fmt(s.p50Ms, 1),
    fmt(s.p99Ms, 1),
    fmt(s.maxMs, 0),
    fmt(s.serverUsPerDelivery, 2),
    fmt(s.serverCores, 2),
    pct(s.serverSystemShare),
    fmt(s.generatorUsPerDelivery, 2),
    pct(s.generatorSystemShare),
    fmt(s.generatorCores, 2),
    fmt(s.outsideCores, 2),
    fmt(s.load1, 2),
    failure(s, criteria) ?? 'ok',
  ]);
  const title = `### ${lane.kind}, ${lane.senders} sender${lane.senders === 1 ? '' : 's'}`;
  const end = lane.stopped ? `\n\nRamp ended: ${lane.stopped}.` : '';
  return `${title}\n\n${table(
    [
      'msg/s',
      'sent/s',
      'owed deliv/s',
      'deliv/s',
      'delivered',
      'p50 ms',
      'p99 ms',
      'max ms',
      'srv µs/deliv',
      'srv cores',
      'srv sys',
      'gen µs/deliv',
      'gen sys',
      'gen cores',
      'outside cores',
      'load 1m',
      'verdict',
    ],
    rows,
  )}${end}`;
}

function ratio(a: number | undefined, b: number | undefined, digits = 2): string {
  if (a === undefined || b === undefined || !(b > 0) || !Number.isFinite(a)) return '-';
  return `${fmt(a / b, digits)}×`;
}

/**
 * Tether against each floor, per sender count: maximum sustained deliveries per second (the
 * deliveries per second of the highest passing step; "≥" when no step failed), then p99 and
 * server CPU per delivery at each rate both passed.
 */
export function ratioTables(lanes: readonly Lane[], criteria: Criteria, rates: readonly number[]): string {
  const out: string[] = [];
  const senders = [...new Set(lanes.map((l) => l.senders))];
  for (const s of senders) {
    const of = (kind: ServerKind) => lanes.find((l) => l.kind === kind && l.senders === s);
    const floors = (['ws', 'ws-batched'] as const).filter((k) => of(k));
    const tethers = (['tether', 'tether-persist', 'tether-before'] as const).filter((k) => of(k));
    if (floors.length === 0 || tethers.length === 0) continue;
    const maxRows = [...floors, ...tethers].map((k) => {
      const lane = of(k)!;
      const best = bestStep(lane, criteria);
      // No failing step (every rate passed, or the time budget cut the ramp): a lower bound.
      const censored =
        best !== undefined && lane.steps.every((x) => failure(x, criteria) === null) ? '≥ ' : '';
      return [
        k,
        best ? `${censored}${best.rate}` : 'none',
        best ? `${censored}${fmt(best.deliveredPerSec, 0)}` : '-',
        ...floors.map((f) => {
          const fb = bestStep(of(f)!, criteria);
          return k === f ? '1×' : ratio(best?.deliveredPerSec, fb?.deliveredPerSec);
        }),
      ];
    });
    out.push(
      `### Maximum sustained, ${s} sender${s === 1 ? '' : 's'}\n\n${table(
        ['server', 'msg/s', 'deliveries/s', ...floors.map((f) => `vs ${f}`)],
        maxRows,
      )}`,
    );
    const passedAt = (k: ServerKind, rate: number) => {
      const step = of(k)?.steps.find((x) => x.rate === rate);
      return step && failure(step, criteria) === null ? step : undefined;
    };
    const rateRows: string[][] = [];
    const cpuRatios = new Map<string, number[]>();
    for (const rate of rates) {
      for (const k of [...floors, ...tethers]) {
        const a = passedAt(k, rate);
        if (!a) continue;
        const cells = [String(rate), k, fmt(a.p99Ms), fmt(a.serverUsPerDelivery, 2)];
        for (const f of floors) {
          const b = passedAt(f, rate);
          cells.push(k === f ? '1×' : ratio(a.p99Ms, b?.p99Ms));
        }
        for (const f of floors) {
          const b = passedAt(f, rate);
          cells.push(k === f ? '1×' : ratio(a.serverUsPerDelivery, b?.serverUsPerDelivery));
          if (b && k.startsWith('tether')) {
            const key = `${k}/${f}`;
            cpuRatios.set(key, [
              ...(cpuRatios.get(key) ?? []),
              a.serverUsPerDelivery / b.serverUsPerDelivery,
            ]);
          }
        }
        rateRows.push(cells);
      }
    }
    const head = ['msg/s', 'server', 'p99 ms', 'srv µs/deliv'];
    for (const f of floors) head.push(`p99 ÷ ${f}`);
    for (const f of floors) head.push(`µs/deliv ÷ ${f}`);
    const means = [...cpuRatios]
      .map(([key, list]) => {
        const geo = Math.exp(list.reduce((sum, r) => sum + Math.log(r), 0) / list.length);
        return `${key} ${fmt(geo, 2)}× (geometric mean over ${list.length} rate${list.length === 1 ? '' : 's'})`;
      })
      .join('; ');
    out.push(
      `### At equal rates (steps both passed), ${s} sender${s === 1 ? '' : 's'}\n\n${table(head, rateRows)}` +
        (means ? `\n\nServer CPU per delivery, Tether ÷ floor: ${means}.` : ''),
    );
  }
  return out.join('\n\n');
}
