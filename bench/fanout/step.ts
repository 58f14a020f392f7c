/**
 * One measured step of the fan-out benchmark: `senders` members of a room send at a fixed total
 * rate for a warm-up and a window, then in-flight messages drain; the step reports deliveries per
 * second, latency percentiles and CPU per delivery of the server and of the generator.
 *
 * @packageDocumentation
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import type { ServerChild } from './child.ts';
import { nowUs, type Room } from './room.ts';

/** What one step does. */
export interface StepPlan {
  /** Total messages per second, spread over the senders in turn. */
  readonly rate: number;
  /** Members that send (the first ones of the room). */
  readonly senders: number;
  readonly warmMs: number;
  readonly windowMs: number;
  /** Longest wait after the window for its messages to finish arriving. */
  readonly drainMs: number;
}

/** The figures of one step. */
export interface StepResult {
  readonly rate: number;
  readonly senders: number;
  readonly members: number;
  /** Messages per second actually sent during the window. */
  readonly sentRate: number;
  /** `sentRate × members`: deliveries per second the members should receive. */
  readonly expectedPerSec: number;
  /** Deliveries received per second while the window was open. */
  readonly deliveredPerSec: number;
  /** Share of the deliveries owed for the window's messages that arrived by the end of the drain. */
  readonly completeness: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /**
   * Server CPU time per delivery, µs, over the whole step: from before its first message to after its
   * last delivery (warm-up and late deliveries included), when the server is idle at both ends.
   */
  readonly serverUsPerDelivery: number;
  /** Share of the server's CPU time spent in the kernel (system time: mostly socket writes). */
  readonly serverSystemShare: number;
  /** Server CPU use over the same span, in cores (1 = one core busy). */
  readonly serverCores: number;
  /** Generator (this process) CPU time per delivery over the same span, µs. */
  readonly generatorUsPerDelivery: number;
  /** Share of the generator's CPU time spent in the kernel (mostly receiving on its sockets). */
  readonly generatorSystemShare: number;
  readonly generatorCores: number;
  /**
   * CPU used by everything except this server and the generator over the same span, in cores (from
   * `/proc/stat`; NaN where it cannot be read). Above about half a core, the step measured the
   * machine's other work as much as the server.
   */
  readonly outsideCores: number;
  /** One-minute load average of the machine at the end of the step. */
  readonly load1: number;
  /** Member sockets that closed during the step. */
  readonly disconnects: number;
  /** Error envelopes received during the step. */
  readonly errors: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Busy and total CPU time of the whole machine so far (clock ticks, all CPUs), or null off Linux. */
function machineTicks(): { busy: number; total: number } | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    // cpu user nice system idle iowait irq softirq steal …
    const f = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = f;
    const busy = user + nice + system + irq + softirq + steal;
    return { busy, total: busy + idle + iowait };
  } catch {
    return null;
  }
}

/**
 * Waits until the machine is nearly idle (under half a core busy over 250 ms) for at most `maxMs`,
 * so that fewer windows overlap a burst of other processes' work; returns the last busy figure, in
 * cores (NaN off Linux). Call it while no step runs: then all the machine's work is outside work.
 */
export async function waitForCalm(maxMs: number): Promise<number> {
  const until = performance.now() + maxMs;
  let busyCores = Number.NaN;
  do {
    const a = machineTicks();
    await sleep(250);
    const b = machineTicks();
    if (!a || !b || b.total <= a.total) return Number.NaN;
    busyCores = ((b.busy - a.busy) / (b.total - a.total)) * cpus().length;
  } while (busyCores >= 0.5 && performance.now() < until);
  return busyCores;
}

interface CpuMark {
  readonly machine: { busy: number; total: number } | null;
  readonly serverUs: number;
  readonly serverSystemUs: number;
  readonly generatorUs: number;
  readonly generatorSystemUs: number;
  readonly arrived: number;
  readonly at: number;
}

/** CPU of both processes, and the room's delivery count when the server's answer arrived. */
async function mark(room: Room, server: ServerChild): Promise<CpuMark> {
  const { cpuUs, systemUs } = await server.cpu(30_000);
  const { user, system } = process.cpuUsage();
  return {
    machine: machineTicks(),
    serverUs: cpuUs,
    serverSystemUs: systemUs,
    generatorUs: user + system,
    generatorSystemUs: system,
    arrived: room.arrived,
    at: performance.now(),
  };
}

/**
 * Waits until no delivery has arrived for 250 ms (at most 20 s), so that a server that fell behind
 * has finished its backlog before the next step, of any server, starts.
 */
async function settle(room: Room): Promise<void> {
  const until = performance.now() + 20_000;
  let seen = room.arrived;
  let quietSince = performance.now();
  while (performance.now() < until && performance.now() - quietSince < 250) {
    await sleep(50);
    if (room.arrived !== seen) {
      seen = room.arrived;
      quietSince = performance.now();
    }
  }
}

/**
 * Runs one step. Sending is paced by a 2 ms timer: each tick sends every message due by then on a
 * fixed schedule (so a late tick sends a burst, as a late client would); each message is stamped
 * when it is actually sent.
 */
export async function runStep(room: Room, server: ServerChild, plan: StepPlan): Promise<StepResult> {
  const members = room.members.length;
  const disconnectsBefore = room.disconnects.length;
  const errorsBefore = room.errors;
  // CPU is compared between two moments when the server is idle (before the first message, and after
  // the last delivery has arrived), so that a server running late cannot skew it.
  const first = await mark(room, server);
  const start = nowUs();
  const from = start + plan.warmMs * 1000;
  const to = from + plan.windowMs * 1000;
  room.openWindow(from, to);

  let sent = 0;
  let nextSender = 0;
  const sending = new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const now = nowUs();
      const due = Math.floor(((Math.min(now, to) - start) * plan.rate) / 1e6);
      while (sent < due) {
        room.send(nextSender);
        nextSender = (nextSender + 1) % plan.senders;
        sent++;
      }
      if (now >= to) {
        clearInterval(timer);
        resolve();
      }
    }, 2);
  });

  await sending;
  const windowSent = room.counts().sent;
  const owed = windowSent * members;
  const drainUntil = performance.now() + plan.drainMs;
  while (room.counts().delivered < owed && performance.now() < drainUntil) await sleep(20);
  const deliveredInTime = room.counts().delivered;
  await settle(room);
  const last = await mark(room, server);

  // Latencies include deliveries that arrived after the drain: they happened, late.
  const counts = room.counts();
  const deliveries = Math.max(1, last.arrived - first.arrived);
  const elapsedUs = (last.at - first.at) * 1000;
  const serverCores = (last.serverUs - first.serverUs) / elapsedUs;
  const generatorCores = (last.generatorUs - first.generatorUs) / elapsedUs;
  const machineCores =
    first.machine && last.machine && last.machine.total > first.machine.total
      ? ((last.machine.busy - first.machine.busy) / (last.machine.total - first.machine.total)) *
        cpus().length
      : Number.NaN;
  return {
    rate: plan.rate,
    senders: plan.senders,
    members,
    sentRate: windowSent / (plan.windowMs / 1000),
    expectedPerSec: (windowSent / (plan.windowMs / 1000)) * members,
    deliveredPerSec: counts.receivedInWindow / (plan.windowMs / 1000),
    completeness: owed === 0 ? 0 : deliveredInTime / owed,
    p50Ms: counts.latency.quantileMs(0.5),
    p99Ms: counts.latency.quantileMs(0.99),
    maxMs: counts.latency.maxMs,
    serverUsPerDelivery: (last.serverUs - first.serverUs) / deliveries,
    serverSystemShare:
      (last.serverSystemUs - first.serverSystemUs) / Math.max(1, last.serverUs - first.serverUs),
    serverCores,
    generatorUsPerDelivery: (last.generatorUs - first.generatorUs) / deliveries,
    generatorSystemShare:
      (last.generatorSystemUs - first.generatorSystemUs) / Math.max(1, last.generatorUs - first.generatorUs),
    generatorCores,
    outsideCores: Math.max(0, machineCores - serverCores - generatorCores),
    load1: loadavg()[0] ?? Number.NaN,
    disconnects: room.disconnects.length - disconnectsBefore,
    errors: room.errors - errorsBefore,
  };
}
