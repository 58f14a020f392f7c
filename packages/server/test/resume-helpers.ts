/**
 * Helpers for the session resume tests: a TCP proxy on loopback that cuts every connection through
 * it on demand (as a network drop does), and a `/ws` client that speaks the resume extension and
 * keeps one ordered log of the envelopes of its session across connections.
 */
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { decodeServerEnvelopePb, encodeClientEnvelopePb } from '@tether/protocol';
import { type RawData, WebSocket } from 'ws';

/** One decoded envelope. */
export type Envelope = Record<string, unknown>;

/**
 * Forwards TCP connections from its own loopback port to `targetPort`. {@link cut} resets both
 * halves of every connection open now: the server sees a reset (no close handshake, code 1006) and
 * whatever either side had in flight is lost, as in a real drop. {@link freeze} drops bytes without
 * closing anything, so only a heartbeat can tell.
 */
export class CutProxy {
  readonly #server: Server;
  readonly #pairs = new Set<[Socket, Socket]>();
  #frozen = false;

  private constructor(server: Server) {
    this.#server = server;
  }

  /** Starts a proxy to `127.0.0.1:targetPort`. */
  static async start(targetPort: number): Promise<CutProxy> {
    const server = createServer();
    const proxy = new CutProxy(server);
    server.on('connection', (client) => {
      const upstream = tcpConnect(targetPort, '127.0.0.1');
      const pair: [Socket, Socket] = [client, upstream];
      proxy.#pairs.add(pair);
      const drop = () => {
        proxy.#pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      client.on('data', (chunk) => {
        if (!proxy.#frozen) upstream.write(chunk);
      });
      upstream.on('data', (chunk) => {
        if (!proxy.#frozen) client.write(chunk);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  /** The proxy's port. */
  get port(): number {
    return (this.#server.address() as { port: number }).port;
  }

  /** Connections open through the proxy now. */
  get open(): number {
    return this.#pairs.size;
  }

  /** Drops every byte from now on without closing anything (a dead network, as the peers see it). */
  freeze(): void {
    this.#frozen = true;
  }

  /** Forwards again; connections frozen meanwhile are reset (their bytes were lost). */
  restore(): void {
    this.#frozen = false;
    this.cut();
  }

  /** Resets every connection open now, both halves. */
  cut(): void {
    for (const pair of [...this.#pairs]) {
      this.#pairs.delete(pair);
      for (const socket of pair) socket.resetAndDestroy();
    }
  }

  /** Cuts everything and stops listening. */
  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** Waits for a condition re-checked on every event of a log, bounded by `timeoutMs`. */
class Waiters {
  readonly #checks = new Set<() => void>();

  notify(): void {
    for (const check of [...this.#checks]) check();
  }

  until<T>(probe: () => T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
    const now = probe();
    if (now !== undefined) return Promise.resolve(now);
    return new Promise<T>((resolve, reject) => {
      const check = () => {
        const hit = probe();
        if (hit === undefined) return;
        clearTimeout(timer);
        this.#checks.delete(check);
        resolve(hit);
      };
      const timer = setTimeout(() => {
        this.#checks.delete(check);
        reject(new Error(`no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#checks.add(check);
    });
  }
}

/** Envelopes the resume extension does not number (docs/protocol.md). */
export function isControl(env: Envelope): boolean {
  return 'session_resume' in env || 'session' in env;
}

/** One frame of a `/ws` connection as a JSON-shaped envelope, whichever format carried it. */
function readFrame(data: RawData, isBinary: boolean): Envelope {
  if (!isBinary) return JSON.parse(String(data)) as Envelope;
  const decoded = decodeServerEnvelopePb(new Uint8Array(data as Buffer));
  const key = decoded.type === 'unknown' ? decoded.key : decoded.type;
  return {
    ...(decoded.cid === undefined ? {} : { cid: decoded.cid }),
    ...(decoded.type === 'empty' ? {} : { [key]: decoded.body }),
  };
}

/**
 * A `/ws` client of one realtime session across its connections: `log` holds every numbered
 * envelope in arrival order (what `resume_seq` counts), `controls` the `session_resume` messages.
 * Each connection speaks JSON or protobuf (`format`, which may change between connections); the log
 * holds every envelope in JSON shape either way.
 */
export class ResumingWs {
  readonly log: Envelope[] = [];
  readonly controls: Envelope[] = [];
  readonly waiters = new Waiters();
  ws: WebSocket | undefined;
  closed: Promise<{ code: number; reason: string }> = Promise.resolve({ code: 0, reason: '' });
  /** The format of the next connection (and of the current one, once open). */
  format: 'json' | 'protobuf' = 'json';
  /** Whether each frame received was binary, in order. */
  readonly binary: boolean[] = [];
  #cid = 0;

  constructor(
    readonly port: number,
    readonly token: string,
  ) {}

  /** The latest `session_resume` body. */
  get resume(): Record<string, unknown> {
    const last = this.controls.at(-1);
    if (!last) throw new Error('no session_resume yet');
    return last.session_resume as Record<string, unknown>;
  }

  /** Opens a connection with `query` and waits for its `session_resume` (if `expectResume`). */
  async connect(query: string, expectResume = true): Promise<void> {
    const format = this.format === 'protobuf' ? '&format=protobuf' : '';
    const ws = new WebSocket(
      `ws://127.0.0.1:${this.port}/ws?token=${encodeURIComponent(this.token)}${format}${query}`,
    );
    this.ws = ws;
    const controlsBefore = this.controls.length;
    ws.on('message', (data, isBinary) => {
      this.binary.push(isBinary);
      const env = readFrame(data, isBinary);
      if (isControl(env)) this.controls.push(env);
      else this.log.push(env);
      this.waiters.notify();
    });
    ws.on('error', () => {});
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => {
        this.waiters.notify();
        resolve({ code, reason: reason.toString() });
      }),
    );
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
    if (expectResume)
      await this.waiters.until(
        () => (this.controls.length > controlsBefore ? true : undefined),
        'session_resume',
      );
  }

  /** Reconnects asking for the session back with the latest token and the count received. */
  resumeWith(): Promise<void> {
    const token = String(this.resume.token);
    return this.connect(`&resume=${encodeURIComponent(token)}&resume_seq=${this.log.length}`);
  }

  /** Sends one envelope, in the connection's format. */
  send(envelope: Envelope): void {
    this.ws?.send(this.format === 'protobuf' ? encodeClientEnvelopePb(envelope) : JSON.stringify(envelope));
  }

  /** Sends a request and waits for its reply in the log. */
  async request(key: string, body: unknown): Promise<Envelope> {
    const cid = `r${++this.#cid}`;
    this.send({ cid, [key]: body });
    return this.waiters.until(() => this.log.find((e) => e.cid === cid), `reply to ${key}`);
  }

  /** Waits until `probe` over the log holds. */
  until<T>(probe: () => T | undefined, what: string, timeoutMs?: number): Promise<T> {
    return this.waiters.until(probe, what, timeoutMs);
  }

  /** Closes the current connection in an orderly way. */
  close(code = 1000): void {
    this.ws?.close(code);
  }
}

/** `n` numbered payloads of one kind from a log, in order (their `seq` fields). */
export function sequence(log: readonly Envelope[], pick: (e: Envelope) => number | undefined): number[] {
  const out: number[] = [];
  for (const e of log) {
    const n = pick(e);
    if (n !== undefined) out.push(n);
  }
  return out;
}

/** 0, 1, …, n − 1. */
export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
