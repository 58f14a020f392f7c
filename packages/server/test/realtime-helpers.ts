/**
 * Helpers for realtime socket tests: the Node shim the unmodified nakama-js 2.8.0 client needs, a
 * recorder that turns its socket callbacks into awaitable queues, and a raw `ws` client for the
 * protocol-level cases nakama-js cannot produce (binary frames, oversized messages, no pongs).
 */
import { Client, type DefaultSocket, type Session } from '@heroiclabs/nakama-js';
import { WebSocketAdapterPb } from '@heroiclabs/nakama-js-protobuf';
import { decodeServerEnvelopePb, encodeClientEnvelopePb } from '@tether/protocol';
import { afterEach } from 'vitest';
import { type ClientOptions, WebSocket as WsWebSocket } from 'ws';
import type { TetherConfig } from '../src/config/config.ts';
import { startTestServer, type TestServer } from './helpers.ts';
import { deviceLogin } from './http-client.ts';

/**
 * A browser-like WebSocket for nakama-js under Node (Node 20 has no global `WebSocket`).
 * `allowSynchronousEvents: false` makes `ws` dispatch each message in its own task, as browsers do:
 * nakama-js resolves a reply's promise and the awaiting code must run before the next frame (a push)
 * is dispatched, or handlers registered after `await` miss it.
 */
class BrowserLikeWebSocket extends WsWebSocket {
  constructor(url: string | URL, protocols?: string | string[], options?: ClientOptions) {
    super(url, protocols, { ...options, allowSynchronousEvents: false });
  }
}

/**
 * Installs the globals nakama-js reads: `WebSocket`, and `window` (its heartbeat-timeout path uses
 * `window.console` without a guard). Idempotent; each vitest worker is its own process.
 */
export function installNakamaShim(): void {
  const g = globalThis as Record<string, unknown>;
  g.WebSocket = BrowserLikeWebSocket;
  g.window ??= globalThis;
}

installNakamaShim();

/** A nakama-js client for a test server. */
export function nakamaClient(server: TestServer): Client {
  return new Client('defaultkey', '127.0.0.1', String(server.http.port), false);
}

/** A presence as the server sends it (nakama-js's `Presence` type lacks `status` and `persistence`). */
export interface WirePresence {
  user_id: string;
  session_id: string;
  username: string;
  persistence?: boolean;
  status?: string;
}

/** `status_presence_event` / `stream_presence_event` bodies, typed with {@link WirePresence}. */
export interface PresenceEventBody {
  stream?: { mode: number; subject?: string; subcontext?: string; label?: string };
  joins?: WirePresence[];
  leaves?: WirePresence[];
}

/** Callback names of a nakama-js socket that the recorder captures. */
export const SOCKET_EVENTS = [
  'onstatuspresence',
  'onstreampresence',
  'onstreamdata',
  'onnotification',
  'onchannelmessage',
  'onchannelpresence',
  'ondisconnect',
  'onheartbeattimeout',
] as const;
export type SocketEvent = (typeof SOCKET_EVENTS)[number];

/** Records every callback of a nakama-js socket, in order, and lets tests await them. */
export class SocketRecorder {
  readonly events: { kind: SocketEvent; value: unknown }[] = [];
  readonly #waiters: { kind: SocketEvent; index: number; resolve: (v: unknown) => void }[] = [];
  readonly #read = new Map<SocketEvent, number>();

  constructor(socket: DefaultSocket) {
    for (const kind of SOCKET_EVENTS) {
      (socket as unknown as Record<string, (v: unknown) => void>)[kind] = (value: unknown) => {
        this.events.push({ kind, value });
        const index = this.all(kind).length - 1;
        for (const w of [...this.#waiters]) {
          if (w.kind === kind && w.index === index) {
            this.#waiters.splice(this.#waiters.indexOf(w), 1);
            w.resolve(value);
          }
        }
      };
    }
  }

  /** Every value received for one callback so far. */
  all<T = unknown>(kind: SocketEvent): T[] {
    return this.events.filter((e) => e.kind === kind).map((e) => e.value as T);
  }

  /** The next value of a callback not yet returned by `next` (waits for it, bounded by `timeoutMs`). */
  next<T = unknown>(kind: SocketEvent, timeoutMs = 5000): Promise<T> {
    const index = this.#read.get(kind) ?? 0;
    this.#read.set(kind, index + 1);
    const have = this.all<T>(kind);
    if (have.length > index) return Promise.resolve(have[index]!);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no ${kind} #${index} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.#waiters.push({
        kind,
        index,
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
      });
    });
  }
}

/** A logged-in user with an open nakama-js socket. */
export interface Player {
  readonly session: Session;
  readonly socket: DefaultSocket;
  readonly events: SocketRecorder;
}

/**
 * Logs a new device in with nakama-js and opens its socket. Sockets opened here are closed by
 * {@link disconnectAll}.
 */
export async function connectPlayer(
  server: TestServer,
  opened: Player[],
  opts: {
    deviceId?: string;
    username?: string;
    status?: boolean;
    heartbeatMs?: number;
    /** Speak `format=protobuf` through nakama-js-protobuf's `WebSocketAdapterPb`. */
    protobuf?: boolean;
  } = {},
): Promise<Player> {
  const client = nakamaClient(server);
  const deviceId = opts.deviceId ?? `device-${Math.random().toString(36).slice(2, 14)}`;
  const session = await client.authenticateDevice(deviceId, true, opts.username);
  const socket = (
    opts.protobuf
      ? client.createSocket(false, false, new WebSocketAdapterPb())
      : client.createSocket(false, false)
  ) as DefaultSocket;
  if (opts.heartbeatMs !== undefined) socket.setHeartbeatTimeoutMs(opts.heartbeatMs);
  const events = new SocketRecorder(socket);
  await socket.connect(session, opts.status ?? false);
  const player = { session, socket, events };
  opened.push(player);
  return player;
}

/** Closes every socket a test opened (stopping nakama-js's heartbeat loop). */
export function disconnectAll(opened: Player[]): void {
  for (const p of opened.splice(0)) p.socket.disconnect(false);
}

/**
 * One server per test, and the nakama-js players and raw sockets a test opens on it. Call inside a
 * `describe`: registers an `afterEach` that closes every socket in `players` and `raws`, then stops
 * the server.
 */
export function serverPerTest() {
  let server: TestServer | undefined;
  const players: Player[] = [];
  const raws: RawSocket[] = [];
  afterEach(async () => {
    disconnectAll(players);
    for (const r of raws.splice(0)) r.close();
    await server?.stop();
    server = undefined;
  });
  return {
    /** Sockets closed after the test (pass to {@link connectPlayer}; push raw sockets to `raws`). */
    players,
    raws,
    /** Starts this test's server. */
    async start(overrides: Partial<TetherConfig> = {}): Promise<TestServer> {
      server = await startTestServer(overrides);
      return server;
    },
    /** This test's server, once started. */
    server: (): TestServer | undefined => server,
  };
}

/**
 * A plain `ws` client speaking envelopes, for what nakama-js cannot send. On a `format=protobuf`
 * socket, binary frames are decoded with Tether's protobuf codec into the same `{cid?, <type>: body}`
 * shape (`data` as a `Uint8Array`), and {@link send} writes protobuf.
 */
export class RawSocket {
  readonly ws: WsWebSocket;
  readonly protobuf: boolean;
  readonly received: Record<string, unknown>[] = [];
  /** The kind of each received frame, in order (`text` or `binary`). */
  readonly kinds: ('text' | 'binary')[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly #waiters: (() => void)[] = [];

  private constructor(ws: WsWebSocket, protobuf: boolean) {
    this.ws = ws;
    this.protobuf = protobuf;
    ws.on('message', (data, isBinary) => {
      this.kinds.push(isBinary ? 'binary' : 'text');
      const bytes = Buffer.from(data as Buffer);
      if (protobuf && isBinary) {
        const env = decodeServerEnvelopePb(bytes);
        const out: Record<string, unknown> = env.cid === undefined ? {} : { cid: env.cid };
        if (env.type !== 'empty') out[env.type === 'unknown' ? env.key : env.type] = env.body ?? {};
        this.received.push(out);
      } else this.received.push(JSON.parse(isBinary ? bytes.toString() : String(data)));
      for (const w of this.#waiters.splice(0)) w();
    });
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        for (const w of this.#waiters.splice(0)) w();
        resolve({ code, reason: reason.toString() });
      });
    });
    ws.on('error', () => {});
  }

  /** Opens `/ws` with a query string (e.g. `token=…&status=true`) and optional `ws` options. */
  static async open(server: TestServer, query: string, options: ClientOptions = {}): Promise<RawSocket> {
    const ws = new WsWebSocket(`ws://127.0.0.1:${server.http.port}/ws?${query}`, options);
    const socket = new RawSocket(ws, /(^|&)format=protobuf(&|$)/.test(query));
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
    return socket;
  }

  /** Logs a new device in over HTTP and opens `/ws` with its token. */
  static async login(server: TestServer, query = '', options: ClientOptions = {}): Promise<RawSocket> {
    const { token } = await deviceLogin(server.baseUrl, `raw-${Math.random().toString(36).slice(2, 14)}`);
    return RawSocket.open(server, `token=${encodeURIComponent(token)}${query}`, options);
  }

  /**
   * Sends one envelope: a text frame (a string is sent as is), or on a protobuf socket an Envelope
   * in a binary frame (bytes are sent as they are).
   */
  send(envelope: object | string | Uint8Array): void {
    if (envelope instanceof Uint8Array) this.ws.send(envelope);
    else if (typeof envelope === 'string') this.ws.send(envelope);
    else this.ws.send(this.protobuf ? encodeClientEnvelopePb(envelope) : JSON.stringify(envelope));
  }

  /** The next received envelope that has `key` (after `from`), waiting for it. */
  async next(key: string, from = 0, timeoutMs = 5000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.slice(from).find((e) => key in e);
      if (found) return found;
      if (this.ws.readyState === WsWebSocket.CLOSED) throw new Error(`closed before a ${key} arrived`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${key} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** The reply to `cid` (any key). */
  async reply(cid: string, timeoutMs = 5000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.find((e) => e.cid === cid);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no reply to cid ${cid}`);
      await this.next('cid', this.received.length, deadline - Date.now());
    }
  }

  /** Sends one request and waits for its reply. */
  async request(cid: string, envelope: object): Promise<Record<string, unknown>> {
    this.send({ cid, ...envelope });
    return this.reply(cid);
  }

  close(): void {
    this.ws.terminate();
  }
}
