/**
 * Presences and streams in their wire form (`rtapi.UserPresence`, `rtapi.Stream`): the one mapping
 * every feature uses, so a presence looks the same in chat, match, party, status and stream messages.
 *
 * @packageDocumentation
 */
import type { Stream, UserPresence } from '@tether/protocol';
import type { StreamKey } from './stream.ts';
import type { Presence } from './types.ts';

/** A tracked presence as a client sees it: `persistence` only when true, `status` only when set (proto3 JSON). */
export function userPresence(presence: Presence): UserPresence {
  const out: UserPresence = {
    user_id: presence.userId,
    session_id: presence.sessionId,
    username: presence.meta.username,
  };
  if (presence.meta.persistence) out.persistence = true;
  if (presence.meta.status !== undefined) out.status = presence.meta.status;
  return out;
}

/** A session's identity (a match or party member, a matchmaker ticket holder) as a client sees it. */
export function sessionPresence(p: {
  readonly userId: string;
  readonly sessionId: string;
  readonly username: string;
}): UserPresence {
  return { user_id: p.userId, session_id: p.sessionId, username: p.username };
}

/** A stream key as a client sees it: proto3 JSON, so empty parts are left out. */
export function wireStream(key: StreamKey): Stream {
  const out: Stream = { mode: key.mode };
  if (key.subject !== '') out.subject = key.subject;
  if (key.subcontext !== '') out.subcontext = key.subcontext;
  if (key.label !== '') out.label = key.label;
  return out;
}
