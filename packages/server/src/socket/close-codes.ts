/**
 * Close codes and reasons of realtime sessions, on every carrier. On `/ws` and `/gm` they are
 * WebSocket close frames; on GameMaker TCP they travel in the final close-notice packet
 * `{"error":{"code":<close code>,"message":<reason>}}`. The table in docs/protocol.md lists when each
 * one is used.
 *
 * @packageDocumentation
 */

/**
 * WebSocket close codes a realtime session ends with. 1000–1011 are RFC 6455 codes; 4001–4004 are
 * Tether's (the 4000–4999 range is for applications) for the cases a game should react to
 * differently: refresh the token, log in again, or not reconnect at all.
 */
export const RealtimeCloseCode = {
  /** The client closed, or the server ended the session in an orderly way. */
  NORMAL: 1000,
  /** Server shutting down, or the peer stopped answering (heartbeat timeout). Reconnect later. */
  GOING_AWAY: 1001,
  /** A binary frame on the JSON socket `/ws`. */
  UNSUPPORTED_DATA: 1003,
  /** Rate limit, slow consumer, inbound queue full, or (GameMaker carriers) not authenticated. */
  POLICY_VIOLATION: 1008,
  /** An inbound message over the size limit (after an error envelope that names the limit). */
  MESSAGE_TOO_BIG: 1009,
  /** A bug on the server. */
  INTERNAL_ERROR: 1011,
  /** The session token expired while the socket was open (only with `socketCloseOnTokenExpiry`). */
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
} as const;

/** Union of every value in {@link RealtimeCloseCode}. */
export type RealtimeCloseCode = (typeof RealtimeCloseCode)[keyof typeof RealtimeCloseCode];

/** Close reasons, fixed texts so clients and logs can match them. */
export const RealtimeCloseReason = {
  SHUTDOWN: 'server shutting down',
  HEARTBEAT_TIMEOUT: 'heartbeat timeout',
  TOKEN_EXPIRED: 'token expired',
  LOGGED_OUT: 'session revoked: logged out',
  LOGGED_OUT_EVERYWHERE: 'session revoked: all sessions of the user were logged out',
  REPLACED: 'replaced by a newer connection of this user (single_socket)',
  BANNED: 'user account banned',
  BINARY_FRAME: 'binary frames are not supported on this socket',
  AUTH_TIMEOUT: 'authentication timeout',
  NOT_AUTHENTICATED: 'not authenticated',
  AUTH_FAILED: 'authentication failed',
  AUTH_QUEUE_FULL: 'too many messages before authentication completed',
} as const;
