/**
 * The soak driver: starts a real `tether serve`, brings up the players, runs mixed traffic with churn
 * for the set time while sampling the server's `/metrics` and the clients' latency, then stops the
 * traffic, lets it drain, reads every chat history back and judges the run (`verdict.ts`).
 *
 * Used by `main.ts` (the `soak` script) and by the 3-minute cut that CI runs
 * (`soak.soak.ts` under `vitest.soak.config.ts`).
 *
 * @packageDocumentation
 */
import { Client } from '@heroiclabs/nakama-js';
import { machineLoad, sampleMachine } from '../relay/machine.ts';
import { installNakamaShim } from './clients.ts';
import { ChatLedger, StreamLedger } from './ledger.ts';
import { scrape, startSoakServer } from './server.ts';
import { judge, memoryVerdict, type Sample, type SoakResult } from './verdict.ts';
import { type Group, type Role, VirtualUser } from './vu.ts';
import { counters, DEFAULTS, histograms, type SoakOptions, type World } from './world.ts';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const MiB = 1024 * 1024;

/** Roles in blocks of 16 players: 8 in two relayed matches of 4, one party of 4, 4 matchmaking. */
function roleOf(i: number): { role: Role; group: string; gm: boolean } {
  const block = Math.floor(i / 16);
  const b = i % 16;
  if (b < 8) return { role: 'match', group: `match-${block}-${b >> 2}`, gm: b % 4 === 3 };
  if (b < 12) return { role: 'party', group: `party-${block}`, gm: false };
  return { role: 'mm', group: '', gm: false };
}

/** Runs one soak and returns its figures and verdict (it never throws for a failed criterion). */
export async function runSoak(options: Partial<SoakOptions> = {}): Promise<SoakResult> {
  const opts: SoakOptions = { ...DEFAULTS, ...options };
  const log = opts.log ?? (() => {});
  installNakamaShim();
  const server = await startSoakServer({
    database: opts.database,
    matchmakerIntervalMs: 1000,
    leakBytes: opts.leakBytes,
    loseEverySec: opts.loseEverySec,
    dropEvery: opts.dropEvery,
  });
  log(
    `server pid ${server.pid}: http ${server.httpPort}, gm tcp ${server.gmPort}, console ${server.consolePort}`,
  );
  const notes: string[] = [];
  const w: World = {
    opts,
    runId: `${process.pid}${Date.now().toString(36)}`,
    client: new Client('defaultkey', '127.0.0.1', String(server.httpPort), false, 10_000, false),
    gmPort: server.gmPort,
    matchLedger: new StreamLedger(),
    partyLedger: new StreamLedger(),
    chatLedger: new ChatLedger(),
    hist: histograms(),
    count: counters(),
    stopping: false,
    note: (line) => {
      if (notes.length < 200) notes.push(line);
      log(`  ${line}`);
    },
  };
  const timers: NodeJS.Timeout[] = [];
  const vus: VirtualUser[] = [];
  try {
    // Players.
    const groups = new Map<string, Group>();
    const rooms = Math.max(1, Math.round(opts.clients / 12));
    for (let i = 0; i < opts.clients; i++) {
      const { role, group, gm } = roleOf(i);
      let g: Group | undefined;
      if (group) {
        g = groups.get(group) ?? { key: group, id: undefined, creating: null };
        groups.set(group, g);
      }
      const carrier = gm && opts.gamemaker ? 'gm-tcp' : 'ws';
      vus.push(new VirtualUser(w, i, role, carrier, `soak-room-${i % rooms}`, g));
    }
    for (let i = 0; i < vus.length; i += 8) await Promise.all(vus.slice(i, i + 8).map((v) => v.start()));
    log(`${vus.filter((v) => v.ready).length}/${vus.length} players up`);

    // Traffic: churn and new accounts (the players run on their own timers).
    const started = performance.now();
    const elapsed = () => (performance.now() - started) / 1000;
    if (opts.churnPerMinute > 0) {
      let n = 0;
      const every = 60_000 / (opts.churnPerMinute * opts.clients);
      timers.push(
        setInterval(() => {
          const idle = vus.filter((v) => v.ready && !v.busy);
          const v = idle[Math.floor(Math.random() * idle.length)];
          if (v) void v.churn(n++ % 2 === 0 ? 'close' : 'cut');
        }, every),
      );
    }
    let fresh = 0;
    timers.push(
      setInterval(async () => {
        const t0 = performance.now();
        try {
          await w.client.authenticateDevice(`soak-${w.runId}-new-${fresh++}`, true);
          w.hist.auth.record((performance.now() - t0) * 1000);
          w.count.newAccounts++;
        } catch (err) {
          if (!w.stopping) {
            w.count.errors++;
            w.note(`new account: ${(err as Error).message ?? err}`);
          }
        }
      }, opts.newAccountEverySec * 1000),
    );

    // Sampling.
    const samples: Sample[] = [];
    let scrapeFailures = 0;
    let prev = { cpu: Number.NaN, at: performance.now(), machine: sampleMachine() };
    const takeSample = async () => {
      try {
        const s = await scrape(server.consolePort);
        const at = performance.now();
        const machine = sampleMachine();
        const h = w.hist;
        const m = w.matchLedger.totals();
        const p = w.partyLedger.totals();
        const sample: Sample = {
          t: elapsed(),
          rssMiB: s.rss / MiB,
          liveMiB: (s.rss - (s.heapTotal - s.heapUsed)) / MiB,
          heapMiB: s.heapUsed / MiB,
          heapTotalMiB: s.heapTotal / MiB,
          externalMiB: s.external / MiB,
          loopP99Ms: s.loopP99Ms,
          loopMaxMs: s.loopMaxMs,
          sessions: s.sessions,
          serverCores: (s.cpuSeconds - prev.cpu) / ((at - prev.at) / 1000),
          machineCores: machineLoad(prev.machine, machine).busyCores,
          requestP99Ms: h.request.window.quantileMs(0.99),
          deliveryP99Ms: h.delivery.window.quantileMs(0.99),
          cpuSeconds: s.cpuSeconds,
          acked: w.chatLedger.count,
          delivered: m.delivered + p.delivered,
          mmMatched: w.count.mmMatched,
          reconnects: w.count.reconnects,
          newAccounts: w.count.newAccounts,
        };
        h.request.window.reset();
        h.delivery.window.reset();
        prev = { cpu: s.cpuSeconds, at, machine };
        samples.push(sample);
        log(
          `t=${sample.t.toFixed(0)}s rss ${sample.rssMiB.toFixed(1)} MiB live ${sample.liveMiB.toFixed(1)} MiB heap ${sample.heapMiB.toFixed(1)}/` +
            `${sample.heapTotalMiB.toFixed(1)} MiB ext ${sample.externalMiB.toFixed(1)} MiB ` +
            `loop p99 ${sample.loopP99Ms.toFixed(1)} ms sessions ${sample.sessions} srv ${sample.serverCores.toFixed(2)} ` +
            `cores machine ${sample.machineCores.toFixed(2)} chat p99 ${sample.requestP99Ms.toFixed(1)} ms ` +
            `data p99 ${sample.deliveryP99Ms.toFixed(1)} ms acked ${sample.acked} delivered ${sample.delivered}`,
        );
      } catch (err) {
        scrapeFailures++;
        w.note(`scrape failed: ${(err as Error).message}`);
      }
    };
    await takeSample(); // starts the server's event-loop monitor; its figures are the setup's
    samples.length = 0;
    const durationSec = opts.minutes * 60;
    while (elapsed() < durationSec && server.alive()) {
      await sleep(Math.min(opts.sampleSec * 1000, Math.max(0, (durationSec - elapsed()) * 1000)));
      await takeSample();
    }

    // Stop the traffic, let it drain, settle the books.
    w.stopping = true;
    for (const t of timers) clearInterval(t);
    for (const v of vus) v.quiesce();
    await drain(w);
    w.matchLedger.finish();
    w.partyLedger.finish();
    // A dead server has no history to read: every acknowledged message then counts as missing.
    const histories = server.alive() ? await readHistories(w) : new Map<string, Set<string>>();
    const base = {
      opts,
      durationSec,
      samples,
      memory: memoryVerdict(samples, durationSec, opts),
      match: w.matchLedger.totals(),
      party: w.partyLedger.totals(),
      chat: w.chatLedger.check(histories),
      count: w.count,
      hist: w.hist,
      scrapeFailures,
      serverAlive: server.alive(),
      serverLog: server.logs,
      notes,
    };
    return { ...base, failures: judge(base) };
  } finally {
    w.stopping = true;
    for (const t of timers) clearInterval(t);
    for (const v of vus) v.close();
    await sleep(200);
    await server.stop();
  }
}

/** Waits until no match or party data has arrived for 1 s (at most 15 s). */
async function drain(w: World): Promise<void> {
  const delivered = () => w.matchLedger.totals().delivered + w.partyLedger.totals().delivered;
  let last = delivered();
  for (let i = 0; i < 15; i++) {
    await sleep(1000);
    const now = delivered();
    if (now === last) return;
    last = now;
  }
}

/** Every message id in the history of each channel that got an acknowledged message (over HTTP). */
async function readHistories(w: World): Promise<Map<string, Set<string>>> {
  const session = await w.client.authenticateDevice(`soak-${w.runId}-reader`, true);
  const out = new Map<string, Set<string>>();
  for (const channel of w.chatLedger.channels()) {
    const ids = new Set<string>();
    let cursor: string | undefined;
    for (let page = 0; page < 100_000; page++) {
      const list = await w.client.listChannelMessages(session, channel, 100, true, cursor);
      for (const m of list.messages ?? []) if (m.message_id) ids.add(m.message_id);
      cursor = list.next_cursor;
      if (!cursor || (list.messages ?? []).length === 0) break;
    }
    out.set(channel, ids);
  }
  return out;
}
