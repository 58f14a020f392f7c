/**
 * Chat messages: joining channels, sending/updating/removing messages, and the matching pushes.
 *
 * @packageDocumentation
 */

import * as z from 'zod';
// The channel types live apart from the schemas (channel-type.ts), so the client SDK can use them
// without zod; the package index exports them from there.
import { ChannelType } from './channel-type.ts';
import {
  hasControlChars,
  int32,
  isJsonObjectText,
  isWellFormed,
  optionalBool,
  string,
  utf8ByteLength,
} from './fields.ts';
import type { UserPresence } from './presence.ts';

/** Longest room name in UTF-8 bytes (Nakama says "1-64 chars" but checks Go `len`, i.e. bytes). */
export const MAX_ROOM_NAME_BYTES = 64;

/** Fields that say which kind of channel a message or event belongs to (exactly one group is set). */
export interface ChannelTarget {
  /** Room name, for room channels. */
  room_name?: string;
  /** Group id, for group channels. */
  group_id?: string;
  /** First user id (the lower one), for direct-message channels. */
  user_id_one?: string;
  /** Second user id, for direct-message channels. */
  user_id_two?: string;
}

/** Client → server: join a chat channel (`rtapi.ChannelJoin`). Reply: `channel`. */
export interface ChannelJoin {
  /** Room name, other user's id, or group id, depending on `type`. */
  target: string;
  /** A {@link ChannelType} value (0 means ROOM). */
  type?: number;
  /** Persist messages to history (`BoolValue`, default true). */
  persistence?: boolean;
  /** Hide this user from presence lists and events (`BoolValue`, default false). */
  hidden?: boolean;
}

/** Client → server: leave a channel. Reply: `{cid}`. */
export interface ChannelLeave {
  /** Channel id from the `channel` reply. */
  channel_id: string;
}

/** Client → server: send a chat message. Reply: `channel_message_ack`. */
export interface ChannelMessageSend {
  /** Target channel id. */
  channel_id: string;
  /** JSON text of an object (nakama-js stringifies the object it is given). */
  content: string;
}

/** Client → server: edit a message you sent. Reply: `channel_message_ack`. */
export interface ChannelMessageUpdate {
  /** Channel id. */
  channel_id: string;
  /** Id of the message to update. */
  message_id: string;
  /** New content: JSON text of an object. */
  content: string;
}

/** Client → server: delete a message you sent. Reply: `channel_message_ack`. */
export interface ChannelMessageRemove {
  /** Channel id. */
  channel_id: string;
  /** Id of the message to remove. */
  message_id: string;
}

/** Server → client reply to `channel_join` (`rtapi.Channel`). */
export interface Channel extends ChannelTarget {
  /** Channel id, e.g. `2...lobby` for a room. */
  id: string;
  /** Other visible members (self excluded on a new join). */
  presences?: UserPresence[];
  /** The joining session's own presence. */
  self: UserPresence;
}

/** Server → client reply to send/update/remove (`rtapi.ChannelMessageAck`). */
export interface ChannelMessageAck extends ChannelTarget {
  /** Channel id. */
  channel_id: string;
  /** Message id. */
  message_id: string;
  /** Message code (`Int32Value`): 0 send, 1 update, 2 remove. Always emitted, even 0. */
  code: number;
  /** Sender's username. */
  username: string;
  /** RFC 3339 creation time. */
  create_time: string;
  /** RFC 3339 last update time. */
  update_time: string;
  /** Whether the message was stored in history (`BoolValue`, always emitted). */
  persistent: boolean;
}

/** Server → client push: a message in a joined channel (`api.ChannelMessage`). */
export interface ChannelMessage extends ChannelTarget {
  /** Channel id. */
  channel_id: string;
  /** Message id. */
  message_id: string;
  /** 0 send, 1 update, 2 remove (content "{}"), 3–9 group events. Always emitted, even 0. */
  code: number;
  /** Sender's user id (empty for system messages). */
  sender_id: string;
  /** Sender's username. */
  username: string;
  /** JSON text of an object; nakama-js `JSON.parse`s it and throws if it is not JSON. */
  content: string;
  /** RFC 3339 creation time. */
  create_time: string;
  /** RFC 3339 last update time. */
  update_time: string;
  /** Whether the message is in history (`BoolValue`, always emitted). */
  persistent: boolean;
}

/** Server → client push: members joined or left a channel. */
export interface ChannelPresenceEvent extends ChannelTarget {
  /** Channel id. */
  channel_id: string;
  /** Presences that joined. */
  joins?: UserPresence[];
  /** Presences that left. */
  leaves?: UserPresence[];
}

/** Nakama's error text for a room name that fails one of its checks. */
function roomNameProblem(target: string): string | undefined {
  const bytes = utf8ByteLength(target);
  if (bytes < 1 || bytes > MAX_ROOM_NAME_BYTES) {
    return 'Channel name is required and must be 1-64 chars: Invalid channel target';
  }
  if (hasControlChars(target)) return 'Channel name must not contain control chars: Invalid channel target';
  if (!isWellFormed(target))
    return 'Channel name must only contain valid UTF-8 bytes: Invalid channel target';
  return undefined;
}

/**
 * Decodes `channel_join`. The checks and texts follow Nakama's `BuildChannelId`: empty target, then the
 * type, then room-name rules. Type 0 is normalised to ROOM, and the wrapper defaults are applied
 * (`persistence` true, `hidden` false), so the decoded body is fully specified. Whether a DM user or a
 * group exists is the server's business.
 */
export const channelJoinSchema = z
  .object({ target: string, type: int32, persistence: optionalBool, hidden: optionalBool })
  .check((ctx) => {
    const { target, type } = ctx.value;
    let message: string | undefined;
    let path = 'target';
    if (target === '') message = 'Invalid channel target';
    else if (type < 0 || type > 3) {
      message = 'Invalid channel type';
      path = 'type';
    } else if (type <= ChannelType.ROOM) message = roomNameProblem(target);
    if (message !== undefined) ctx.issues.push({ code: 'custom', input: ctx.value, path: [path], message });
  })
  .transform((b) => ({
    target: b.target,
    type: (b.type === 0 ? ChannelType.ROOM : b.type) as ChannelType,
    persistence: b.persistence ?? true,
    hidden: b.hidden ?? false,
  }));

/** Decodes `channel_leave`. */
export const channelLeaveSchema = z.object({ channel_id: string });

/** Message content: Nakama requires the JSON text of an object. */
const content = string.refine(isJsonObjectText, { error: 'Message content must be a valid JSON object' });

/** Decodes `channel_message_send`. */
export const channelMessageSendSchema = z.object({ channel_id: string, content });

/** Decodes `channel_message_update`. */
export const channelMessageUpdateSchema = z.object({ channel_id: string, message_id: string, content });

/** Decodes `channel_message_remove`. */
export const channelMessageRemoveSchema = z.object({ channel_id: string, message_id: string });
