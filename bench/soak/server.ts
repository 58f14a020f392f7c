/**
 * The server under soak: a real `tether serve` process (this checkout's `packages/server/bin/tether.js`,
 * so the TypeScript sources through tsx), on loopback with every port picked by the system, and its
 * Prometheus `/metrics` on the console port read back as the figures the soak samples.
 *
 * @packageDocumentation
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../packages/server/bin/tether.js', import.meta.url));
/** The chaos module folder (`--leak-bytes`, `--lose-every-sec`): loaded only when a knob is set. */
const CHAOS = fileURLToPath(new URL('./chaos/', import.meta.url));

/** How to start the server. */
export interface SoakServerOptions {
  /** `sqlite` (a temporary folder) or a `postgres://` URL (a throwaway schema). */
  readonly database: string;
  /** Matchmaker interval (ms): short, so that matchmaker users cycle several times a minute. */
  readonly matchmakerIntervalMs: number;
  /** Chaos knob: bytes the server keeps for every chat message (a deliberate leak). 0 = off. */
  readonly leakBytes: number;
  /** Chaos knob: the server deletes one stored chat message this often (s). 0 = off. */
  readonly loseEverySec: number;
  /** Chaos knob: the server drops every Nth match_data_send. 0 = off. */
  readonly dropEvery: number;
}

/** A running server. */
export interface SoakServer {
  readonly pid: number;
  readonly httpPort: number;
  readonly gmPort: number;
  readonly consolePort: number;
  /** Warnings and errors the server logged (the last 50), and how many of each level. */
  readonly logs: { readonly tail: string[]; readonly warn: number; readonly error: number };
  /** Resolves with the exit code (or the signal) when the process ends. */
  readonly exited: Promise<string>;
  /** Whether it is still running. */
  alive(): boolean;
  /** SIGTERM, then SIGKILL after 10 s; removes the temporary data. */
  stop(): Promise<void>;
}

/** Starts `tether serve`; rejects if it has not said `tether started` within 60 s. */
export async function startSoakServer(o: SoakServerOptions): Promise<SoakServer> {
  const data = mkdtempSync(join(tmpdir(), 'tether-soak-'));
  const schema = `soak_${process.pid}_${Date.now().toString(36)}`;
  const chaos = o.leakBytes > 0 || o.loseEverySec > 0 || o.dropEvery > 0;
  // TETHER_* variables of the caller's environment would leak into the server's settings.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TETHER_')));
  const child: ChildProcess = spawn(process.execPath, [BIN, 'serve'], {
    env: {
      ...env,
      TETHER_HOST: '127.0.0.1',
      TETHER_PORT: '0',
      TETHER_GM_PORT: '0',
      TETHER_CONSOLE_PORT: '0',
      TETHER_NODE: 'soak',
      TETHER_DATA: data,
      TETHER_LOG_LEVEL: 'info',
      TETHER_LOG_FORMAT: 'json',
      TETHER_MATCHMAKER_INTERVAL_MS: String(o.matchmakerIntervalMs),
      // Every client runs from 127.0.0.1: no per-address admission limits.
      TETHER_GM_MAX_CLIENTS_PER_ADDRESS: '0',
      TETHER_GM_MAX_UNAUTHENTICATED_PER_ADDRESS: '0',
      TETHER_SOCKET_MAX_CONNECTIONS_PER_ADDRESS: '0',
      ...(o.database === 'sqlite' ? {} : { TETHER_DATABASE: o.database, TETHER_DATABASE_SCHEMA: schema }),
      ...(chaos
        ? {
            TETHER_RUNTIME: CHAOS,
            SOAK_LEAK_BYTES: String(o.leakBytes),
            SOAK_LOSE_EVERY_SEC: String(o.loseEverySec),
            SOAK_DROP_EVERY: String(o.dropEvery),
            SOAK_SQLITE_FILE: join(data, 'tether.sqlite3'),
          }
        : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs = { tail: [] as string[], warn: 0, error: 0 };
  const keep = (line: string) => {
    logs.tail.push(line.length > 500 ? `${line.slice(0, 500)}…` : line);
    if (logs.tail.length > 50) logs.tail.shift();
  };
  let exitedWith: string | null = null;
  const exited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => {
      exitedWith = String(signal ?? code);
      resolve(exitedWith);
    }),
  );
  createInterface({ input: child.stderr! }).on('line', keep);
  const ports = await new Promise<{ http: number; gm: number; console: number }>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`tether serve did not start: ${logs.tail.join('\n')}`)),
      60_000,
    );
    void exited.then((how) => {
      clearTimeout(timer);
      reject(new Error(`tether serve exited (${how}) before starting: ${logs.tail.join('\n')}`));
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let entry: { level?: number; msg?: string; http?: string; gmTcp?: string; console?: string };
      try {
        entry = JSON.parse(line);
      } catch {
        keep(line);
        return;
      }
      if ((entry.level ?? 0) >= 50) logs.error++;
      else if ((entry.level ?? 0) >= 40) logs.warn++;
      if ((entry.level ?? 0) >= 40) keep(line);
      if (entry.msg === 'tether started') {
        clearTimeout(timer);
        const port = (url: unknown) => Number(String(url).split(':').pop());
        resolve({ http: port(entry.http), gm: port(entry.gmTcp), console: port(entry.console) });
      }
    });
  });
  return {
    pid: child.pid!,
    httpPort: ports.http,
    gmPort: ports.gm,
    consolePort: ports.console,
    logs,
    exited,
    alive: () => exitedWith === null,
    stop: async () => {
      if (exitedWith === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(data, { recursive: true, force: true });
      if (o.database !== 'sqlite') await dropSchema(o.database, schema);
    },
  };
}

async function dropSchema(url: string, schema: string): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end().catch(() => {});
  }
}

/** What one scrape of `/metrics` yields. */
export interface ServerSample {
  /** Resident set size (bytes): `process_resident_memory_bytes`. */
  readonly rss: number;
  /** V8 heap in use and reserved (bytes): `nodejs_heap_size_used_bytes`, `…_total_bytes`. */
  readonly heapUsed: number;
  readonly heapTotal: number;
  /** Memory of Buffers and other objects outside the V8 heap (bytes): `nodejs_external_memory_bytes`. */
  readonly external: number;
  /** Event-loop delay p99 and max (ms) since the previous scrape (prom-client resets its histogram). */
  readonly loopP99Ms: number;
  readonly loopMaxMs: number;
  /** Realtime sessions open now, all carriers. */
  readonly sessions: number;
  /** Server CPU time so far (s): `process_cpu_seconds_total`. */
  readonly cpuSeconds: number;
}

/** Reads `/metrics` (within `timeoutMs`). */
export async function scrape(consolePort: number, timeoutMs = 10_000): Promise<ServerSample> {
  const res = await fetch(`http://127.0.0.1:${consolePort}/metrics`, {
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!res.ok) throw new Error(`/metrics answered ${res.status}`);
  const text = await res.text();
  const values = new Map<string, number>();
  let sessions = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line === '') continue;
    const space = line.lastIndexOf(' ');
    const key = line.slice(0, space);
    const value = Number(line.slice(space + 1));
    if (key.startsWith('tether_sessions{')) sessions += value;
    else values.set(key, value);
  }
  const get = (name: string) => values.get(name) ?? Number.NaN;
  return {
    rss: get('process_resident_memory_bytes'),
    heapUsed: get('nodejs_heap_size_used_bytes'),
    heapTotal: get('nodejs_heap_size_total_bytes'),
    external: get('nodejs_external_memory_bytes'),
    loopP99Ms: get('nodejs_eventloop_lag_p99_seconds') * 1000,
    loopMaxMs: get('nodejs_eventloop_lag_max_seconds') * 1000,
    sessions,
    cpuSeconds: get('process_cpu_seconds_total'),
  };
}
