/**
 * The load generator of the relay benchmark, one process per server under test (forked by
 * `main.ts`, never sharing an event loop with a server). It holds that server's clients, 8 per match,
 * opens more on `grow`, and on `measure` makes every client send one stamped message per 50 ms
 * (20 Hz), the sends spread evenly over time by one 2 ms ticker that walks the clients in turn and
 * catches up to the exact schedule (a generator more than 100 ms behind drops sends and counts
 * them). Receivers read each relayed message's stamp in place and add its latency to a histogram.
 *
 * @packageDocumentation
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { DIALECTS, type Dialect, type Member, type Target } from './dialects.ts';
import { LatencyHistogram } from './histogram.ts';
import { type FromLoad, MATCH_SIZE, SEND_HZ, type ToLoad, type WindowResult } from './ipc.ts';
import { WindowProfiler } from './profiler.ts';
import { stampNow, writeStamp, writeStampBase64 } from './stamp.ts';

/** Matches being set up at once. */
const SETUP_CONCURRENCY = 16;
/** Ticker period of the send schedule (ms). */
const TICK_MS = 2;
/** Sampling interval of the event-loop delay monitor (ms). */
const LOOP_RESOLUTION_MS = 2;
/** How far behind schedule the generator may fall before it drops sends (ms). */
const MAX_LAG_MS = 100;

if (!process.send) throw new Error('run me through relay/main.ts (needs an IPC channel)');
const reply = process.send.bind(process) as (m: FromLoad) => void;

let dialect: Dialect | null = null;
let target: Target | null = null;
const members: Member[] = [];
let matches = 0;
let disconnects = 0;
let stopping = false;

const hist = new LatencyHistogram();
let inWindow = false;
let windowDelivered = 0;
let stepDelivered = 0;

/** Counts a relayed message at a receiver and, inside the window, records its latency. */
function attach(member: Member): void {
  const { ws } = member;
  const d = dialect as Dialect;
  ws.onFrame((opcode, buf, start, end) => {
    const stamp = d.stamp(ws, opcode, buf, start, end);
    if (Number.isNaN(stamp)) return; // not a relayed message
    stepDelivered++;
    if (inWindow) {
      windowDelivered++;
      hist.record(stampNow() - stamp);
    }
  });
  ws.onClose(() => {
    if (!stopping) disconnects++;
  });
  members.push(member);
}

async function openMatch(m: number): Promise<void> {
  const d = dialect as Dialect;
  const t = target as Target;
  const { member, ref } = await d.create(t, m);
  attach(member);
  const others = await Promise.all(
    Array.from({ length: MATCH_SIZE - 1 }, (_, i) => d.join(t, m, i + 1, ref)),
  );
  for (const o of others) attach(o);
}

async function grow(to: number, timeoutMs: number): Promise<void> {
  const t0 = performance.now();
  let next = matches;
  let failure: unknown = null;
  const worker = async () => {
    while (next < to && failure === null && performance.now() - t0 < timeoutMs) {
      const m = next++;
      try {
        await openMatch(m);
      } catch (err) {
        failure ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: SETUP_CONCURRENCY }, worker));
  if (failure !== null) throw failure;
  if (next < to) throw new Error(`setup of ${to} matches took over ${timeoutMs} ms`);
  matches = to;
  reply({ type: 'grown', matches, clients: members.length, ms: Math.round(performance.now() - t0) });
}

function sendOne(member: Member): void {
  const tpl = member.send;
  const frame = Buffer.allocUnsafe(tpl.frame.length);
  tpl.frame.copy(frame);
  if (tpl.base64) writeStampBase64(frame, tpl.offset, stampNow());
  else writeStamp(frame, tpl.offset, stampNow());
  member.ws.send(frame);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function measure(
  warmMs: number,
  windowMs: number,
  drainMs: number,
  profile?: string,
): Promise<WindowResult> {
  const n = members.length;
  const perMs = (n * SEND_HZ) / 1000;
  const maxBurst = Math.max(1, Math.ceil(perMs * MAX_LAG_MS));
  let sent = 0;
  let skipped = 0;
  let cursor = 0;
  stepDelivered = 0;
  const t0 = performance.now();
  const ticker = setInterval(() => {
    let k = Math.floor((performance.now() - t0) * perMs) - sent - skipped;
    if (k > maxBurst) {
      skipped += k - maxBurst;
      k = maxBurst;
    }
    for (let i = 0; i < k; i++) {
      sendOne(members[cursor] as Member);
      cursor = cursor + 1 === n ? 0 : cursor + 1;
    }
    sent += k;
  }, TICK_MS);

  const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  loop.enable();
  await sleep(warmMs);
  hist.reset();
  loop.reset();
  windowDelivered = 0;
  const sentBefore = sent;
  const profiler = profile ? new WindowProfiler() : null;
  await profiler?.start();
  const cpu0 = process.cpuUsage();
  const w0 = performance.now();
  inWindow = true;
  reply({ type: 'window-start' });
  await sleep(windowMs);
  inWindow = false;
  const w1 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  if (profiler && profile) await profiler.stop(profile);
  reply({ type: 'window-end' });
  clearInterval(ticker);
  loop.disable();
  const snapshot = {
    windowMs: w1 - w0,
    clients: n,
    sent: sent - sentBefore,
    delivered: windowDelivered,
    p50: hist.quantile(0.5),
    p99: hist.quantile(0.99),
    max: hist.max,
    genCpu: (cpu.user + cpu.system) / 1000 / (w1 - w0),
    // The histogram holds whole sampling intervals: what exceeds the interval is the delay.
    genLoopP99: Math.max(0, loop.percentile(99) / 1e6 - LOOP_RESOLUTION_MS),
  };
  // Let what is in flight arrive, so the next step starts from an idle server.
  const expected = sent * (MATCH_SIZE - 1);
  const d0 = performance.now();
  while (stepDelivered < expected && performance.now() - d0 < drainMs) await sleep(20);
  return { ...snapshot, skipped, undelivered: Math.max(0, expected - stepDelivered), disconnects };
}

function stop(): void {
  stopping = true;
  for (const m of members) m.ws.close();
  // Bounded: close frames get a moment to go out, then the process ends whatever is still open.
  setTimeout(() => process.exit(0), 500).unref();
}

process.on('message', (msg: ToLoad) => {
  const fail = (err: unknown) =>
    reply({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  switch (msg.type) {
    case 'init':
      dialect = DIALECTS[msg.kind];
      target = msg.ports
        ? { host: msg.host, port: msg.port, ports: msg.ports, runId: msg.runId }
        : { host: msg.host, port: msg.port, runId: msg.runId };
      break;
    case 'grow':
      grow(msg.matches, msg.timeoutMs).catch(fail);
      break;
    case 'measure':
      measure(msg.warmMs, msg.windowMs, msg.drainMs, msg.profile).then(
        (result) => reply({ type: 'result', result }),
        fail,
      );
      break;
    case 'stop':
      stop();
      break;
  }
});
process.on('disconnect', stop);
