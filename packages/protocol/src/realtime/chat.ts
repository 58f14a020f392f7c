/**
 * Chat messages: joining channels, sending/updating/removing messages, and the matching pushes.
 *
 * @packageDocumentation
 */

import * as z from 'zod';
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

/** `channel_join.type` values (`rtapi.ChannelJoin.Type`). 0 (unspecified) is treated as ROOM. */
export const ChannelType = {
  /** A named room anyone can join. */
  ROOM: 1,
  /** A one-to-one conversation; `target` is the other user's id. */
  DIRECT_MESSAGE: 2,
  /** A group's channel; `target` is the group id. */
  GROUP: 3,
} as const;

/** Union of every value in {@link ChannelType}. */
export type ChannelType = (typeof ChannelType)[keyof typeof ChannelType];

/**
 * `channel_message.code` values (Nakama's server constants; the protos only say "message type"): 0–2
 * are chat, 3–9 are the system messages a group's channel gets when its membership changes. System
 * messages carry the affected user as sender and `{}` as content.
 */
export const ChannelMessageCode = {
  CHAT: 0,
  CHAT_UPDATE: 1,
  CHAT_REMOVE: 2,
  /** Joined an open group. */
  GROUP_JOIN: 3,
  /** Added by an admin, or a join request accepted. */
  GROUP_ADD: 4,
  GROUP_LEAVE: 5,
  GROUP_KICK: 6,
  GROUP_PROMOTE: 7,
  GROUP_BAN: 8,
  GROUP_DEMOTE: 9,
} as const;

/** Union of every value in {@link ChannelMessageCode}. */
export type ChannelMessageCode = (typeof ChannelMessageCode)[keyof typeof ChannelMessageCode];

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
