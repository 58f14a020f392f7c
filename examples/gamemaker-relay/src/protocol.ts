/**
 * Packet ids of the relay, the first `u8` of every payload, as in the GameMaker manual's network
 * example. A GML client would declare the same numbers in an enum.
 */

/** Client → server. */
export const ClientPacket = {
  /** `string name` */
  join: 1,
  /** `f32 x, f32 y` */
  move: 2,
  /** `string text` */
  chat: 3,
  /** no body */
  leave: 4,
} as const;

/** Server → client. */
export const ServerPacket = {
  /** `u16 yourId`: reply to join. */
  welcome: 1,
  /** `u16 id, f32 x, f32 y`: another player moved. */
  moved: 2,
  /** `u16 id, string text`: chat from anyone, including yourself. */
  chat: 3,
  /** `u16 id`: a player left or disconnected. */
  left: 4,
  /** `u16 id, string name`: a player joined (sent to the others). */
  joined: 5,
} as const;
