/**
 * Errors raised by the client SDK.
 *
 * Network failures never throw: they arrive as events in the socket's queue (GameMaker style), and the
 * same message is kept in `lastError()`. Only programmer mistakes (wrong socket type, bad arguments,
 * calling `connect()` twice) throw a {@link ClientError} synchronously, because no game loop can
 * recover from them at run time.
 *
 * @packageDocumentation
 */

import { CloseCode, ProtocolError } from '@tether/protocol';

/**
 * Stable machine-readable codes for client-side failures. Plain strings (not an enum) so they read well
 * in logs and survive type stripping. Framing failures keep the protocol's own `ErrorCode` instead.
 */
export const ClientErrorCode = {
  /** The carrier could not connect (refused, DNS failure, closed before the handshake finished). */
  CONNECT_FAILED: 'CONNECT_FAILED',
  /** The connection (including the GameMaker handshake) did not finish within `connectTimeoutMs`. */
  CONNECT_TIMEOUT: 'CONNECT_TIMEOUT',
  /** `close()` was called while the socket was still connecting. */
  CONNECT_ABORTED: 'CONNECT_ABORTED',
  /** The carrier failed after the connection was established (reset, network error). */
  CONNECTION_LOST: 'CONNECTION_LOST',
  /** Nothing was received within `heartbeat.timeoutMs`: the peer is considered dead. */
  HEARTBEAT_TIMEOUT: 'HEARTBEAT_TIMEOUT',
  /** The event queue hit `maxQueuedEvents` or `maxQueuedBytes`; the socket was closed. */
  QUEUE_OVERFLOW: 'QUEUE_OVERFLOW',
  /** An incoming WebSocket message was larger than `maxMessageSize`. */
  MESSAGE_TOO_LARGE: 'MESSAGE_TOO_LARGE',
  /** A send was attempted on a socket that is not open. */
  NOT_CONNECTED: 'NOT_CONNECTED',
  /** The call is not allowed in the socket's current state (e.g. a second `connect()`). */
  INVALID_STATE: 'INVALID_STATE',
  /** An argument was out of range or malformed. */
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  /** The operation does not exist for this socket type or mode (e.g. `sendPacket` on a raw socket). */
  UNSUPPORTED: 'UNSUPPORTED',
  /** No WebSocket implementation is available (Node 20 without `@tether/client/node`). */
  NO_WEBSOCKET: 'NO_WEBSOCKET',
  /** A UDP socket could not bind its local port (e.g. EADDRINUSE). */
  BIND_FAILED: 'BIND_FAILED',
  /** A UDP send failed after it was handed to the operating system. */
  SEND_FAILED: 'SEND_FAILED',
} as const;

/** Union of every value in {@link ClientErrorCode}. */
export type ClientErrorCode = (typeof ClientErrorCode)[keyof typeof ClientErrorCode];

/**
 * Close codes reported locally when the client itself ends a connection. 1006 ("abnormal closure") is
 * never sent on the wire; it is what RFC 6455 says an endpoint reports when no close frame was
 * exchanged, which is exactly the case for a dead or silent peer.
 */
const DEFAULT_CLOSE: Partial<Record<ClientErrorCode, number>> = {
  CONNECT_ABORTED: CloseCode.NORMAL,
  QUEUE_OVERFLOW: CloseCode.POLICY_VIOLATION,
  MESSAGE_TOO_LARGE: CloseCode.MESSAGE_TOO_BIG,
};

/** Close code reported when the connection ended without a close handshake (RFC 6455 section 7.1.5). */
export const ABNORMAL_CLOSURE = 1006;

/**
 * A client-side failure with a stable {@link ClientErrorCode} and the close code the socket reports.
 * The underlying error (a Node system error, a `ProtocolError`) is kept in the standard `cause`.
 */
export class ClientError extends Error {
  /** Stable machine-readable code. */
  readonly code: ClientErrorCode;
  /** Close code reported in the `disconnect` event when this error ends a connection. */
  readonly closeCode: number;

  /**
   * @param code - stable code from {@link ClientErrorCode}
   * @param message - human-readable detail, shown to players and in `lastError()`
   * @param options - `cause`: wrapped error; `closeCode`: overrides the default close code
   */
  constructor(code: ClientErrorCode, message: string, options?: { cause?: unknown; closeCode?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ClientError';
    this.code = code;
    this.closeCode = options?.closeCode ?? DEFAULT_CLOSE[code] ?? ABNORMAL_CLOSURE;
  }
}

/** Either error kind a socket can report in an event: its own, or a framing error from the protocol. */
export type SocketError = ClientError | ProtocolError;

/**
 * Turns anything thrown or emitted by a carrier into a {@link SocketError} with a readable message.
 * Browsers hand out error events without a message, so the fallback text must carry the context; an
 * empty or "undefined" message would repeat the GDevelop extension's `LastError()` bug.
 */
export function toSocketError(err: unknown, code: ClientErrorCode, fallback: string): SocketError {
  if (err instanceof ClientError || err instanceof ProtocolError) return err;
  const message = err instanceof Error && err.message ? err.message : fallback;
  return new ClientError(code, message, { cause: err });
}
