/**
 * WebSocket carrier for both the browser's `WebSocket` and the Node `ws` package (which implements the
 * same `on*` handler API). Node-only extras (`ping`, `terminate`, the `pong` event) are feature-detected,
 * so this file imports nothing from Node.
 *
 * @packageDocumentation
 */

import { ClientError, ClientErrorCode } from './errors.ts';
import type { Transport, TransportFactory } from './transport.ts';

/**
 * Anything constructible like the browser's `WebSocket` (the DOM class, the `ws` package, a test fake).
 * Typed loosely because the DOM and `ws` declare their handler types differently.
 */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => object;

/** Creates the WebSocket object for a URL; lets Node pass `ws`-specific options such as `maxPayload`. */
export type WebSocketFactory = (url: string, maxMessageSize: number) => object;

/** The part of the WebSocket API the carrier uses, plus the optional `ws` extras. */
interface WebSocketLike {
  binaryType: string;
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: ((event: { message?: unknown; error?: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string; wasClean: boolean }) => void) | null;
  ping?: () => void;
  terminate?: () => void;
  on?: (event: 'pong', listener: () => void) => unknown;
}

/** Close code browsers and `ws` report when the connection dropped without a close frame. */
const ABNORMAL = 1006;
/** Error code of `ws` for a message over `maxPayload`. */
const WS_TOO_LARGE = 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH';

/**
 * Builds a {@link TransportFactory} over WebSocket objects made by `create`.
 *
 * Error handling: both runtimes fire `error` and then `close`. The error is remembered and reported
 * from `close`, with the close code, because browsers put no message on the error event; reporting
 * only "error" there is what left GDevelop's `LastError()` reading "undefined".
 */
export function webSocketTransport(create: WebSocketFactory): TransportFactory {
  return (target, sink, options) => {
    const url = target.url ?? `ws://${target.host}:${target.port}/`;
    const ws = create(url, options.maxMessageSize) as WebSocketLike;
    // ArrayBuffer rather than the default Blob: a Blob can only be read asynchronously, which would
    // break ordering, and GDevelop's extension shows what happens otherwise ("[object Blob]").
    ws.binaryType = 'arraybuffer';
    let errorMessage: string | undefined;
    let errorCause: unknown;

    ws.onopen = () => sink.opened();
    ws.onmessage = (event) => {
      const data = event.data;
      if (typeof data === 'string') sink.message(data);
      else if (data instanceof ArrayBuffer) sink.message(new Uint8Array(data));
      else if (ArrayBuffer.isView(data))
        sink.message(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      else
        sink.failed(
          new Error(`unsupported WebSocket message data (${Object.prototype.toString.call(data)})`),
        );
    };
    ws.onerror = (event) => {
      errorCause = event.error;
      const detail = event.error instanceof Error ? event.error.message : event.message;
      errorMessage =
        typeof detail === 'string' && detail !== '' ? detail : `WebSocket connection to ${url} failed`;
    };
    ws.onclose = (event) => {
      if (errorMessage === undefined) {
        sink.closed(event.code, event.reason, event.wasClean);
        return;
      }
      if ((errorCause as { code?: unknown } | undefined)?.code === WS_TOO_LARGE) {
        // `ws` enforces maxPayload itself; report it like the client's own size check does.
        const message = `${errorMessage}: a message exceeded maxMessageSize`;
        sink.failed(new ClientError(ClientErrorCode.MESSAGE_TOO_LARGE, message, { cause: errorCause }));
        return;
      }
      const reason = event.reason ? `, reason "${event.reason}"` : '';
      const hint = event.code === ABNORMAL ? '' : ` (close code ${event.code}${reason})`;
      sink.failed(new Error(`${errorMessage}${hint}`, { cause: errorCause }));
    };
    // Node `ws` only: pongs prove the peer is alive even when the game sends nothing.
    ws.on?.('pong', () => sink.alive());

    const transport: Transport = {
      messageOriented: true,
      send: (data) => ws.send(data),
      close: (code, reason) => ws.close(code, reason),
      // `terminate` (ws) drops the TCP connection at once; browsers only offer close().
      abort: () => (ws.terminate ? ws.terminate() : ws.close()),
    };
    if (typeof ws.ping === 'function') {
      const ping = ws.ping.bind(ws);
      transport.ping = () => {
        try {
          ping();
        } catch {
          // `ws` throws when the socket is no longer open; its close event follows and ends the socket.
        }
      };
    }
    return transport;
  };
}
