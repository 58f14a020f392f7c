/**
 * The realtime envelope's message catalog: every `oneof message` member, its wire type, and a zod schema
 * for each message a client may send.
 *
 * Wire types are proto3 JSON as Nakama writes it (`UseProtoNames`): snake_case keys, int64 as decimal
 * strings (`op_code`), `bytes` as base64, timestamps as RFC 3339 strings, wrapper types as bare values.
 *
 * Leniency, decided here once for all schemas: unknown keys in a message body are **stripped**, not
 * rejected. Nakama rejects them (protojson `DiscardUnknown: false`) and closes the socket, which kills a
 * nakama-js client that echoes a `Presence` carrying its `node` field, and any client one version ahead.
 * Types stay strict: a wrong type or an out-of-range value is BAD_INPUT. camelCase keys (which protojson
 * also accepts) are not recognised and are stripped like any unknown key.
 *
 * @packageDocumentation
 */

import type * as z from 'zod';
import { type Authenticate, authenticateSchema, type SessionInfo } from './authenticate.ts';
import {
  type Channel,
  type ChannelJoin,
  type ChannelLeave,
  type ChannelMessage,
  type ChannelMessageAck,
  type ChannelMessageRemove,
  type ChannelMessageSend,
  type ChannelMessageUpdate,
  type ChannelPresenceEvent,
  channelJoinSchema,
  channelLeaveSchema,
  channelMessageRemoveSchema,
  channelMessageSendSchema,
  channelMessageUpdateSchema,
} from './chat.ts';
import type { RealtimeErrorBody } from './error-codes.ts';
import {
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
import {
  type MatchmakerAdd,
  type MatchmakerMatched,
  type MatchmakerRemove,
  type MatchmakerTicket,
  matchmakerAddSchema,
  matchmakerRemoveSchema,
} from './matchmaker.ts';
import type { ServerMessageKey } from './message-keys.ts';
import type { Notifications } from './notifications.ts';
import {
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
import type { SessionResume } from './resume.ts';
import { emptySchema, type Ping, type Pong, type Rpc, rpcSchema } from './rpc.ts';
import {
  type Status,
  type StatusFollow,
  type StatusPresenceEvent,
  type StatusUnfollow,
  type StatusUpdate,
  statusFollowSchema,
  statusUnfollowSchema,
  statusUpdateSchema,
} from './status.ts';
import type { StreamData, StreamPresenceEvent } from './streams.ts';

/**
 * Schema for every message a client may send, keyed by envelope key. `decodeEnvelope` looks keys up
 * with `Object.hasOwn`, so inherited names such as `constructor` never match.
 */
export const clientMessageSchemas = {
  channel_join: channelJoinSchema,
  channel_leave: channelLeaveSchema,
  channel_message_send: channelMessageSendSchema,
  channel_message_update: channelMessageUpdateSchema,
  channel_message_remove: channelMessageRemoveSchema,
  match_create: matchCreateSchema,
  match_data_send: matchDataSendSchema,
  match_join: matchJoinSchema,
  match_leave: matchLeaveSchema,
  matchmaker_add: matchmakerAddSchema,
  matchmaker_remove: matchmakerRemoveSchema,
  ping: emptySchema,
  pong: emptySchema,
  rpc: rpcSchema,
  status_follow: statusFollowSchema,
  status_unfollow: statusUnfollowSchema,
  status_update: statusUpdateSchema,
  party_create: partyCreateSchema,
  party_join: partyRefSchema,
  party_leave: partyRefSchema,
  party_promote: partyMemberActionSchema,
  party_accept: partyMemberActionSchema,
  party_remove: partyMemberActionSchema,
  party_close: partyRefSchema,
  party_join_request_list: partyRefSchema,
  party_matchmaker_add: partyMatchmakerAddSchema,
  party_matchmaker_remove: partyMatchmakerRemoveSchema,
  party_data_send: partyDataSendSchema,
  party_update: partyUpdateSchema,
  // Tether extension (authenticate.ts): the first envelope on carriers without a URL.
  authenticate: authenticateSchema,
} as const;

/** Envelope key of a message a client may send. */
export type ClientMessageKey = keyof typeof clientMessageSchemas;

/** Every client-to-server key, in proto field order. */
export const CLIENT_MESSAGE_KEYS = Object.freeze(
  Object.keys(clientMessageSchemas),
) as readonly ClientMessageKey[];

export { SERVER_MESSAGE_KEYS, type ServerMessageKey } from './message-keys.ts';

/** Any envelope key. */
export type EnvelopeKey = ClientMessageKey | ServerMessageKey;

/** Wire body of each client-to-server message, as a client (nakama-js, Tether's SDK) writes it. */
export interface ClientMessages {
  channel_join: ChannelJoin;
  channel_leave: ChannelLeave;
  channel_message_send: ChannelMessageSend;
  channel_message_update: ChannelMessageUpdate;
  channel_message_remove: ChannelMessageRemove;
  match_create: MatchCreate;
  match_data_send: MatchDataSend;
  match_join: MatchJoin;
  match_leave: MatchLeave;
  matchmaker_add: MatchmakerAdd;
  matchmaker_remove: MatchmakerRemove;
  ping: Ping;
  pong: Pong;
  rpc: Rpc;
  status_follow: StatusFollow;
  status_unfollow: StatusUnfollow;
  status_update: StatusUpdate;
  party_create: PartyCreate;
  party_join: PartyRef;
  party_leave: PartyRef;
  party_promote: PartyMemberAction;
  party_accept: PartyMemberAction;
  party_remove: PartyMemberAction;
  party_close: PartyRef;
  party_join_request_list: PartyRef;
  party_matchmaker_add: PartyMatchmakerAdd;
  party_matchmaker_remove: PartyMatchmakerRemove;
  party_data_send: PartyDataSend;
  party_update: PartyUpdate;
  authenticate: Authenticate;
}

/** Wire body of each server-to-client message (replies and pushes). */
export interface ServerMessages {
  channel: Channel;
  channel_message: ChannelMessage;
  channel_message_ack: ChannelMessageAck;
  channel_presence_event: ChannelPresenceEvent;
  error: RealtimeErrorBody;
  match: Match;
  match_data: MatchData;
  match_presence_event: MatchPresenceEvent;
  matchmaker_matched: MatchmakerMatched;
  matchmaker_ticket: MatchmakerTicket;
  notifications: Notifications;
  rpc: Rpc;
  status: Status;
  status_presence_event: StatusPresenceEvent;
  stream_data: StreamData;
  stream_presence_event: StreamPresenceEvent;
  ping: Ping;
  pong: Pong;
  party: Party;
  party_leader: PartyLeader;
  party_close: PartyRef;
  party_join_request: PartyJoinRequest;
  party_matchmaker_ticket: PartyMatchmakerTicket;
  party_data: PartyData;
  party_presence_event: PartyPresenceEvent;
  party_update: PartyUpdate;
  session: SessionInfo;
  session_resume: SessionResume;
}

/**
 * The reply to each client message sent as a request (with a `cid`): the body of the server's reply,
 * or `undefined` when the reply is the bare `{"cid": "…"}`. `match_data_send`, `party_data_send` and `pong`
 * have no reply (`never`): they are sent without a cid.
 */
export interface ClientReplies {
  channel_join: Channel;
  channel_leave: undefined;
  channel_message_send: ChannelMessageAck;
  channel_message_update: ChannelMessageAck;
  channel_message_remove: ChannelMessageAck;
  match_create: Match;
  match_data_send: never;
  match_join: Match;
  match_leave: undefined;
  matchmaker_add: MatchmakerTicket;
  matchmaker_remove: undefined;
  ping: Pong;
  pong: never;
  rpc: Rpc;
  status_follow: Status;
  status_unfollow: undefined;
  status_update: undefined;
  party_create: Party;
  party_join: undefined;
  party_leave: undefined;
  party_promote: PartyLeader;
  party_accept: undefined;
  party_remove: undefined;
  party_close: undefined;
  party_join_request_list: PartyJoinRequest;
  party_matchmaker_add: PartyMatchmakerTicket;
  party_matchmaker_remove: undefined;
  party_data_send: never;
  party_update: undefined;
  authenticate: SessionInfo;
}

/** Client messages that are requests: the server answers each with a reply (see {@link ClientReplies}). */
export type RequestMessageKey = {
  [K in ClientMessageKey]: [ClientReplies[K]] extends [never] ? never : K;
}[ClientMessageKey];

/** Client messages sent without a cid, which the server does not answer. */
export type FireAndForgetMessageKey = Exclude<ClientMessageKey, RequestMessageKey>;

/** Wire body for any envelope key (both directions). */
export type EnvelopeBodies = ClientMessages & ServerMessages;

/**
 * Body of each client-to-server message after decoding: proto3 defaults filled in, `op_code` a number,
 * `data` canonical base64, unknown keys stripped. See each schema for details.
 */
export type DecodedClientMessages = { [K in ClientMessageKey]: z.output<(typeof clientMessageSchemas)[K]> };
