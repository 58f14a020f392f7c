/**
 * Tether extension: authenticating a realtime connection with an envelope.
 *
 * Nakama authenticates the socket in the WebSocket URL (`/ws?token=…`). GameMaker's framed carriers
 * (TCP, and WebSocket at `/gm`) have no URL a game can set, so on those carriers the first envelope
 * must be `authenticate`; the server answers with `session`, after which the connection is an
 * ordinary realtime session. Nakama has no such messages, so no Nakama client ever sends them; on
 * `/ws` the server refuses `authenticate` (the URL already authenticated the socket).
 *
 * @packageDocumentation
 */

import * as z from 'zod';
import { bool, int64, string } from './fields.ts';

/** Client → server (Tether extension): authenticate this connection (`{"authenticate":{…}}`). */
export interface Authenticate {
  /** A session token from `POST /v2/account/authenticate/*` (the same token `/ws?token=` takes). */
  token: string;
  /** Appear online: track the session on its user's status stream with status `""` (as `/ws?status=true`). */
  status?: boolean;
  /** Language tag for the session (default `en`). */
  lang?: string;
  /** Close the user's other realtime connections (as `/ws?single_socket=true`). */
  single_socket?: boolean;
  /**
   * Tether session resume (resume.ts): ask for a resumable session; the server then sends
   * `session_resume` (with the resume token) right after the `session` reply.
   */
  resumable?: boolean;
  /** Resume the session this token was issued for (implies `resumable`); see `resume_seq`. */
  resume_token?: string;
  /** With `resume_token`: how many envelopes the client received on that session (see resume.ts). */
  resume_seq?: number;
}

/** Server → client (Tether extension): reply to `authenticate`: who this connection now belongs to. */
export interface SessionInfo {
  /** The new realtime session's id (the `session_id` in presences). */
  session_id: string;
  /** The authenticated user's id. */
  user_id: string;
  /** The user's name, from the token. */
  username: string;
}

/** Decodes `authenticate`; a missing or empty token gets "Auth token required". */
export const authenticateSchema = z.object({
  token: string.refine((t) => t !== '', { error: 'Auth token required' }),
  status: bool,
  lang: string,
  single_socket: bool,
  resumable: bool,
  resume_token: string,
  resume_seq: int64,
});
