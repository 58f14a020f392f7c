/**
 * Realtime carriers: how envelopes travel between the SDK and the server. The socket above them only
 * sees "opened", "a text envelope arrived" and "closed with code and reason", so the same request,
 * reconnect and resume logic runs over `/ws` (token in the URL) and over the GameMaker carriers
 * (first envelope `authenticate`).
 *
 * This file is browser-safe; the `ws` package and TCP are wired in by `@tether/client/node`.
 *
 * @packageDocumentation
 */

import type { SessionInfo } from '@tether/protocol';
import { ClientError, ClientErrorCode } from '../errors.ts';
import type { TransportFactory } from '../transport.ts';
import { type WebSocketConstructor, type WebSocketFactory, webSocketTransport } from '../websocket.ts';
import { type EnvelopeCodec, JSON_CODEC } from './codec.ts';

/** What a carrier needs to open one authenticated connection. */
export interface CarrierConnectRequest {
  /** Server host (a name or an IP literal, IPv6 without brackets). */
  readonly host: string;
  /** The server's HTTP/WebSocket port (carriers with their own port, such as GameMaker TCP, ignore it). */
  readonly port: number;
  /** TLS. */
  readonly useSSL: boolean;
  /** Session token. */
  readonly token: string;
  /** Appear online (`status=true`). */
  readonly appearOnline: boolean;
  /** Language tag, if any. */
  readonly lang: string | undefined;
  /** Close the user's other sockets (`single_socket=true`). */
  readonly singleSocket: boolean;
  /** Largest incoming message in bytes, where the carrier can enforce it. */
  readonly maxIncomingBytes: number;
  /** Ask for a resumable session (Tether's session resume; `resumable=true`). */
  readonly resumable: boolean;
  /** Ask for a held session back: its resume token and the envelopes received on it. */
  readonly resume: { readonly token: string; readonly seq: number } | undefined;
}

/** How a connection ended (or failed to open). */
export interface CarrierClose {
  /** WebSocket close code (1006 when there was no close handshake). */
  readonly code: number;
  /** The server's reason, or the failure's message. */
  readonly reason: string;
  /** True for an orderly close. */
  readonly wasClean: boolean;
  /** True when the server refused the session token (HTTP 401 on upgrade, `authenticate` refused). */
  readonly unauthorized?: boolean;
}

/** Callbacks of one connection; `closed` is called exactly once and nothing follows it. */
export interface CarrierSink {
  /** Authenticated and ready for envelopes; GameMaker carriers pass the server's `session` reply. */
  opened(session?: SessionInfo): void;
  /** One envelope: its text, or its bytes on a binary carrier (see {@link RealtimeCarrier.codec}). */
  message(frame: string | Uint8Array): void;
  /** The connection ended, or never opened. */
  closed(close: CarrierClose): void;
}

/** One live connection. */
export interface CarrierLink {
  /** Sends one envelope (text, or bytes on a binary carrier). */
  send(frame: string | Uint8Array): void;
  /** Orderly close (WebSocket code 1000 or 3000–4999). */
  close(code: number, reason: string): void;
  /** Drops the connection at once (dead peer, timeout). */
  abort(): void;
}

/** Opens realtime connections. Errors are reported through `sink.closed`, never thrown. */
export interface RealtimeCarrier {
  /** Short name for events and messages: `ws`, `gm-tcp`, `gm-ws`. */
  readonly name: string;
  /** How envelopes are encoded on this carrier; JSON text when absent. */
  readonly codec?: EnvelopeCodec;
  /** Opens one connection; `sink.opened` or `sink.closed` follows. */
  open(request: CarrierConnectRequest, sink: CarrierSink): CarrierLink;
}

/** Close code reported when the connection ended without a close handshake (RFC 6455). */
export const ABNORMAL = 1006;

/** `host` as it must appear in a URL (IPv6 literals in brackets). */
export function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/**
 * Heuristic for an upgrade refused with 401. Node's `ws` reports "Unexpected server response: 401";
 * browsers report nothing at all for a refused upgrade, so there the socket relies on the token's
 * expiry time instead (see the reconnect policy in docs/client.md).
 */
export function looksUnauthorized(message: string): boolean {
  return /\b401\b/.test(message);
}

/** Options of {@link webSocketCarrier}. */
export interface WebSocketCarrierOptions {
  /** WebSocket class (default `globalThis.WebSocket`, looked up when connecting). */
  WebSocket?: WebSocketConstructor;
  /** Full control over construction (Node passes `ws` options such as `maxPayload`); wins over `WebSocket`. */
  create?: WebSocketFactory;
  /** Socket path (default `/ws`). */
  path?: string;
  /**
   * The wire format: JSON text frames (default), or Nakama's protobuf `Envelope` in binary frames
   * with `protobufCodec` from `@tether/client/protobuf` (`format=protobuf`).
   */
  codec?: EnvelopeCodec;
}

/** Resolves the WebSocket factory at connect time, so polyfills installed late still count. */
export function resolveWebSocketFactory(options: {
  WebSocket?: WebSocketConstructor;
  create?: WebSocketFactory;
}): WebSocketFactory {
  if (options.create) return options.create;
  const WebSocketClass = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (!WebSocketClass) {
    throw new ClientError(
      ClientErrorCode.NO_WEBSOCKET,
      "no WebSocket implementation: Node 20 has none built in; import from '@tether/client/node' or pass { WebSocket }",
    );
  }
  return (url) => new WebSocketClass(url);
}

/**
 * Nakama's realtime socket: `ws(s)://host:port/ws?token=…&status=…`, one JSON envelope per text frame
 * (or, with a binary codec, one protobuf `Envelope` per binary frame). A frame of the other kind never
 * comes from the server; one would close the connection with 1003.
 */
export function webSocketCarrier(options: WebSocketCarrierOptions = {}): RealtimeCarrier {
  const path = options.path ?? '/ws';
  const codec = options.codec ?? JSON_CODEC;
  return {
    name: 'ws',
    codec,
    open(request, sink) {
      const query = new URLSearchParams({ token: request.token, format: codec.format });
      if (request.appearOnline) query.set('status', 'true');
      if (request.lang) query.set('lang', request.lang);
      if (request.singleSocket) query.set('single_socket', 'true');
      if (request.resume) {
        query.set('resume', request.resume.token);
        query.set('resume_seq', String(request.resume.seq));
      } else if (request.resumable) query.set('resumable', 'true');
      const scheme = request.useSSL ? 'wss' : 'ws';
      const url = `${scheme}://${urlHost(request.host)}:${request.port}${path}?${query.toString()}`;
      return openTransport(
        webSocketTransport(resolveWebSocketFactory(options)),
        url,
        request,
        sink,
        codec.binary,
      );
    },
  };
}

/** Runs a `/ws`-style carrier (one envelope per frame, token already in the URL) over a transport. */
function openTransport(
  factory: TransportFactory,
  url: string,
  request: CarrierConnectRequest,
  sink: CarrierSink,
  binary: boolean,
): CarrierLink {
  let done = false;
  const finish = (close: CarrierClose) => {
    if (done) return;
    done = true;
    sink.closed(close);
  };
  // The token is a credential: keep it out of error messages and logs.
  const shown = url.replace(/token=[^&]*/, 'token=…');
  const transport = factory(
    { url, host: request.host, port: request.port },
    {
      opened: () => {
        if (!done) sink.opened();
      },
      message: (data) => {
        if (done) return;
        if ((typeof data === 'string') !== binary) sink.message(data);
        else {
          transport.abort();
          finish({
            code: 1003,
            reason: binary
              ? 'the server sent a text frame on the protobuf socket'
              : 'the server sent a binary frame on the JSON socket',
            wasClean: false,
          });
        }
      },
      alive: () => {},
      closed: (code, reason, wasClean) => finish({ code, reason, wasClean }),
      failed: (error) => {
        const raw = error instanceof Error && error.message ? error.message : `connection to ${shown} failed`;
        const message = raw.split(url).join(shown);
        finish({
          code: ABNORMAL,
          reason: message,
          wasClean: false,
          unauthorized: looksUnauthorized(message),
        });
      },
    },
    { maxMessageSize: request.maxIncomingBytes },
  );
  return {
    send: (frame) => transport.send(frame),
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
