/**
 * Presence and stream identities in their wire form (`rtapi.UserPresence`, `rtapi.Stream`), shared by
 * the status and stream features.
 *
 * @packageDocumentation
 */
import type { Stream, UserPresence } from '@tether/protocol';
import type { StreamKey } from '../../presence/stream.ts';
import type { Presence } from '../../presence/types.ts';

/** A tracked presence as a client sees it. `persistence` only when true, `status` only when set. */
export function userPresenceOf(presence: Presence): UserPresence {
  const out: UserPresence = {
    user_id: presence.userId,
    session_id: presence.sessionId,
    username: presence.meta.username,
  };
  if (presence.meta.persistence) out.persistence = true;
  if (presence.meta.status !== undefined) out.status = presence.meta.status;
  return out;
}

/** A stream key as a client sees it: proto3 JSON, so empty parts are left out. */
export function wireStream(key: StreamKey): Stream {
  const out: Stream = { mode: key.mode };
  if (key.subject !== '') out.subject = key.subject;
  if (key.subcontext !== '') out.subcontext = key.subcontext;
  if (key.label !== '') out.label = key.label;
  return out;
}
