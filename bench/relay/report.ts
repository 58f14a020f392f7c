/**
 * Verdicts and tables of the relay benchmark: a row per step per server, the largest number of
 * matches each server carried with p99 under the limit, and Tether's ratio to each other server.
 *
 * @packageDocumentation
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ServerKind } from './dialects.ts';
import { MATCH_SIZE, SEND_HZ, type WindowResult } from './ipc.ts';
import type { MachineLoad } from './machine.ts';

/** Outside load (cores) above which a step is marked as disturbed. */
const OUTSIDE_LOAD_NOTE = 0.25;

/** Display names of the servers. */
export const LABELS: Readonly<Record<ServerKind, string>> = {
  ws: 'plain ws relay',
  'ws-batched': 'ws relay, writes batched per turn',
  'ws-batched-sized': 'ws relay, batched, frames of Tether JSON push size',
  colyseus: 'Colyseus',
  socketio: 'Socket.IO',
  tether: 'Tether',
  'tether-cluster': 'Tether, 2 nodes',
  'tether-before': 'Tether at another commit (--before)',
  'tether-pb': 'Tether, protobuf /ws',
  'tether-pb-before': 'Tether at another commit (--before), protobuf /ws',
};

/** One step of one server. */
export interface Row {
  readonly matches: number;
  readonly clients: number;
  /** Deliveries per second if every message reached the other 7 members of its match. */
  readonly expected: number;
  /** Deliveries per second measured (NaN when the step did not run). */
  readonly delivered: number;
  readonly p50: number;
  readonly p99: number;
  /** Server CPU per wall time during the window (1 = one core), NaN if unknown. */
  readonly serverCpu: number;
  /** The kernel's share of it (system time per wall time). */
  readonly serverSys: number;
  /** A cluster's Redis: its CPU per wall time (NaN for servers without one). */
  readonly redisCpu: number;
  /** Bytes the server allocated on its V8 heap per delivered message during the window. */
  readonly allocPerMsg: number;
  /** The server's main-thread GC time as a share of its CPU time in the window. */
  readonly gcShare: number;
  /**
   * The server's longest event-loop stall in the window (ms, 10 ms resolution): beside the
   * latency's max, it tells a stall of the server from one of the generator.
   */
  readonly serverLoopMaxMs: number;
  /** The server's longest single garbage collection in the window (ms of its main thread). */
  readonly longestGcMs: number;
  /** CPUs kept busy by everything but this server and its generator (cores), NaN if unknown. */
  readonly outsideCores: number;
  /** Fraction of the window during which some runnable task waited for a CPU (Linux PSI). */
  readonly pressure: number;
  readonly result: WindowResult | null;
  readonly pass: boolean;
  /** Why the step failed, or remarks (generator saturation). */
  readonly note: string;
}

/** Everything measured for one server. */
export interface Lane {
  readonly kind: ServerKind;
  readonly rows: Row[];
  /** Largest passing number of matches (0 if none passed). */
  max: number;
  /** True if the ramp ended without a failing step (time budget or last step): `max` is a lower bound. */
  censored: boolean;
  /** Why the ramp ended. */
  reason: string;
}

/** Limits a step must meet. */
export interface Criteria {
  readonly p99Ms: number;
  /** Fraction of expected deliveries that must arrive (0.95). */
  readonly minDelivered: number;
}

/** Deliveries per second expected for `matches` matches. */
export function expectedRate(matches: number): number {
  return matches * MATCH_SIZE * (MATCH_SIZE - 1) * SEND_HZ;
}

/**
 * Judges one measured step; `prevDisconnects` is the count before it. Outside load is reported,
 * never excused: the verdict is the measurement's.
 */
export function judge(
  matches: number,
  r: WindowResult,
  serverCpu: {
    readonly total: number;
    readonly system: number;
    readonly redis: number;
    /** Bytes allocated on the V8 heap per second of the window (NaN if unknown). */
    readonly allocRate: number;
    /** Main-thread GC time over the server's CPU time in the window (NaN if unknown). */
    readonly gcShare: number;
    readonly loopMaxMs: number;
    readonly longestGcMs: number;
  },
  machine: MachineLoad,
  prevDisconnects: number,
  c: Criteria,
  /** A remark on a cluster's bus traffic. */
  busNote?: string,
): Row {
  const expected = expectedRate(matches);
  const delivered = (r.delivered * 1000) / r.windowMs;
  const fails: string[] = [];
  if (!(r.p99 < c.p99Ms)) fails.push(`p99 ≥ ${c.p99Ms} ms`);
  if (delivered < c.minDelivered * expected) fails.push(`delivered < ${Math.round(c.minDelivered * 100)} %`);
  if (r.disconnects > prevDisconnects) fails.push(`${r.disconnects - prevDisconnects} clients disconnected`);
  const remarks: string[] = [];
  const redis = Number.isFinite(serverCpu.redis) ? serverCpu.redis : 0;
  const outsideCores = Math.max(0, machine.busyCores - serverCpu.total - redis - r.genCpu);
  if (outsideCores > OUTSIDE_LOAD_NOTE) remarks.push(`outside load ${outsideCores.toFixed(1)} cores`);
  if (r.skipped > 0) remarks.push(`generator ${r.skipped} sends behind`);
  if (r.genCpu > 0.9) remarks.push('generator near 1 core');
  if (r.undelivered > 0) remarks.push(`${r.undelivered} undelivered after drain`);
  if (busNote) remarks.push(busNote);
  return {
    matches,
    clients: r.clients,
    expected,
    delivered,
    p50: r.p50,
    p99: r.p99,
    serverCpu: serverCpu.total,
    serverSys: serverCpu.system,
    redisCpu: serverCpu.redis,
    allocPerMsg: serverCpu.allocRate / delivered,
    gcShare: serverCpu.gcShare,
    serverLoopMaxMs: serverCpu.loopMaxMs,
    longestGcMs: serverCpu.longestGcMs,
    outsideCores,
    pressure: machine.pressure,
    result: r,
    pass: fails.length === 0,
    note: [...fails, ...remarks].join('; '),
  };
}

const f0 = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '–');
const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '–');
const pct = (n: number) => (Number.isFinite(n) ? `${Math.round(n * 100)} %` : '–');

/** A one-line progress report of a step. */
export function progressLine(kind: ServerKind, row: Row): string {
  return (
    `[relay] ${kind.padEnd(10)} M=${String(row.matches).padStart(4)}  delivered ${f0(row.delivered)}/s ` +
    `(${pct(row.delivered / row.expected)})  p50 ${f2(row.p50)} ms  p99 ${f2(row.p99)} ms  ` +
    `server ${pct(row.serverCpu)} (sys ${pct(row.serverSys)}, ${f2(usPerMessage(row))} µs/msg, ` +
    `${f0(row.allocPerMsg)} B/msg, GC ${pct(row.gcShare)}, stall ${f0(row.serverLoopMaxMs)} ms, ` +
    `longest GC ${f1(row.longestGcMs)} ms)  ` +
    (Number.isFinite(row.redisCpu) ? `redis ${pct(row.redisCpu)}  ` : '') +
    `gen ${pct(row.result?.genCpu ?? Number.NaN)}  outside ${f1(row.outsideCores)}  ${row.pass ? 'ok' : 'FAIL'}` +
    (row.note ? `  (${row.note})` : '')
  );
}

/** Markdown table of one server's steps. */
export function laneTable(lane: Lane, c: Criteria): string {
  const head =
    `### ${LABELS[lane.kind]} (\`${lane.kind}\`): max ${maxText(lane)} matches with p99 < ${c.p99Ms} ms\n\n` +
    '| matches | clients | expected msg/s | delivered msg/s | delivered | p50 ms | p99 ms | max ms | server CPU (kernel) | server µs/msg | heap B/msg | GC share | server stall ms | longest GC ms | Redis CPU | gen CPU | gen loop p99 ms | outside load | CPU pressure | verdict |\n' +
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n';
  const body = lane.rows.map((r) =>
    [
      r.matches,
      f0(r.clients),
      f0(r.expected),
      f0(r.delivered),
      pct(r.delivered / r.expected),
      f2(r.p50),
      f2(r.p99),
      f1(r.result?.max ?? Number.NaN),
      `${pct(r.serverCpu)} (sys ${pct(r.serverSys)})`,
      f2(usPerMessage(r)),
      f0(r.allocPerMsg),
      pct(r.gcShare),
      f0(r.serverLoopMaxMs),
      f1(r.longestGcMs),
      pct(r.redisCpu),
      pct(r.result?.genCpu ?? Number.NaN),
      f1(r.result?.genLoopP99 ?? Number.NaN),
      f1(r.outsideCores),
      pct(r.pressure),
      `${r.pass ? 'ok' : 'FAIL'}${r.note ? `: ${r.note}` : ''}`,
    ].join(' | '),
  );
  return `${head}${body.map((l) => `| ${l} |`).join('\n')}\n\nRamp ended: ${lane.reason}.\n`;
}

/** Server CPU time per delivered message (µs): less sensitive to outside load than latency. */
export function usPerMessage(r: Row): number {
  return (r.serverCpu * 1e6) / r.delivered;
}

function maxText(lane: Lane): string {
  return `${lane.censored ? '≥ ' : ''}${lane.max}`;
}

/** CPU per delivered message of `lane` at `matches` (its last measurement there), NaN if none. */
function usAt(lane: Lane, matches: number): number {
  const rows = lane.rows.filter((r) => r.matches === matches && r.result !== null);
  const last = rows.at(-1);
  return last ? usPerMessage(last) : Number.NaN;
}

/**
 * Summary table: each server's maximum and Tether's ratio to it (measured in the same run), and
 * the server's CPU time per delivered message at one load every server ran (the largest step all
 * of them measured), with the other server's cost over Tether's.
 */
export function summaryTable(lanes: readonly Lane[], c: Criteria): string {
  // The reference: JSON Tether, or protobuf Tether when it ran without it (a protobuf before/after run).
  const tether = lanes.find((l) => l.kind === 'tether') ?? lanes.find((l) => l.kind === 'tether-pb');
  const tetherUsable = tether !== undefined && tether.max > 0;
  const measured = lanes.map((l) => new Set(l.rows.filter((r) => r.result !== null).map((r) => r.matches)));
  const common = [...(measured[0] ?? [])].filter((m) => measured.every((s) => s.has(m)));
  const at = common.length > 0 ? Math.max(...common) : Number.NaN;
  const tetherUs = tether && Number.isFinite(at) ? usAt(tether, at) : Number.NaN;
  const lines = lanes.map((l) => {
    let ratio = '–';
    if (tetherUsable && l !== tether && l.max > 0) {
      const value = (tether.max / l.max).toFixed(2);
      // A censored maximum is a lower bound, so the ratio is a bound too (or unknown if both are).
      if (tether.censored && l.censored) ratio = `? (both ≥)`;
      else if (tether.censored) ratio = `≥ ${value}`;
      else if (l.censored) ratio = `≤ ${value}`;
      else ratio = value;
    }
    const us = Number.isFinite(at) ? usAt(l, at) : Number.NaN;
    const costRatio = l !== tether && Number.isFinite(us / tetherUs) ? (us / tetherUs).toFixed(2) : '–';
    return `| ${LABELS[l.kind]} | ${maxText(l)} | ${f0(l.max * MATCH_SIZE)} | ${l.reason} | ${ratio} | ${f2(us)} | ${costRatio} |`;
  });
  const atText = Number.isFinite(at) ? `at ${at} matches` : '(no common step)';
  return (
    `| server | max matches, p99 < ${c.p99Ms} ms | clients | ramp ended | Tether / server | server µs per delivered msg ${atText} | server µs / Tether µs |\n` +
    '|---|---:|---:|---|---:|---:|---:|\n' +
    `${lines.join('\n')}\n`
  );
}

/** A passing row of `lane` at its maximum, if any. */
function atMax(lane: Lane): Row | undefined {
  return lane.rows.filter((r) => r.matches === lane.max && r.pass).at(-1);
}

/**
 * Two Tether nodes beside one, measured in the same run: the largest load each carried, the
 * deliveries per second there, and the CPU per delivery at the largest load both measured (the two
 * nodes' and Redis's), as ratios. Empty unless both `tether` and `tether-cluster` ran.
 */
export function clusterSummary(lanes: readonly Lane[], c: Criteria): string {
  const one = lanes.find((l) => l.kind === 'tether');
  const two = lanes.find((l) => l.kind === 'tether-cluster');
  if (!one || !two) return '';
  const ratio = (a: number, b: number) => (Number.isFinite(a / b) && b > 0 ? (a / b).toFixed(2) : '–');
  const oneRow = atMax(one);
  const twoRow = atMax(two);
  const measured = (l: Lane) => new Set(l.rows.filter((r) => r.result !== null).map((r) => r.matches));
  const both = [...measured(one)].filter((m) => measured(two).has(m));
  const at = both.length > 0 ? Math.max(...both) : Number.NaN;
  const rowAt = (l: Lane) => l.rows.filter((r) => r.matches === at && r.result !== null).at(-1);
  const o = rowAt(one);
  const t = rowAt(two);
  const oneUs = o ? usPerMessage(o) : Number.NaN;
  const nodesUs = t ? usPerMessage(t) : Number.NaN;
  const redisUs = t ? (t.redisCpu * 1e6) / t.delivered : Number.NaN;
  return (
    `### Two nodes beside one (each match's 8 clients split 4 + 4 over the two nodes; p99 < ${c.p99Ms} ms)\n\n` +
    '| | one node (`tether`) | two nodes (`tether-cluster`) | two / one |\n|---|---:|---:|---:|\n' +
    `| max matches | ${maxText(one)} | ${maxText(two)} | ${ratio(two.max, one.max)} |\n` +
    `| deliveries/s at the max | ${f0(oneRow?.delivered ?? Number.NaN)} | ${f0(twoRow?.delivered ?? Number.NaN)} | ${ratio(twoRow?.delivered ?? Number.NaN, oneRow?.delivered ?? Number.NaN)} |\n` +
    `| server CPU µs per delivery at ${Number.isFinite(at) ? `${at} matches` : '–'} | ${f2(oneUs)} | ${f2(nodesUs)} nodes + ${f2(redisUs)} Redis = ${f2(nodesUs + redisUs)} | ${ratio(nodesUs + redisUs, oneUs)} |\n`
  );
}

/** Installed version of a package (read from its package.json), or '?'. */
export function versionOf(name: string): string {
  const require = createRequire(import.meta.url);
  try {
    let dir = dirname(require.resolve(name));
    for (let i = 0; i < 6; i++) {
      const file = join(dir, 'package.json');
      if (existsSync(file)) {
        const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
        if (pkg.name === name) return pkg.version ?? '?';
      }
      dir = dirname(dir);
    }
  } catch {
    // not installed
  }
  return '?';
}
