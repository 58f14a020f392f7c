/**
 * Tether extension: session resume. Nakama has no such thing; no Nakama client asks for it, so none
 * ever sees these fields or messages.
 *
 * A client opts in when it connects (`/ws?…&resumable=true`, or `"resumable": true` in a GameMaker
 * carrier's `authenticate`). The server then sends `session_resume` as the connection's first
 * envelope, with a resume token. If the connection later breaks without a close handshake, the server
 * keeps the session (its presences, and the messages it could not deliver) for a grace period without
 * announcing a leave. A client that reconnects within it with the token and the number of envelopes
 * it received (`/ws?…&resume=<token>&resume_seq=<n>`, or `resume_token`/`resume_seq` in
 * `authenticate`) gets the same session back: `session_resume` with `resumed: true`, then every
 * envelope after the first `n`, in order. Otherwise it gets a fresh session and `resumed: false` with
 * a {@link SessionResumeFailure} reason. docs/protocol.md describes the whole exchange.
 *
 * Counting: `resume_seq` is the number of envelopes received on the session since its first
 * `session_resume`, across every connection of the session, **not counting** `session_resume` itself
 * and the GameMaker `session` reply.
 *
 * @packageDocumentation
 */

/** Why a resume was refused; the client got a fresh session instead. */
export const SessionResumeFailure = {
  /**
   * The server holds no session for this token: the grace period ended, the session was closed
   * (logout, ban, `single_socket`), the server restarted, or (in a cluster) another node holds it.
   */
  EXPIRED: 'expired',
  /** Messages the client had not received no longer fit the server's resume buffer. */
  OVERFLOW: 'overflow',
  /** A malformed token, a token of another user, or a `resume_seq` beyond what the server sent. */
  INVALID: 'invalid',
  /** The server has resume turned off (`sessionResumeGraceSec` 0). */
  DISABLED: 'disabled',
} as const;

/** Union of every value in {@link SessionResumeFailure}. */
export type SessionResumeFailure = (typeof SessionResumeFailure)[keyof typeof SessionResumeFailure];

/** Server → client (Tether extension): the first envelope of every resumable connection. */
export interface SessionResume {
  /** The session's id: the old one when `resumed`, a new one otherwise. */
  session_id: string;
  /** Present this to resume the session after a broken connection; `""` when resume is disabled. */
  token: string;
  /** True: the session was resumed and the envelopes the client missed follow. */
  resumed: boolean;
  /** Why a requested resume was refused (absent on a first connect and on success). */
  reason?: SessionResumeFailure;
  /** When `resumed`: how many envelopes are replayed right after this one. */
  replayed?: number;
  /** How long the server holds the session after a broken connection, in seconds (0: never). */
  grace_sec: number;
}
