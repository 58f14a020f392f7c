/**
 * Nakama-compatible realtime envelope: wire types, zod schemas for client messages, and the codec.
 *
 * Pure: no `node:` imports and no `Buffer`, so it runs in browsers as well as on the server.
 *
 * @packageDocumentation
 */

export { type Authenticate, authenticateSchema, type SessionInfo } from './authenticate.ts';
export { decodeBase64, encodeBase64, normalizeBase64 } from './base64.ts';
export {
  type Channel,
  type ChannelJoin,
  type ChannelLeave,
  type ChannelMessage,
  type ChannelMessageAck,
  type ChannelMessageRemove,
  type ChannelMessageSend,
  type ChannelMessageUpdate,
  type ChannelPresenceEvent,
  type ChannelTarget,
  ChannelType,
  channelJoinSchema,
  channelLeaveSchema,
  channelMessageRemoveSchema,
  channelMessageSendSchema,
  channelMessageUpdateSchema,
  MAX_ROOM_NAME_BYTES,
} from './chat.ts';
export {
  type DecodedEnvelope,
  type DecodeOptions,
  decodeEnvelope,
  encodeEnvelope,
  encodeError,
  encodeVoidReply,
} from './envelope.ts';
export {
  messageTooLarge,
  RealtimeError,
  type RealtimeErrorBody,
  RealtimeErrorCode,
  type RealtimeErrorOptions,
  rateLimited,
} from './error-codes.ts';
export { utf8ByteLength } from './fields.ts';
export {
  type Match,
  type MatchCreate,
  type MatchData,
  type MatchDataSend,
  type MatchJoin,
  type MatchLeave,
  type MatchPresenceEvent,
  matchCreateSchema,
  matchDataSendSchema,
  matchJoinSchema,
  matchLeaveSchema,
} from './match.ts';
export {
  type MatchmakerAdd,
  type MatchmakerMatched,
  type MatchmakerRemove,
  type MatchmakerTicket,
  type MatchmakerUser,
  matchmakerAddSchema,
  matchmakerRemoveSchema,
} from './matchmaker.ts';
export {
  CLIENT_MESSAGE_KEYS,
  type ClientMessageKey,
  type ClientMessages,
  clientMessageSchemas,
  type DecodedClientMessages,
  type EnvelopeBodies,
  type EnvelopeKey,
  SERVER_MESSAGE_KEYS,
  type ServerMessageKey,
  type ServerMessages,
} from './messages.ts';
export { type Notification, NotificationCode, type Notifications } from './notifications.ts';
export {
  MAX_PARTY_LABEL_BYTES,
  MAX_PARTY_SIZE,
  type Party,
  type PartyCreate,
  type PartyData,
  type PartyDataSend,
  type PartyJoinRequest,
  type PartyLeader,
  type PartyMatchmakerAdd,
  type PartyMatchmakerRemove,
  type PartyMatchmakerTicket,
  type PartyMemberAction,
  type PartyPresenceEvent,
  type PartyRef,
  type PartyUpdate,
  partyCreateSchema,
  partyDataSendSchema,
  partyMatchmakerAddSchema,
  partyMatchmakerRemoveSchema,
  partyMemberActionSchema,
  partyRefSchema,
  partyUpdateSchema,
} from './party.ts';
export {
  type DecodedUserPresence,
  requiredPresenceSchema,
  toUserPresence,
  type UserPresence,
  userPresenceSchema,
} from './presence.ts';
export { emptySchema, type Ping, type Pong, type Rpc, rpcSchema } from './rpc.ts';
export * from './server-envelope.ts';
export {
  MAX_STATUS_BYTES,
  type Status,
  type StatusFollow,
  type StatusPresenceEvent,
  type StatusUnfollow,
  type StatusUpdate,
  statusFollowSchema,
  statusUnfollowSchema,
  statusUpdateSchema,
} from './status.ts';
export type { Stream, StreamData, StreamPresenceEvent } from './streams.ts';
