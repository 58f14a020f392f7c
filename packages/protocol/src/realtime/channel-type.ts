/**
 * Chat channel types. No schema library here: the client SDK uses these values.
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
