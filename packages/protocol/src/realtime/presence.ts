/**
 * `UserPresence`: the identity of one session in a stream (match, party, channel, status...).
 *
 * @packageDocumentation
 */

import * as z from 'zod';
import { bool, optionalString, string } from './fields.ts';

/**
 * One user session in a stream (`rtapi.UserPresence`). nakama-js declares an extra `node` field that
 * Nakama never sends; Tether strips it on decode and its types leave it out, so it is never emitted.
 */
export interface UserPresence {
  /** The user's id. */
  user_id: string;
  /** The session (socket) id; a user may have several. */
  session_id: string;
  /** Display name. */
  username: string;
  /** Whether the presence generates persistent data (chat persistence); omitted when false. */
  persistence?: boolean;
  /** Status text (`StringValue`), on status presences only. */
  status?: string;
}

/**
 * Decodes a presence sent by a client (match data targets, party members). Unknown keys such as
 * nakama-js's `node` are stripped. Ids are not format-checked here: the server matches them against
 * its own registries.
 */
export const userPresenceSchema = z.object({
  user_id: string,
  session_id: string,
  username: string,
  persistence: bool,
  status: optionalString,
});

/** A presence as decoded from a client message (all plain fields present). */
export type DecodedUserPresence = z.output<typeof userPresenceSchema>;

/**
 * A presence that party operations require to be complete. Nakama answers BAD_INPUT "Invalid
 * presence" when it is missing or has an empty user id, session id or username.
 */
export const requiredPresenceSchema = z.preprocess(
  (v) => v ?? {},
  userPresenceSchema.refine((p) => p.user_id !== '' && p.session_id !== '' && p.username !== '', {
    error: 'Invalid presence',
  }),
);

/**
 * Copies only the wire fields of a presence. Use it when a presence object may carry extra properties
 * (a nakama-js `Presence` with `node`, a server-side record) before it goes into an outgoing message:
 * `encodeEnvelope` serialises what it is given and does not filter keys, to stay fast.
 *
 * @param p - any object with at least the three identity fields
 */
export function toUserPresence(p: UserPresence): UserPresence {
  const out: UserPresence = { user_id: p.user_id, session_id: p.session_id, username: p.username };
  if (p.persistence) out.persistence = true;
  if (p.status !== undefined) out.status = p.status;
  return out;
}
