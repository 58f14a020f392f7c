/**
 * One measurement of `echo.ts`: a fixed number of messages kept in flight on one connection for a
 * fixed time, counting echoes, round-trip times and the CPU time both processes spent.
 *
 * @packageDocumentation
 */
import type { EchoClient } from './echo-clients.ts';

/** Waiting for the messages still in flight after a measurement ends. */
const DRAIN_TIMEOUT_MS = 10_000;
/** Round-trip times kept per measurement (bounded memory; the count continues past it). */
const MAX_SAMPLES = 1 << 21;

/** What one measurement (one row, one scenario, one round) yields. */
export interface Sample {
  /** Echoes per second during the measured window. */
  readonly rate: number;
  /** Round-trip times in ms (ping-pong only; send to echo). */
  readonly rtts: Float64Array;
  /** CPU time (user + system) per echo during the window, µs: server process, this process. */
  readonly serverUs: number;
  readonly clientUs: number;
}

/** Reads the server process's CPU time (µs) over IPC. */
export type CpuProbe = () => Promise<number>;

function cpuNow(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** Shared scratch space for round-trip times, copied out per measurement. */
const scratch = new Float64Array(MAX_SAMPLES);

/**
 * Keeps `depth` messages of `size` bytes in flight on `client` for `warmMs + runMs`, counting the
 * echoes that arrive in the last `runMs`, then stops sending and waits for the rest to come back,
 * so the next measurement starts with nothing in flight. `serverCpu` is read as the window opens and
 * closes. Rejects if the connection fails or echoes stop coming back (no timing is asserted).
 */
export function measure(
  client: EchoClient,
  size: number,
  depth: number,
  warmMs: number,
  runMs: number,
  serverCpu: CpuProbe,
) {
  return new Promise<Sample>((resolve, reject) => {
    const send = client.sender(size);
    const sentAt = new Float64Array(depth);
    const keep = depth === 1 ? MAX_SAMPLES : 0;
    let head = 0;
    let tail = 0;
    let inflight = 0;
    let phase: 'warm' | 'run' | 'drain' | 'done' = 'warm';
    let echoes = 0;
    let kept = 0;
    let t0 = 0;
    let t1 = 0;
    let cpu0 = 0;
    let cpu1 = 0;
    let server0: Promise<number> = Promise.resolve(0);
    let server1: Promise<number> = Promise.resolve(0);
    const timers: NodeJS.Timeout[] = [];
    const fail = (err: Error) => {
      if (phase === 'done') return;
      phase = 'done';
      timers.forEach(clearTimeout);
      reject(err);
    };
    const finish = () => {
      phase = 'done';
      timers.forEach(clearTimeout);
      const rtts = scratch.slice(0, kept);
      Promise.all([server0, server1]).then(([s0, s1]) => {
        const rate = echoes / ((t1 - t0) / 1000);
        resolve({ rate, rtts, serverUs: (s1 - s0) / echoes, clientUs: (cpu1 - cpu0) / echoes });
      }, reject);
    };
    const fire = () => {
      sentAt[tail] = performance.now();
      tail = (tail + 1) % depth;
      inflight++;
      send();
    };
    client.onError = fail;
    client.onEcho = (n) => {
      if (phase === 'done') return;
      if (n !== size) return fail(new Error(`echo of ${n} bytes, sent ${size}`));
      const rtt = performance.now() - sentAt[head]!;
      head = (head + 1) % depth;
      inflight--;
      if (phase === 'run') {
        echoes++;
        if (kept < keep) scratch[kept++] = rtt;
      }
      if (phase !== 'drain') fire();
      else if (inflight === 0) finish();
    };
    timers.push(
      setTimeout(() => {
        phase = 'run';
        t0 = performance.now();
        cpu0 = cpuNow();
        server0 = serverCpu();
      }, warmMs),
      setTimeout(() => {
        phase = 'drain';
        t1 = performance.now();
        cpu1 = cpuNow();
        server1 = serverCpu();
        if (inflight === 0) finish();
      }, warmMs + runMs),
      setTimeout(
        () => fail(new Error(`${inflight} echoes missing after the drain timeout`)),
        warmMs + runMs + DRAIN_TIMEOUT_MS,
      ),
    );
    for (let i = 0; i < depth; i++) fire();
  });
}
