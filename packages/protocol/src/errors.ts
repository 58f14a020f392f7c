/**
 * Error catalog shared by every codec in `@tether/protocol`.
 *
 * Codes are plain strings (not numbers) so that logs, metrics and JSON error payloads stay readable,
 * and they are an `as const` object rather than an `enum` so that they survive type stripping and
 * tree-shaking unchanged.
 *
 * @packageDocumentation
 */

/**
 * Stable machine-readable error codes. Never rename a value: clients and dashboards match on them.
 * New subsystems append their codes here so that one catalog documents every failure mode.
 */
export const ErrorCode = {
  /** A GameMaker packet header did not start with `0xDEADC0DE`: the peer is not speaking GM framing. */
  GM_BAD_MAGIC: 'GM_BAD_MAGIC',
  /** A GameMaker packet header declared a header size other than 12. */
  GM_BAD_HEADER_SIZE: 'GM_BAD_HEADER_SIZE',
  /** A GameMaker packet declared a payload longer than the receiver's `maxPayload`. */
  GM_PAYLOAD_TOO_LARGE: 'GM_PAYLOAD_TOO_LARGE',
  /** The GameMaker handshake bytes (hello, client signature or server ack) were wrong. */
  GM_BAD_HANDSHAKE: 'GM_BAD_HANDSHAKE',
  /** A buffer read (or peek) needed bytes past the end of the buffer. */
  BUFFER_OVERRUN: 'BUFFER_OVERRUN',
  /** A write (or poke) did not fit in a `fixed`/`fast` buffer, or a `grow` buffer hit the 2 GiB cap. */
  BUFFER_OUT_OF_SPACE: 'BUFFER_OUT_OF_SPACE',
  /** An unknown data type, or a type the buffer kind does not allow (`fast` buffers are u8 only). */
  BUFFER_BAD_TYPE: 'BUFFER_BAD_TYPE',
  /** A value, size, alignment, offset or seek base that the buffer cannot accept. */
  BUFFER_BAD_ARGUMENT: 'BUFFER_BAD_ARGUMENT',
} as const;

/** Union of every value in {@link ErrorCode}. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/**
 * Close codes of every Tether connection, defined once for the server and the client SDK. 1000–1013
 * are RFC 6455 codes (section 7.4.1); 4001–4005 are Tether's own (the 4000–4999 range is for
 * applications), for the cases a game must react to differently: refresh the token, log in again, or
 * not reconnect at all. On GameMaker TCP, which has no close frame, they travel in a final notice
 * packet `{"error":{"code":<close code>,"message":<reason>}}`. docs/protocol.md lists when each is used.
 */
export const CloseCode = {
  /** Orderly close: the client closed, or the server ended the session in an orderly way. */
  NORMAL: 1000,
  /** Server shutting down, or the peer stopped answering (heartbeat timeout). Reconnect later. */
  GOING_AWAY: 1001,
  /** The peer broke the wire protocol (bad framing, bad handshake, malformed message). */
  PROTOCOL_ERROR: 1002,
  /** The peer sent a kind of data this endpoint cannot accept (a binary frame on the JSON socket). */
  UNSUPPORTED_DATA: 1003,
  /** No close frame at all (network loss); never sent, only observed by clients. */
  ABNORMAL: 1006,
  /** A text message that is not valid UTF-8. */
  INVALID_PAYLOAD: 1007,
  /**
   * Policy refusal: rate limit, slow consumer, inbound queue full, not authenticated, too much data
   * before authentication.
   */
  POLICY_VIOLATION: 1008,
  /** An inbound message over the size limit. */
  MESSAGE_TOO_BIG: 1009,
  /** A bug or unexpected condition on this side. */
  INTERNAL_ERROR: 1011,
  /**
   * Temporary overload: server full, too many connections from the client's address, or too many
   * connections still authenticating. The client may reconnect later (with a back-off).
   */
  TRY_AGAIN_LATER: 1013,
  /** The session token expired while the socket was open. Refresh the token, then reconnect. */
  TOKEN_EXPIRED: 4001,
  /** The session was revoked: logout, or "log out everywhere". Log in again; do not reconnect. */
  SESSION_REVOKED: 4002,
  /** Another socket of the same user connected with `single_socket`. Do not reconnect. */
  REPLACED: 4003,
  /**
   * The user was banned (after a `banned` notification, code -8). Do not reconnect or log in again:
   * authentication is refused (403) until the ban is lifted.
   */
  BANNED: 4004,
  /** The account was deleted (`DELETE /v2/account` or server code). Do not reconnect or log in again. */
  ACCOUNT_DELETED: 4005,
} as const;

/** Union of every value in {@link CloseCode}. */
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** The fixed close reasons of realtime sessions, so clients and logs can match them. */
export const CloseReason = {
  SHUTDOWN: 'server shutting down',
  HEARTBEAT_TIMEOUT: 'heartbeat timeout',
  TOKEN_EXPIRED: 'token expired',
  LOGGED_OUT: 'session revoked: logged out',
  LOGGED_OUT_EVERYWHERE: 'session revoked: all sessions of the user were logged out',
  REPLACED: 'replaced by a newer connection of this user (single_socket)',
  BANNED: 'user account banned',
  ACCOUNT_DELETED: 'user account deleted',
  BINARY_FRAME: 'binary frames are not supported on this socket',
  /** A text frame on a `/ws?format=protobuf` socket, which carries binary frames only. */
  TEXT_FRAME: 'text frames are not supported on a protobuf socket',
  AUTH_TIMEOUT: 'authentication timeout',
  NOT_AUTHENTICATED: 'not authenticated',
  AUTH_FAILED: 'authentication failed',
  AUTH_QUEUE_FULL: 'too many messages before authentication completed',
  SLOW_CONSUMER: 'outgoing queue full (slow consumer)',
  /** More messages than the socket rate limit allows, persistently (see docs/protocol.md). */
  RATE_LIMITED: 'rate limit exceeded',
  /**
   * 1013: the socket's token check outlasted the server's record of recent revocations, so whether a
   * revocation landed meanwhile is unknown; reconnect (the token is checked again).
   */
  REVOCATION_UNKNOWN: 'token check outlasted the revocation record: reconnect',
  /** Refused at accept (1013): the client's address already holds its share of connections. */
  ADDRESS_LIMIT: 'too many connections from this address',
  /** Refused at accept (1013): too many connections are still in the handshake or authenticating. */
  AUTHENTICATING_LIMIT: 'too many connections authenticating',
  /** Closed (1008): more bytes before authentication than the pre-authentication budget. */
  PRE_AUTH_LIMIT: 'too much data before authentication',
  /** With 1007: a `/ws` text frame, or a GameMaker packet, that is not valid UTF-8 (docs/protocol.md). */
  INVALID_UTF8: 'message is not valid UTF-8',
} as const;

/**
 * Close code used when the thrower does not pick one. Codes that describe a local mistake (writing a
 * bad value, running out of space in our own buffer) map to 1011, because closing with 1002 would
 * wrongly blame the peer; everything not listed is treated as the peer's fault (1002).
 */
const DEFAULT_CLOSE: Partial<Record<ErrorCode, number>> = {
  GM_PAYLOAD_TOO_LARGE: CloseCode.MESSAGE_TOO_BIG,
  BUFFER_OUT_OF_SPACE: CloseCode.INTERNAL_ERROR,
  BUFFER_BAD_TYPE: CloseCode.INTERNAL_ERROR,
  BUFFER_BAD_ARGUMENT: CloseCode.INTERNAL_ERROR,
};

/**
 * Every protocol error carries a stable code and the WebSocket close code a transport should use.
 *
 * Transports can therefore handle all codec failures with one `catch`: log `code`, close with
 * `closeCode`. The original low-level error, if any, is kept in the standard `cause` property.
 *
 * @example
 * ```ts
 * try { framer.receive(chunk); } catch (e) {
 *   if (e instanceof ProtocolError) ws.close(e.closeCode, e.code); else throw e;
 * }
 * ```
 */
export class ProtocolError extends Error {
  /** Stable machine-readable code from {@link ErrorCode}. */
  readonly code: ErrorCode;
  /** WebSocket close code to send when this error ends a connection. */
  readonly closeCode: number;

  /**
   * @param code - stable code from {@link ErrorCode}
   * @param message - human-readable detail (not matched on by code, so it may change freely)
   * @param closeCode - overrides the default close code for `code` (1009 for oversized payloads,
   *   1011 for local buffer misuse, 1002 otherwise)
   * @param options - `cause`: the underlying error, if this one wraps another
   */
  constructor(code: ErrorCode, message: string, closeCode?: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProtocolError';
    this.code = code;
    this.closeCode = closeCode ?? DEFAULT_CLOSE[code] ?? CloseCode.PROTOCOL_ERROR;
  }
}
