/**
 * Chat channel types and message codes. No schema library here: the client SDK uses these values.
 *
 * @packageDocumentation
 */

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
