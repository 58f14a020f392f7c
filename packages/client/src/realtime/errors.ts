/**
 * Errors of the realtime socket. Two families, so a game can tell "the server said no" from "the
 * request never got an answer":
 *
 * - {@link RealtimeRequestError}: the server answered the request with an `error` envelope. `code` is
 *   Nakama's realtime error code (3 bad input, 4 match not found, 6 RPC not found…) and `message` the
 *   server's text.
 * - {@link RealtimeSocketError}: the client gave up on the request: it timed out, the connection
 *   closed while it was in flight, it was issued while disconnected, or it was too large to send.
 *
 * @packageDocumentation
 */

import type { RealtimeErrorBody } from '@tether/protocol';

/** Why a request failed without an answer from the server. */
export const RealtimeFailure = {
  /** No reply within the request's timeout (the timer is cleared on every other outcome). */
  TIMEOUT: 'TIMEOUT',
  /** The connection closed while the request was in flight (it may or may not have been handled). */
  DISCONNECTED: 'DISCONNECTED',
  /** Issued while the socket was not connected, with `whileDisconnected: 'fail'` or no reconnection coming. */
  NOT_CONNECTED: 'NOT_CONNECTED',
  /** Issued while reconnecting, and the bounded request queue was full. */
  QUEUE_FULL: 'QUEUE_FULL',
  /** The envelope is larger than `maxMessageBytes`; sent, the server would close the socket (1009). */
  MESSAGE_TOO_LARGE: 'MESSAGE_TOO_LARGE',
  /** The connection could not be established (initial `connect()`). */
  CONNECT_FAILED: 'CONNECT_FAILED',
  /** The server refused the session token and refreshing it failed: log in again. */
  SESSION_EXPIRED: 'SESSION_EXPIRED',
  /** A resumable item could not be restored because nothing can restore it (matchmaker tickets). */
  NOT_RESUMABLE: 'NOT_RESUMABLE',
} as const;

/** Union of every value in {@link RealtimeFailure}. */
export type RealtimeFailure = (typeof RealtimeFailure)[keyof typeof RealtimeFailure];

/** The server answered a request with an `error` envelope. */
export class RealtimeRequestError extends Error {
  /** Nakama's realtime error code (`RealtimeErrorCode` in `@tether/protocol`). */
  readonly code: number;
  /** Extra details the server attached (`field`, `match_id`, `limit`…). */
  readonly context: Readonly<Record<string, string>> | undefined;
  /** The envelope key of the failed request, e.g. `match_join`. */
  readonly request: string;

  /**
   * @param request - the request's envelope key
   * @param body - the server's `error` body
   */
  constructor(request: string, body: RealtimeErrorBody) {
    super(typeof body.message === 'string' && body.message !== '' ? body.message : `error ${body.code}`);
    this.name = 'RealtimeRequestError';
    this.code = typeof body.code === 'number' ? body.code : 0;
    this.context = body.context;
    this.request = request;
  }
}

/** The client gave up on a request (or could not send it). */
export class RealtimeSocketError extends Error {
  /** Why. */
  readonly code: RealtimeFailure;
  /** For DISCONNECTED: the close code of the connection that ended. */
  readonly closeCode: number | undefined;
  /** For DISCONNECTED: the close reason. */
  readonly closeReason: string | undefined;

  /**
   * @param code - why the request failed
   * @param message - readable detail (what was asked, how long it waited, why the socket closed)
   * @param details - close code and reason for DISCONNECTED, and an underlying `cause`
   */
  constructor(
    code: RealtimeFailure,
    message: string,
    details: { closeCode?: number; closeReason?: string; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'RealtimeSocketError';
    this.code = code;
    this.closeCode = details.closeCode;
    this.closeReason = details.closeReason;
  }
}
