/**
 * Chat channels as streams. A channel id is the stream id (`mode.subject.subcontext.label`), which is
 * Nakama's format: `2...<room name>` for rooms, `4.<lower user id>.<higher user id>.` for direct
 * messages, `3.<group id>..` for groups.
 */
import { MAX_ROOM_NAME_BYTES, utf8ByteLength } from '@tether/protocol';
import { parseStreamId, type StreamKey, StreamMode, stream, streamId } from '../../presence/stream.ts';
import { isUuid } from '../../shared/ids.ts';

/** A parsed channel: its id, its stream and the fields that name it on the wire. */
export type ChannelRef =
  | { readonly kind: 'room'; readonly id: string; readonly stream: StreamKey; readonly roomName: string }
  | {
      readonly kind: 'direct';
      readonly id: string;
      readonly stream: StreamKey;
      /** The lower of the two user ids. */
      readonly userIdOne: string;
      readonly userIdTwo: string;
    }
  | { readonly kind: 'group'; readonly id: string; readonly stream: StreamKey; readonly groupId: string };

/** The channel of a room. The name must already satisfy {@link isRoomName}. */
export function roomChannel(name: string): ChannelRef {
  const s = stream(StreamMode.CHANNEL, '', '', name);
  return { kind: 'room', id: streamId(s), stream: s, roomName: name };
}

/** The direct-message channel of two users (lower-case UUIDs), whichever of them asks. */
export function directChannel(userA: string, userB: string): ChannelRef {
  const [one, two] = userA < userB ? [userA, userB] : [userB, userA];
  const s = stream(StreamMode.DM, one, two, '');
  return { kind: 'direct', id: streamId(s), stream: s, userIdOne: one, userIdTwo: two };
}

/** The channel of a group (lower-case UUID). */
export function groupChannel(groupId: string): ChannelRef {
  const s = stream(StreamMode.GROUP, groupId, '', '');
  return { kind: 'group', id: streamId(s), stream: s, groupId };
}

/** The channel of a chat stream, or null for streams of other modes. */
export function channelOfStream(s: StreamKey): ChannelRef | null {
  return parseChannelId(streamId(s));
}

/**
 * Parses a channel id from a client. Only canonical ids are accepted (lower-case UUIDs, DM users in
 * order, a valid room name), so one channel has exactly one id and one stream. Returns null otherwise.
 */
export function parseChannelId(id: string): ChannelRef | null {
  const s = parseStreamId(id);
  if (!s) return null;
  switch (s.mode) {
    case StreamMode.CHANNEL:
      return s.subject === '' && s.subcontext === '' && isRoomName(s.label) ? roomChannel(s.label) : null;
    case StreamMode.DM:
      return isUserId(s.subject) && isUserId(s.subcontext) && s.subject < s.subcontext && s.label === ''
        ? directChannel(s.subject, s.subcontext)
        : null;
    case StreamMode.GROUP:
      return isUserId(s.subject) && s.subcontext === '' && s.label === '' ? groupChannel(s.subject) : null;
    default:
      return null;
  }
}

/** Nakama's room-name rules: 1–64 UTF-8 bytes, well-formed, no control characters. */
export function isRoomName(name: string): boolean {
  const bytes = utf8ByteLength(name);
  if (bytes < 1 || bytes > MAX_ROOM_NAME_BYTES) return false;
  // A lone surrogate (\p{Cs} in unicode mode) is text that has no UTF-8 form.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point.
  return !/[\u0000-\u001f\u007f]/.test(name) && !/\p{Cs}/u.test(name);
}

/** A canonical (lower-case) UUID, as user, group and message ids are stored. */
export function isUserId(id: string): boolean {
  return isUuid(id) && id === id.toLowerCase();
}
