/**
 * How busy the whole machine was during a window, so that a step spoiled by outside load (other
 * processes on the same cores) can be told from a server at its limit. Linux only (`/proc/stat`,
 * `/proc/pressure/cpu`); elsewhere every figure is NaN.
 *
 * @packageDocumentation
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/** A reading of the machine's CPU counters. */
export interface MachineSample {
  /** Jiffies spent busy (user, nice, system, irq, softirq, steal) over all CPUs. */
  readonly busy: number;
  /** Jiffies in total over all CPUs. */
  readonly total: number;
  /** Cumulative µs during which at least one runnable task waited for a CPU (PSI "some"). */
  readonly waitUs: number;
  /** When it was taken (ms, `performance.now()`). */
  readonly at: number;
}

/** Reads the counters now. */
export function sampleMachine(): MachineSample {
  let busy = Number.NaN;
  let total = Number.NaN;
  let waitUs = Number.NaN;
  try {
    const f = (readFileSync('/proc/stat', 'latin1').split('\n')[0] ?? '')
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = f;
    busy = user + nice + system + irq + softirq + steal;
    total = busy + idle + iowait;
  } catch {
    // not Linux
  }
  try {
    const m = /some .*total=(\d+)/.exec(readFileSync('/proc/pressure/cpu', 'latin1'));
    if (m) waitUs = Number(m[1]);
  } catch {
    // no PSI
  }
  return { busy, total, waitUs, at: performance.now() };
}

/** Machine load between two samples. */
export interface MachineLoad {
  /** CPUs busy on average (all processes), in cores. */
  readonly busyCores: number;
  /** Fraction of the time some runnable task waited for a CPU (0–1). */
  readonly pressure: number;
}

/** The machine's load between `a` and `b`. */
export function machineLoad(a: MachineSample, b: MachineSample): MachineLoad {
  const busyCores = ((b.busy - a.busy) / (b.total - a.total)) * cpus().length;
  const pressure = (b.waitUs - a.waitUs) / 1000 / (b.at - a.at);
  return { busyCores, pressure: Math.min(1, pressure) };
}

/**
 * Waits until the machine is nearly idle (fewer than `thresholdCores` busy over a 0.5 s sample,
 * while the benchmark's own processes are idle between windows), for at most `maxMs`. Resolves with
 * the time waited and the last sample's busy cores (NaN where `/proc/stat` is missing: no wait).
 */
export async function waitForCalm(
  maxMs: number,
  thresholdCores: number,
): Promise<{ waitedMs: number; busyCores: number }> {
  const t0 = performance.now();
  let busyCores = Number.NaN;
  for (let i = 0; i < 1000; i++) {
    const a = sampleMachine();
    if (Number.isNaN(a.busy)) break;
    await new Promise<void>((r) => setTimeout(r, 500));
    busyCores = machineLoad(a, sampleMachine()).busyCores;
    if (busyCores < thresholdCores || performance.now() - t0 >= maxMs) break;
  }
  return { waitedMs: performance.now() - t0, busyCores };
}
