/**
 * The GameMaker carriers as realtime carriers: TCP on the server's `--gm-port` (Node only) and
 * WebSocket at `/gm`. Both run GameMaker's handshake and 12-byte packet framing, carry one JSON
 * envelope per packet, and authenticate with a first `authenticate` envelope instead of a URL token.
 *
 * TCP has no close frame: the server's last packet is a close notice `{"error":{"code":<close
 * code>,"message":<reason>}}` (no cid, code ≥ 1000), which is reported here as the close code and
 * reason, so the socket above sees 1001 "server shutting down" or 4002 "session revoked" on every
 * carrier alike.
 *
 * @packageDocumentation
 */

import {
  decodeUtf8,
  encodeGmPacket,
  encodeUtf8,
  GM_HEADER_SIZE,
  GmClientFramer,
  type GmOutput,
  type SessionInfo,
} from '@tether/protocol';
import type { TransportFactory } from '../transport.ts';
import type { WebSocketConstructor, WebSocketFactory } from '../websocket.ts';
import { webSocketTransport } from '../websocket.ts';
import {
  ABNORMAL,
  type CarrierClose,
  type CarrierConnectRequest,
  type CarrierLink,
  type CarrierSink,
  type RealtimeCarrier,
  resolveWebSocketFactory,
  urlHost,
} from './carrier.ts';

/** The cid of the carrier's own `authenticate` request; the socket's cids are plain numbers. */
const AUTH_CID = 'tether-auth';

/** Options of {@link gameMakerCarrier}. */
export interface GameMakerCarrierOptions {
  /** Opens the bytes connection (`tcpTransport` in Node, or a WebSocket transport for `/gm`). */
  transport: TransportFactory;
  /** `tcp`: connect to `port`; `ws`: connect to `ws(s)://host:<request port>/gm`. */
  kind: 'tcp' | 'ws';
  /** TCP port (default 7353, the server's `--gm-port`). Ignored for `ws`. */
  port?: number;
  /** Game id in the handshake signature (default 0). */
  gameId?: number;
}

/**
 * A realtime carrier over GameMaker framing. Prefer the ready-made `gameMakerTcpCarrier()` (Node) and
 * {@link gameMakerWebSocketCarrier}.
 */
export function gameMakerCarrier(options: GameMakerCarrierOptions): RealtimeCarrier {
  return {
    name: options.kind === 'tcp' ? 'gm-tcp' : 'gm-ws',
    open: (request, sink) => openGameMaker(options, request, sink),
  };
}

/** GameMaker framing over WebSocket at `/gm` (browsers and Node; pass `ws` in Node). */
export function gameMakerWebSocketCarrier(
  options: { WebSocket?: WebSocketConstructor; create?: WebSocketFactory } = {},
): RealtimeCarrier {
  return {
    name: 'gm-ws',
    open: (request, sink) =>
      openGameMaker(
        { transport: webSocketTransport(resolveWebSocketFactory(options)), kind: 'ws' },
        request,
        sink,
      ),
  };
}

/** Reads a close notice (`{"error":{"code":>=1000,…}}` without cid), or undefined for anything else. */
function closeNotice(text: string): CarrierClose | undefined {
  // Cheap pre-check: ordinary traffic never starts like this, so most packets skip JSON.parse here.
  if (!text.startsWith('{"error"')) return undefined;
  try {
    const env = JSON.parse(text) as { cid?: unknown; error?: { code?: unknown; message?: unknown } };
    const code = env.error?.code;
    if (env.cid !== undefined || typeof code !== 'number' || code < 1000) return undefined;
    const reason = typeof env.error?.message === 'string' ? env.error.message : '';
    return { code, reason, wasClean: true, unauthorized: code === 4001 };
  } catch {
    return undefined;
  }
}

function openGameMaker(
  options: GameMakerCarrierOptions,
  request: CarrierConnectRequest,
  sink: CarrierSink,
): CarrierLink {
  const framer = new GmClientFramer({ gameId: options.gameId ?? 0, maxPayload: request.maxIncomingBytes });
  let done = false;
  let authenticated = false;
  const finish = (close: CarrierClose) => {
    if (done) return;
    done = true;
    sink.closed(close);
  };
  const fail = (close: CarrierClose) => {
    finish(close);
    transport.abort();
  };
  const sendText = (text: string) => transport.send(encodeGmPacket(encodeUtf8(text)));

  const onPacket = (text: string) => {
    const notice = closeNotice(text);
    if (notice) {
      fail(notice);
      return;
    }
    if (authenticated) {
      sink.message(text);
      return;
    }
    let reply: { cid?: unknown; session?: SessionInfo; error?: { message?: unknown } };
    try {
      reply = JSON.parse(text) as typeof reply;
    } catch {
      return;
    }
    if (reply.cid !== AUTH_CID) return;
    if (reply.session) {
      authenticated = true;
      sink.opened(reply.session);
      return;
    }
    // The server closes with 1008 "authentication failed: …" right after; report it now, with the
    // server's own reason, so a refused token is told apart from a network failure.
    const why = typeof reply.error?.message === 'string' ? reply.error.message : 'refused';
    fail({ code: 1008, reason: `authentication failed: ${why}`, wasClean: true, unauthorized: true });
  };

  const handle = (outputs: GmOutput[]) => {
    for (const output of outputs) {
      if (done) return;
      if (output.type === 'send') transport.send(output.bytes);
      else if (output.type === 'packet') onPacket(decodeUtf8(output.payload));
      else {
        const auth: Record<string, unknown> = { token: request.token, status: request.appearOnline };
        if (request.lang) auth.lang = request.lang;
        if (request.singleSocket) auth.single_socket = true;
        if (request.resume) {
          auth.resume_token = request.resume.token;
          auth.resume_seq = request.resume.seq;
        } else if (request.resumable) auth.resumable = true;
        sendText(JSON.stringify({ cid: AUTH_CID, authenticate: auth }));
      }
    }
  };

  const port = options.kind === 'tcp' ? (options.port ?? 7353) : request.port;
  const scheme = request.useSSL ? 'wss' : 'ws';
  const target =
    options.kind === 'tcp'
      ? { host: request.host, port }
      : { url: `${scheme}://${urlHost(request.host)}:${port}/gm`, host: request.host, port };
  const transport = options.transport(
    target,
    {
      opened: () => {},
      message: (data) => {
        if (done) return;
        if (typeof data === 'string') {
          fail({
            code: 1003,
            reason: 'the server sent a text frame on a GameMaker carrier',
            wasClean: false,
          });
          return;
        }
        try {
          handle(framer.receive(data));
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          fail({ code: 1002, reason: `GameMaker framing error: ${message}`, wasClean: false });
        }
      },
      alive: () => {},
      closed: (code, reason, wasClean) => finish({ code, reason, wasClean }),
      failed: (error) => {
        const message = error instanceof Error && error.message ? error.message : 'connection failed';
        finish({ code: ABNORMAL, reason: message, wasClean: false });
      },
    },
    { maxMessageSize: request.maxIncomingBytes + GM_HEADER_SIZE },
  );
  return {
    send: sendText,
    close: (code, reason) => {
      done = true;
      transport.close(code, reason);
    },
    abort: () => {
      done = true;
      transport.abort();
    },
  };
}
