/**
 * Errors of the `network_*` layer. GameMaker returns a negative number on failure; here a failure
 * that is a programming mistake (wrong function for the socket, bad options) throws a typed
 * {@link NetworkError}, while a normal race (sending to a socket that just disconnected) returns -1
 * as in GameMaker.
 *
 * @packageDocumentation
 */

/** Stable codes of {@link NetworkError}. */
export const NetworkErrorCode = {
  /** Non-raw (framed) UDP was requested; GameMaker's UDP header is undocumented, so only raw UDP exists. */
  UDP_FRAMED_UNSUPPORTED: 'UDP_FRAMED_UNSUPPORTED',
  /** A framed function on a raw socket or the reverse (GameMaker: "never mix raw and non-raw"). */
  MIXED_FRAMING: 'MIXED_FRAMING',
  /** The id is a server where a client socket is needed, or the reverse, or a UDP/stream mismatch. */
  WRONG_SOCKET_KIND: 'WRONG_SOCKET_KIND',
  /** Invalid options or arguments (port, maxClients, size, missing TLS for wss...). */
  BAD_ARGUMENT: 'BAD_ARGUMENT',
  /** The port could not be bound (in use, no permission). */
  LISTEN_FAILED: 'LISTEN_FAILED',
  /** `poll()` on a network created without `queueLimit`. */
  QUEUE_DISABLED: 'QUEUE_DISABLED',
  /** The poll queue was full; the client whose event did not fit is disconnected. */
  EVENT_QUEUE_FULL: 'EVENT_QUEUE_FULL',
  /** The network (or server) has been closed. */
  CLOSED: 'CLOSED',
} as const;

/** Union of every value in {@link NetworkErrorCode}. */
export type NetworkErrorCode = (typeof NetworkErrorCode)[keyof typeof NetworkErrorCode];

/** A `network_*` failure with a stable code (and the close code used if it ends a connection). */
export class NetworkError extends Error {
  readonly code: NetworkErrorCode;
  /** WebSocket close code when this error ends a connection (1013 for a full queue, 1011 otherwise). */
  readonly closeCode: number;

  constructor(code: NetworkErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NetworkError';
    this.code = code;
    this.closeCode = code === 'EVENT_QUEUE_FULL' ? 1013 : 1011;
  }
}
