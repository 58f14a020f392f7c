/**
 * The protobuf schema of Nakama's realtime socket (`format=protobuf`), written for Tether as a
 * protobufjs JSON descriptor so that no `.proto` parser ships to browsers.
 *
 * Field numbers and types are Nakama's published ones (nakama-common `rtapi/realtime.proto` and
 * `api/api.proto`); names are the proto field names, which are also the keys of Nakama's JSON, so a
 * decoded protobuf message and a JSON envelope body use the same keys. Every message here is proto3:
 * scalars have implicit presence, sub-messages, wrappers and oneof members explicit presence.
 *
 * One message has two numberings: `Party` was renumbered in nakama-common 1.38 (Nakama 3.28, July
 * 2025) when `hidden` and `label` were added. nakama-js-protobuf 1.4.0 (the adapter that pairs with
 * nakama-js 2.8.0) and older nakama-cpp builds use the legacy numbers; newer builds use the current
 * ones. Nothing on the socket says which a client speaks, so the codec takes it as an option
 * ({@link PartyNumbering}).
 *
 * @packageDocumentation
 */

import { SESSION_RESUME_FIELD } from './session-resume-tag.ts';

/**
 * Which `Party` field numbers to use. `legacy` (Nakama ≤ 3.27, nakama-js-protobuf 1.4.0): no `hidden`
 * or `label`. `current` (Nakama ≥ 3.28): `hidden` = 3 and `label` = 8, later fields shifted.
 */
export type PartyNumbering = 'legacy' | 'current';

/**
 * One field: `[number, type]`, plus `'repeated'` for a list or `'map'` for `map<string, type>` (every
 * map on the socket has string keys). Types are proto scalar names or message names resolved from
 * the enclosing package (`google.protobuf.*` and `nakama.api.*` written out in full).
 */
type FieldSpec = readonly [id: number, type: string, rule?: 'repeated' | 'map'];

/** One message: its fields by name, and its oneofs as `name: [member field names]`. */
interface MessageSpec {
  readonly fields: Readonly<Record<string, FieldSpec>>;
  readonly oneofs?: Readonly<Record<string, readonly string[]>>;
  readonly nested?: Readonly<Record<string, MessageSpec>>;
}

const BOOL_VALUE = 'google.protobuf.BoolValue';
const INT32_VALUE = 'google.protobuf.Int32Value';
const STRING_VALUE = 'google.protobuf.StringValue';
const TIMESTAMP = 'google.protobuf.Timestamp';

/** `google.protobuf` well-known types the socket uses (wrappers and Timestamp). */
const WELL_KNOWN: Record<string, MessageSpec> = {
  BoolValue: { fields: { value: [1, 'bool'] } },
  Int32Value: { fields: { value: [1, 'int32'] } },
  StringValue: { fields: { value: [1, 'string'] } },
  Timestamp: { fields: { seconds: [1, 'int64'], nanos: [2, 'int32'] } },
};

/** `nakama.api` messages carried by envelopes. */
const API: Record<string, MessageSpec> = {
  ChannelMessage: {
    fields: {
      channel_id: [1, 'string'],
      message_id: [2, 'string'],
      code: [3, INT32_VALUE],
      sender_id: [4, 'string'],
      username: [5, 'string'],
      content: [6, 'string'],
      create_time: [7, TIMESTAMP],
      update_time: [8, TIMESTAMP],
      persistent: [9, BOOL_VALUE],
      room_name: [10, 'string'],
      group_id: [11, 'string'],
      user_id_one: [12, 'string'],
      user_id_two: [13, 'string'],
    },
  },
  Notification: {
    fields: {
      id: [1, 'string'],
      subject: [2, 'string'],
      content: [3, 'string'],
      code: [4, 'int32'],
      sender_id: [5, 'string'],
      create_time: [6, TIMESTAMP],
      persistent: [7, 'bool'],
    },
  },
  Rpc: { fields: { id: [1, 'string'], payload: [2, 'string'], http_key: [3, 'string'] } },
};

/** `Envelope` members in field-number order (2…51); field 1 is `cid`. Value: the member's type. */
const ENVELOPE_MEMBERS: readonly (readonly [string, string])[] = [
  ['channel', 'Channel'],
  ['channel_join', 'ChannelJoin'],
  ['channel_leave', 'ChannelLeave'],
  ['channel_message', 'nakama.api.ChannelMessage'],
  ['channel_message_ack', 'ChannelMessageAck'],
  ['channel_message_send', 'ChannelMessageSend'],
  ['channel_message_update', 'ChannelMessageUpdate'],
  ['channel_message_remove', 'ChannelMessageRemove'],
  ['channel_presence_event', 'ChannelPresenceEvent'],
  ['error', 'Error'],
  ['match', 'Match'],
  ['match_create', 'MatchCreate'],
  ['match_data', 'MatchData'],
  ['match_data_send', 'MatchDataSend'],
  ['match_join', 'MatchJoin'],
  ['match_leave', 'MatchLeave'],
  ['match_presence_event', 'MatchPresenceEvent'],
  ['matchmaker_add', 'MatchmakerAdd'],
  ['matchmaker_matched', 'MatchmakerMatched'],
  ['matchmaker_remove', 'MatchmakerRemove'],
  ['matchmaker_ticket', 'MatchmakerTicket'],
  ['notifications', 'Notifications'],
  ['rpc', 'nakama.api.Rpc'],
  ['status', 'Status'],
  ['status_follow', 'StatusFollow'],
  ['status_presence_event', 'StatusPresenceEvent'],
  ['status_unfollow', 'StatusUnfollow'],
  ['status_update', 'StatusUpdate'],
  ['stream_data', 'StreamData'],
  ['stream_presence_event', 'StreamPresenceEvent'],
  ['ping', 'Ping'],
  ['pong', 'Pong'],
  ['party', 'Party'],
  ['party_create', 'PartyCreate'],
  ['party_join', 'PartyJoin'],
  ['party_leave', 'PartyLeave'],
  ['party_promote', 'PartyPromote'],
  ['party_leader', 'PartyLeader'],
  ['party_accept', 'PartyAccept'],
  ['party_remove', 'PartyRemove'],
  ['party_close', 'PartyClose'],
  ['party_join_request_list', 'PartyJoinRequestList'],
  ['party_join_request', 'PartyJoinRequest'],
  ['party_matchmaker_add', 'PartyMatchmakerAdd'],
  ['party_matchmaker_remove', 'PartyMatchmakerRemove'],
  ['party_matchmaker_ticket', 'PartyMatchmakerTicket'],
  ['party_data', 'PartyData'],
  ['party_data_send', 'PartyDataSend'],
  ['party_presence_event', 'PartyPresenceEvent'],
  ['party_update', 'PartyUpdate'],
];

/**
 * Tether's own `Envelope` members: `[name, type, field number]`. Their numbers start at 1000, far
 * above Nakama's (2…51), so that fields Nakama adds later cannot collide with them. Only a client
 * that asks for an extension gets one (`session_resume`: a `/ws` connection with `resumable` or
 * `resume`), and any other protobuf reader would skip it as an unknown field.
 */
const TETHER_ENVELOPE_MEMBERS: readonly (readonly [string, string, number])[] = [
  ['session_resume', 'SessionResume', SESSION_RESUME_FIELD],
];

/** Every `Envelope` member with its type and field number: Nakama's, then Tether's extensions. */
const ALL_ENVELOPE_MEMBERS: readonly (readonly [string, string, number])[] = [
  ...ENVELOPE_MEMBERS.map(([name, type], i) => [name, type, i + 2] as const),
  ...TETHER_ENVELOPE_MEMBERS,
];

/** The field number of `Envelope` member `name`, or `undefined`. */
export const ENVELOPE_FIELD_NUMBERS: Readonly<Record<string, number>> = Object.freeze(
  Object.fromEntries(ALL_ENVELOPE_MEMBERS.map(([name, , number]) => [name, number])),
);

/** The member name of `Envelope` field `number` (Nakama's 2…51, Tether's from 1000), or `undefined`. */
export function envelopeMemberName(number: number): string | undefined {
  return ALL_ENVELOPE_MEMBERS.find(([, , n]) => n === number)?.[0];
}

const list = (id: number): FieldSpec => [id, 'UserPresence', 'repeated'];
const presence = (id: number): FieldSpec => [id, 'UserPresence'];
const str = (id: number): FieldSpec => [id, 'string'];
/** Messages that only name a party. */
const PARTY_REF: MessageSpec = { fields: { party_id: str(1) } };
/** Messages that name a party and a member. */
const PARTY_MEMBER: MessageSpec = { fields: { party_id: str(1), presence: presence(2) } };
/** The channel-kind fields shared by channel messages, from field `first` on. */
const channelTarget = (first: number): Record<string, FieldSpec> => ({
  room_name: str(first),
  group_id: str(first + 1),
  user_id_one: str(first + 2),
  user_id_two: str(first + 3),
});
/** The matchmaking fields of `MatchmakerAdd` (from 1) and `PartyMatchmakerAdd` (from 2). */
const matchmaking = (first: number): Record<string, FieldSpec> => ({
  min_count: [first, 'int32'],
  max_count: [first + 1, 'int32'],
  query: str(first + 2),
  string_properties: [first + 3, 'string', 'map'],
  numeric_properties: [first + 4, 'double', 'map'],
  count_multiple: [first + 5, INT32_VALUE],
});

const PARTY_CURRENT: MessageSpec = {
  fields: {
    party_id: str(1),
    open: [2, 'bool'],
    hidden: [3, 'bool'],
    max_size: [4, 'int32'],
    self: presence(5),
    leader: presence(6),
    presences: list(7),
    label: str(8),
  },
};

const PARTY_LEGACY: MessageSpec = {
  fields: {
    party_id: str(1),
    open: [2, 'bool'],
    max_size: [3, 'int32'],
    self: presence(4),
    leader: presence(5),
    presences: list(6),
  },
};

const MATCHMAKER_USER: MessageSpec = {
  fields: {
    presence: presence(1),
    party_id: str(2),
    string_properties: [5, 'string', 'map'],
    numeric_properties: [6, 'double', 'map'],
  },
};

/** `nakama.realtime` messages, except `Envelope` and `Party` (built per numbering). */
const REALTIME: Record<string, MessageSpec> = {
  /** Tether's extension (Envelope field 1000): the first envelope of a resumable connection. */
  SessionResume: {
    fields: {
      session_id: str(1),
      token: str(2),
      resumed: [3, 'bool'],
      reason: str(4),
      replayed: [5, 'int32'],
      grace_sec: [6, 'int32'],
    },
  },
  Channel: { fields: { id: str(1), presences: list(2), self: presence(3), ...channelTarget(4) } },
  ChannelJoin: {
    fields: { target: str(1), type: [2, 'int32'], persistence: [3, BOOL_VALUE], hidden: [4, BOOL_VALUE] },
  },
  ChannelLeave: { fields: { channel_id: str(1) } },
  ChannelMessageAck: {
    fields: {
      channel_id: str(1),
      message_id: str(2),
      code: [3, INT32_VALUE],
      username: str(4),
      create_time: [5, TIMESTAMP],
      update_time: [6, TIMESTAMP],
      persistent: [7, BOOL_VALUE],
      ...channelTarget(8),
    },
  },
  ChannelMessageSend: { fields: { channel_id: str(1), content: str(2) } },
  ChannelMessageUpdate: { fields: { channel_id: str(1), message_id: str(2), content: str(3) } },
  ChannelMessageRemove: { fields: { channel_id: str(1), message_id: str(2) } },
  ChannelPresenceEvent: {
    fields: { channel_id: str(1), joins: list(2), leaves: list(3), ...channelTarget(4) },
  },
  Error: { fields: { code: [1, 'int32'], message: str(2), context: [3, 'string', 'map'] } },
  Match: {
    fields: {
      match_id: str(1),
      authoritative: [2, 'bool'],
      label: [3, STRING_VALUE],
      size: [4, 'int32'],
      presences: list(5),
      self: presence(6),
    },
  },
  MatchCreate: { fields: { name: str(1) } },
  MatchData: {
    fields: {
      match_id: str(1),
      presence: presence(2),
      op_code: [3, 'int64'],
      data: [4, 'bytes'],
      reliable: [5, 'bool'],
    },
  },
  MatchDataSend: {
    fields: {
      match_id: str(1),
      op_code: [2, 'int64'],
      data: [3, 'bytes'],
      presences: list(4),
      reliable: [5, 'bool'],
    },
  },
  MatchJoin: {
    fields: { match_id: str(1), token: str(2), metadata: [3, 'string', 'map'] },
    oneofs: { id: ['match_id', 'token'] },
  },
  MatchLeave: { fields: { match_id: str(1) } },
  MatchPresenceEvent: { fields: { match_id: str(1), joins: list(2), leaves: list(3) } },
  MatchmakerAdd: { fields: matchmaking(1) },
  MatchmakerMatched: {
    fields: {
      ticket: str(1),
      match_id: str(2),
      token: str(3),
      users: [4, 'MatchmakerUser', 'repeated'],
      self: [5, 'MatchmakerUser'],
    },
    oneofs: { id: ['match_id', 'token'] },
    nested: { MatchmakerUser: MATCHMAKER_USER },
  },
  MatchmakerRemove: { fields: { ticket: str(1) } },
  MatchmakerTicket: { fields: { ticket: str(1) } },
  Notifications: { fields: { notifications: [1, 'nakama.api.Notification', 'repeated'] } },
  Ping: { fields: {} },
  Pong: { fields: {} },
  Status: { fields: { presences: list(1) } },
  StatusFollow: { fields: { user_ids: [1, 'string', 'repeated'], usernames: [2, 'string', 'repeated'] } },
  // Field 1 is unused in Nakama's schema.
  StatusPresenceEvent: { fields: { joins: list(2), leaves: list(3) } },
  StatusUnfollow: { fields: { user_ids: [1, 'string', 'repeated'] } },
  StatusUpdate: { fields: { status: [1, STRING_VALUE] } },
  Stream: { fields: { mode: [1, 'int32'], subject: str(2), subcontext: str(3), label: str(4) } },
  StreamData: {
    fields: { stream: [1, 'Stream'], sender: presence(2), data: str(3), reliable: [4, 'bool'] },
  },
  StreamPresenceEvent: { fields: { stream: [1, 'Stream'], joins: list(2), leaves: list(3) } },
  UserPresence: {
    fields: {
      user_id: str(1),
      session_id: str(2),
      username: str(3),
      persistence: [4, 'bool'],
      status: [5, STRING_VALUE],
    },
  },
  PartyCreate: { fields: { open: [1, 'bool'], max_size: [2, 'int32'], label: str(3), hidden: [4, 'bool'] } },
  PartyJoin: PARTY_REF,
  PartyLeave: PARTY_REF,
  PartyPromote: PARTY_MEMBER,
  PartyLeader: PARTY_MEMBER,
  PartyAccept: PARTY_MEMBER,
  PartyRemove: PARTY_MEMBER,
  PartyClose: PARTY_REF,
  PartyJoinRequestList: PARTY_REF,
  PartyJoinRequest: { fields: { party_id: str(1), presences: list(2) } },
  PartyMatchmakerAdd: { fields: { party_id: str(1), ...matchmaking(2) } },
  PartyMatchmakerRemove: { fields: { party_id: str(1), ticket: str(2) } },
  PartyMatchmakerTicket: { fields: { party_id: str(1), ticket: str(2) } },
  PartyData: {
    fields: { party_id: str(1), presence: presence(2), op_code: [3, 'int64'], data: [4, 'bytes'] },
  },
  PartyDataSend: { fields: { party_id: str(1), op_code: [2, 'int64'], data: [3, 'bytes'] } },
  PartyPresenceEvent: { fields: { party_id: str(1), joins: list(2), leaves: list(3) } },
  PartyUpdate: { fields: { party_id: str(1), label: str(2), open: [3, 'bool'], hidden: [4, 'bool'] } },
};

/** A protobufjs JSON descriptor (`INamespace`); typed loosely here to keep protobufjs out of this file. */
export interface JsonDescriptor {
  nested: Record<string, unknown>;
}

/** One message spec as a protobufjs JSON type. */
function toJsonType(spec: MessageSpec): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [name, [id, type, rule]] of Object.entries(spec.fields)) {
    if (rule === 'map') fields[name] = { keyType: 'string', type, id };
    else if (rule === 'repeated') fields[name] = { rule, type, id };
    else fields[name] = { type, id };
  }
  const out: Record<string, unknown> = { fields };
  if (spec.oneofs) {
    out.oneofs = Object.fromEntries(
      Object.entries(spec.oneofs).map(([n, members]) => [n, { oneof: members }]),
    );
  }
  if (spec.nested) out.nested = namespace(spec.nested);
  return out;
}

function namespace(specs: Record<string, MessageSpec>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(specs).map(([name, spec]) => [name, toJsonType(spec)]));
}

/**
 * The whole socket schema as a protobufjs JSON descriptor: `google.protobuf` wrappers and Timestamp,
 * `nakama.api` (ChannelMessage, Notification, Rpc) and `nakama.realtime` (Envelope and every member).
 *
 * @param party - which `Party` numbering to describe
 */
export function realtimeDescriptor(party: PartyNumbering): JsonDescriptor {
  const envelope: MessageSpec = {
    fields: {
      cid: str(1),
      ...Object.fromEntries(
        ALL_ENVELOPE_MEMBERS.map(([name, type, number]): [string, FieldSpec] => [name, [number, type]]),
      ),
    },
    oneofs: { message: ALL_ENVELOPE_MEMBERS.map(([name]) => name) },
  };
  const realtime = {
    ...REALTIME,
    Envelope: envelope,
    Party: party === 'current' ? PARTY_CURRENT : PARTY_LEGACY,
  };
  return {
    nested: {
      google: { nested: { protobuf: { nested: namespace(WELL_KNOWN) } } },
      nakama: { nested: { api: { nested: namespace(API) }, realtime: { nested: namespace(realtime) } } },
    },
  };
}
