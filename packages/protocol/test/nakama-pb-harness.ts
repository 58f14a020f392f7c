/**
 * A loopback WebSocket server that speaks Tether's realtime codecs, for driving the real nakama-js
 * 2.8.0 client (with the JSON adapter or nakama-js-protobuf 1.4.0's `WebSocketAdapterPb`) against
 * them. Binary frames go through `decodeEnvelopePb` / `encodeEnvelopePb`, text frames through
 * `decodeEnvelope` / `JSON.stringify`, exactly as a server would use the codecs.
 */
import { DefaultSocket, type Session, WebSocketAdapterText } from '@heroiclabs/nakama-js';
import { WebSocketAdapterPb } from '@heroiclabs/nakama-js-protobuf';
import { type ClientOptions, WebSocketServer, WebSocket as WsWebSocket } from 'ws';
import {
  type DecodedEnvelope,
  decodeEnvelope,
  decodeEnvelopePb,
  encodeEnvelopePb,
  type ProtobufOptions,
  RealtimeError,
} from '../src/index.ts';

/**
 * `ws` with `allowSynchronousEvents: false`, so each message is dispatched in its own task as in a
 * browser: nakama-js resolves a reply's promise, and code after `await` runs before the next frame.
 */
class BrowserLikeWebSocket extends WsWebSocket {
  constructor(url: string | URL, protocols?: string | string[], options?: ClientOptions) {
    super(url, protocols, { ...options, allowSynchronousEvents: false });
  }
}

/** Installs the globals nakama-js reads (`WebSocket`, and `window` on its heartbeat-timeout path). */
export function installNakamaGlobals(): void {
  const g = globalThis as Record<string, unknown>;
  g.WebSocket = BrowserLikeWebSocket;
  g.window ??= globalThis;
}

/** What the server saw: each decoded client frame, or the error decoding it gave. */
export type Received = DecodedEnvelope | { error: RealtimeError };

/** Decides the server's answer to a request: JSON-shaped envelopes to send back, in order. */
export type Responder = (request: DecodedEnvelope) => object[];

/** A running loopback server and what it received, frame by frame. */
export interface CodecServer {
  readonly port: number;
  readonly received: Received[];
  /** The `format` query parameter of each connection, in order. */
  readonly formats: (string | null)[];
  close(): Promise<void>;
}

/**
 * Starts a server on 127.0.0.1, port 0. A connection with `?format=protobuf` gets binary frames
 * encoded with `encodeEnvelopePb` (with `options`); any other gets JSON text.
 */
export async function startCodecServer(respond: Responder, options?: ProtobufOptions): Promise<CodecServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const received: Received[] = [];
  const formats: (string | null)[] = [];
  wss.on('connection', (ws, req) => {
    const format = new URL(req.url ?? '/', 'http://127.0.0.1').searchParams.get('format');
    formats.push(format);
    const binary = format === 'protobuf';
    ws.on('message', (data, isBinary) => {
      const bytes = data as Buffer;
      let request: DecodedEnvelope;
      try {
        request = isBinary
          ? decodeEnvelopePb(bytes, { maxBytes: 4096 })
          : decodeEnvelope(bytes.toString('utf8'));
      } catch (e) {
        if (!(e instanceof RealtimeError)) throw e;
        received.push({ error: e });
        return;
      }
      received.push(request);
      for (const out of respond(request)) {
        ws.send(binary ? encodeEnvelopePb(out, options) : JSON.stringify(out), { binary });
      }
    });
  });
  const address = wss.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    port,
    received,
    formats,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => resolve());
      }),
  };
}

/** Connects the real nakama-js socket with the JSON (`text`) or protobuf (`pb`) adapter. */
export async function connectNakama(port: number, adapter: 'text' | 'pb'): Promise<DefaultSocket> {
  const socket = new DefaultSocket(
    '127.0.0.1',
    String(port),
    false,
    false,
    adapter === 'pb' ? new WebSocketAdapterPb() : new WebSocketAdapterText(),
  );
  await socket.connect({ token: 'test-token' } as Session, false);
  return socket;
}

/** Resolves once `check` is true, polling every few milliseconds (bounded). */
export async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the socket');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
