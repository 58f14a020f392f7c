/**
 * Realtime error codes and the {@link RealtimeError} class.
 *
 * The numeric codes are Nakama's `rtapi.Error.Code` values, unchanged, because unmodified nakama-js
 * clients reject their pending promise with the raw `{code, message}` object and game code written
 * against Nakama switches on these numbers. Tether adds no codes of its own: size and rate limits are
 * reported as {@link RealtimeErrorCode.BAD_INPUT} with a message that says which limit was hit, so a
 * client that only knows Nakama's table still sees a familiar value.
 *
 * @packageDocumentation
 */

import { CloseCode } from '../errors.ts';

/**
 * Nakama's realtime error codes (`rtapi.Error.Code` in nakama-common `rtapi/realtime.proto`).
 * Values are wire values: never renumber them.
 */
export const RealtimeErrorCode = {
  /** An unexpected failure on the server (storage errors, internal bugs). */
  RUNTIME_EXCEPTION: 0,
  /** The envelope carried a message key the server does not accept from clients. */
  UNRECOGNIZED_PAYLOAD: 1,
  /** The envelope carried no message at all (only `cid`, or nothing). */
  MISSING_PAYLOAD: 2,
  /** A field had the wrong type, format or range; also used for Tether's size and rate limits. */
  BAD_INPUT: 3,
  /** `match_join` named a match that does not exist. */
  MATCH_NOT_FOUND: 4,
  /** The match handler refused the join; the message is the handler's reason. */
  MATCH_JOIN_REJECTED: 5,
  /** `rpc` named a function that is not registered. */
  RUNTIME_FUNCTION_NOT_FOUND: 6,
  /** An RPC function or a before-hook failed; the message is the function's error text. */
  RUNTIME_FUNCTION_EXCEPTION: 7,
} as const;

/** Union of every value in {@link RealtimeErrorCode}. */
export type RealtimeErrorCode = (typeof RealtimeErrorCode)[keyof typeof RealtimeErrorCode];

/** Options for {@link RealtimeError}; every field is optional. */
export interface RealtimeErrorOptions {
  /** Extra string details sent to the client in `error.context` (proto `map<string,string>`). */
  context?: Record<string, string>;
  /** True if the transport must close the socket after sending the error frame. Default false. */
  fatal?: boolean;
  /**
   * WebSocket close code for a fatal error. Defaults to 1002 (protocol error). Ignored when the
   * error is not fatal.
   */
  closeCode?: number;
  /** The request's correlation id, when it was known at the point of failure. */
  cid?: string;
  /** The underlying error, kept in the standard `cause` property. */
  cause?: unknown;
}

/**
 * An error that maps to one realtime `error` frame.
 *
 * The transport catches it, sends `encodeError(err.cid, err)` and, if {@link RealtimeError.fatal} is
 * set, closes the socket with {@link RealtimeError.closeCode}. Nakama closes the socket on every
 * protocol error; Tether closes only where continuing makes no sense (the peer is not speaking JSON
 * objects at all, or overran the size limit), so one sloppy message from a hand-written client does not
 * drop a whole game session.
 */
export class RealtimeError extends Error {
  /** Nakama error code, sent as `error.code`. */
  readonly code: RealtimeErrorCode;
  /** Extra details sent as `error.context`, if any. */
  readonly context: Readonly<Record<string, string>> | undefined;
  /** True if the socket must be closed after the error frame is sent. */
  readonly fatal: boolean;
  /** WebSocket close code to use when {@link RealtimeError.fatal} is true. */
  readonly closeCode: number;
  /** Correlation id of the failed request, if known; pass it to `encodeError`. */
  readonly cid: string | undefined;

  /**
   * @param code - Nakama error code from {@link RealtimeErrorCode}
   * @param message - human-readable English text, sent to the client as `error.message`
   * @param options - context, fatal flag, close code, cid and cause
   */
  constructor(code: RealtimeErrorCode, message: string, options: RealtimeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RealtimeError';
    this.code = code;
    this.context = options.context;
    this.fatal = options.fatal ?? false;
    this.closeCode = options.closeCode ?? CloseCode.PROTOCOL_ERROR;
    this.cid = options.cid;
  }

  /**
   * The same error with a correlation id attached (errors raised before the envelope's `cid` was read
   * have none). Returns `this` when the cid is unchanged, so it is free on the common path.
   */
  withCid(cid: string | undefined): RealtimeError {
    if (cid === this.cid) return this;
    return new RealtimeError(this.code, this.message, {
      context: this.context === undefined ? undefined : { ...this.context },
      fatal: this.fatal,
      closeCode: this.closeCode,
      cid,
      cause: this.cause,
    });
  }

  /** The proto3 JSON body of the `error` envelope member: `{code, message, context?}`. */
  toWire(): RealtimeErrorBody {
    return this.context === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, context: { ...this.context } };
  }
}

/**
 * Body of the `error` envelope member (`rtapi.Error`). Tether always emits `code`, even 0, although
 * proto3 JSON would omit a zero value: clients then never see `code: undefined`.
 */
export interface RealtimeErrorBody {
  /** A {@link RealtimeErrorCode} value (int32 on the wire). */
  code: number;
  /** English text for developers. */
  message: string;
  /** Optional string details. */
  context?: Record<string, string>;
}

/**
 * The error for an inbound message over the configured size limit. It is fatal with close code 1009,
 * like Nakama (which ends the socket when gorilla's read limit trips), but Tether first sends a
 * BAD_INPUT frame that names the limit, so the developer learns why the socket closed.
 *
 * @param size - the message size in UTF-8 bytes (or a lower bound, if counting stopped early)
 * @param limit - the configured maximum in bytes
 */
export function messageTooLarge(size: number, limit: number): RealtimeError {
  return new RealtimeError(
    RealtimeErrorCode.BAD_INPUT,
    `Message too large: ${size} bytes exceeds the limit of ${limit} bytes`,
    { fatal: true, closeCode: CloseCode.MESSAGE_TOO_BIG, context: { limit: String(limit) } },
  );
}

/**
 * The error for a client that sends faster than the server allows. BAD_INPUT, because Nakama has no
 * rate-limit code and nakama-js users already handle BAD_INPUT. Not fatal by default: the request is
 * dropped and the client may slow down; pass `fatal: true` to disconnect persistent offenders (close
 * code 1008, policy violation).
 *
 * @param options - `fatal`: close the socket too; `cid`: the rejected request's correlation id
 */
export function rateLimited(options: { fatal?: boolean; cid?: string } = {}): RealtimeError {
  return new RealtimeError(RealtimeErrorCode.BAD_INPUT, 'Rate limit exceeded: too many messages', {
    fatal: options.fatal ?? false,
    closeCode: CloseCode.POLICY_VIOLATION,
    cid: options.cid,
  });
}
