/**
 * Errors raised by the transport layer itself (as opposed to codec errors, which are
 * `ProtocolError`s from `@tether/protocol`). Both carry a stable `code` for logs and a `closeCode`
 * for the WebSocket close frame, so a transport handles either with the same code path.
 *
 * @packageDocumentation
 */
import { CloseCode, CloseReason } from '@tether/protocol';

/**
 * Stable codes for transport-level failures. They live here rather than in the protocol catalog
 * because they describe a connection's behaviour (too slow, too quiet, too chatty), not bytes on
 * the wire. Never rename a value: dashboards and tests match on them.
 */
export const TransportErrorCode = {
  /** A GameMaker client did not complete the handshake within the handshake timeout. */
  HANDSHAKE_TIMEOUT: 'HANDSHAKE_TIMEOUT',
  /** The peer stopped reading and the outbound buffer passed `maxBufferedBytes`. */
  SLOW_CONSUMER: 'SLOW_CONSUMER',
  /** The peer sent more messages per second than `maxPacketsPerSecond` allows. */
  FLOOD: 'FLOOD',
  /** The listener already holds `maxClients` connections. */
  SERVER_FULL: 'SERVER_FULL',
  /** No message arrived within the read (idle) timeout. */
  READ_TIMEOUT: 'READ_TIMEOUT',
  /** Queued outbound data made no progress within the write timeout. */
  WRITE_TIMEOUT: 'WRITE_TIMEOUT',
  /** A text WebSocket message arrived on a carrier that only accepts binary (GameMaker framing). */
  UNSUPPORTED_DATA: 'UNSUPPORTED_DATA',
  /** A WebSocket message was larger than the carrier's `maxPayload`. */
  MESSAGE_TOO_BIG: 'MESSAGE_TOO_BIG',
  /** Refused at accept: the client's address already holds its share of connections. */
  ADDRESS_LIMIT: 'ADDRESS_LIMIT',
  /** Refused at accept: too many connections (from this address, or in all) are still unauthenticated. */
  UNAUTHENTICATED_LIMIT: 'UNAUTHENTICATED_LIMIT',
  /** The peer sent more bytes before authenticating than the pre-authentication budget. */
  PRE_AUTH_LIMIT: 'PRE_AUTH_LIMIT',
  /** A WebSocket text message that is not valid UTF-8 (RFC 6455 section 8.1: fail with 1007). */
  INVALID_UTF8: 'INVALID_UTF8',
} as const;

/** Union of every value in {@link TransportErrorCode}. */
export type TransportErrorCode = (typeof TransportErrorCode)[keyof typeof TransportErrorCode];

/** Close code for each transport error; chosen so that a client can tell "retry later" from "fix your client". */
const CLOSE_FOR: Record<TransportErrorCode, number> = {
  HANDSHAKE_TIMEOUT: CloseCode.PROTOCOL_ERROR,
  SLOW_CONSUMER: CloseCode.POLICY_VIOLATION,
  FLOOD: CloseCode.POLICY_VIOLATION,
  SERVER_FULL: CloseCode.TRY_AGAIN_LATER,
  READ_TIMEOUT: CloseCode.GOING_AWAY,
  WRITE_TIMEOUT: CloseCode.POLICY_VIOLATION,
  UNSUPPORTED_DATA: CloseCode.UNSUPPORTED_DATA,
  MESSAGE_TOO_BIG: CloseCode.MESSAGE_TOO_BIG,
  ADDRESS_LIMIT: CloseCode.TRY_AGAIN_LATER,
  UNAUTHENTICATED_LIMIT: CloseCode.TRY_AGAIN_LATER,
  PRE_AUTH_LIMIT: CloseCode.POLICY_VIOLATION,
  INVALID_UTF8: CloseCode.INVALID_PAYLOAD,
};

/** Short reason text sent in close frames (and in GameMaker close notices); at most 123 bytes. */
const REASON_FOR: Record<TransportErrorCode, string> = {
  HANDSHAKE_TIMEOUT: 'handshake timeout',
  SLOW_CONSUMER: 'slow consumer',
  FLOOD: 'too many messages',
  SERVER_FULL: 'server full',
  READ_TIMEOUT: 'read timeout',
  WRITE_TIMEOUT: 'write timeout',
  UNSUPPORTED_DATA: 'text messages not accepted',
  MESSAGE_TOO_BIG: 'message too big',
  ADDRESS_LIMIT: CloseReason.ADDRESS_LIMIT,
  UNAUTHENTICATED_LIMIT: CloseReason.AUTHENTICATING_LIMIT,
  PRE_AUTH_LIMIT: CloseReason.PRE_AUTH_LIMIT,
  INVALID_UTF8: CloseReason.INVALID_UTF8,
};

/** A connection-level failure with a stable code, a close code and a short close reason. */
export class TransportError extends Error {
  /** Stable machine-readable code from {@link TransportErrorCode}. */
  readonly code: TransportErrorCode;
  /** WebSocket close code to send when this error ends a connection. */
  readonly closeCode: number;
  /** Short, stable text for the close frame; `message` may carry more detail. */
  readonly reason: string;

  /**
   * @param code - stable code from {@link TransportErrorCode}
   * @param message - detail for logs; defaults to the short reason
   * @param options - `cause`: the underlying error, if any
   */
  constructor(code: TransportErrorCode, message?: string, options?: { cause?: unknown }) {
    super(message ?? REASON_FOR[code], options);
    this.name = 'TransportError';
    this.code = code;
    this.closeCode = CLOSE_FOR[code];
    this.reason = REASON_FOR[code];
  }
}

/** Anything that can end a connection with a code: transport errors and protocol (codec) errors. */
export interface CodedError extends Error {
  readonly code: string;
  readonly closeCode: number;
}

/** True for errors that carry both a stable `code` and a `closeCode`. */
export function isCodedError(err: unknown): err is CodedError {
  return (
    err instanceof Error &&
    typeof (err as Partial<CodedError>).code === 'string' &&
    typeof (err as Partial<CodedError>).closeCode === 'number'
  );
}

/** The close reason to send for a coded error: the short reason when there is one, else the code. */
export function closeReasonOf(err: CodedError): string {
  return err instanceof TransportError ? err.reason : `${err.code}: ${err.message}`;
}
