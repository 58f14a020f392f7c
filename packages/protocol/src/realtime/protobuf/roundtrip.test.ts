/**
 * Round trips for every envelope member through the protobuf codec: JSON-shaped → protobuf →
 * JSON-shaped gives the input back after proto3 normalisation. The sample maps are typed over every
 * key, so a message added to the catalog without a sample fails type-checking.
 */
import { describe, expect, it } from 'vitest';
import { decodeEnvelope } from '../envelope.ts';
import { RealtimeError, RealtimeErrorCode } from '../error-codes.ts';
import {
  CLIENT_MESSAGE_KEYS,
  type ClientMessageKey,
  type ClientMessages,
  SERVER_MESSAGE_KEYS,
  type ServerMessageKey,
  type ServerMessages,
} from '../messages.ts';
import type { UserPresence } from '../presence.ts';
import {
  decodeEnvelopePb,
  decodeServerEnvelopePb,
  encodeClientEnvelopePb,
  encodeEnvelopePb,
} from './codec.ts';
import { isSessionResumePb } from './session-resume-tag.ts';

const ME: UserPresence = { user_id: 'u1', session_id: 's1', username: 'alice' };
const YOU: UserPresence = { user_id: 'u2', session_id: 's2', username: 'bób', persistence: true, status: '' };
const T1 = '2024-01-02T03:04:05Z';
const T2 = '2024-01-02T03:04:05.000123456Z';

/** A sample body, and its proto3 JSON form after a round trip when that differs from the sample. */
interface Sample<T> {
  body: T;
  normalised?: object;
}

type PbClientKey = Exclude<ClientMessageKey, 'authenticate'>;
type PbServerKey = Exclude<ServerMessageKey, 'session'>;

const CLIENT: { [K in PbClientKey]: Sample<ClientMessages[K]> } = {
  channel_join: { body: { target: 'lobby', type: 1, persistence: false, hidden: false } },
  channel_leave: { body: { channel_id: '2...lobby' } },
  channel_message_send: { body: { channel_id: 'c', content: '{"t":"hé 🎲"}' } },
  channel_message_update: { body: { channel_id: 'c', message_id: 'm', content: '{}' } },
  channel_message_remove: { body: { channel_id: 'c', message_id: 'm' } },
  match_create: { body: { name: '' }, normalised: {} },
  match_data_send: {
    body: { match_id: 'm.', op_code: '-42', data: 'AAEC/w==', presences: [ME, YOU], reliable: true },
    normalised: {
      match_id: 'm.',
      op_code: -42,
      data: 'AAEC/w==',
      presences: [ME, { ...YOU, persistence: true, status: '' }],
      reliable: true,
    },
  },
  match_join: { body: { match_id: '', metadata: { k: 'v' } } },
  match_leave: { body: { match_id: 'm.' } },
  matchmaker_add: {
    body: {
      min_count: 2,
      max_count: 8,
      query: '+properties.mode:duo',
      string_properties: { mode: 'duo' },
      numeric_properties: { skill: -1.25e-7, big: 1e300 },
      count_multiple: 2,
    },
  },
  matchmaker_remove: { body: { ticket: 't' } },
  ping: { body: {} },
  pong: { body: {} },
  rpc: { body: { id: 'echo', payload: '', http_key: 'k' }, normalised: { id: 'echo', http_key: 'k' } },
  status_follow: { body: { user_ids: ['u2', 'u3'], usernames: [] }, normalised: { user_ids: ['u2', 'u3'] } },
  status_unfollow: { body: { user_ids: ['u2'] } },
  status_update: { body: { status: '' } },
  party_create: {
    body: { open: false, max_size: 4, label: '{"a":1}', hidden: false },
    normalised: { max_size: 4, label: '{"a":1}' },
  },
  party_join: { body: { party_id: 'p' } },
  party_leave: { body: { party_id: 'p' } },
  party_promote: { body: { party_id: 'p', presence: YOU } },
  party_accept: { body: { party_id: 'p', presence: ME } },
  party_remove: { body: { party_id: 'p', presence: ME } },
  party_close: { body: { party_id: 'p' } },
  party_join_request_list: { body: { party_id: 'p' } },
  party_matchmaker_add: {
    body: { party_id: 'p', min_count: 3, max_count: 3, query: '*', count_multiple: 3 },
  },
  party_matchmaker_remove: { body: { party_id: 'p', ticket: 't' } },
  party_data_send: {
    body: { party_id: 'p', op_code: '9007199254740991', data: '' },
    normalised: { party_id: 'p', op_code: 9007199254740991 },
  },
  party_update: {
    body: { party_id: 'p', label: '{}', open: true, hidden: false },
    normalised: { party_id: 'p', label: '{}', open: true },
  },
};

const SERVER: { [K in PbServerKey]: Sample<ServerMessages[K]> } = {
  channel: { body: { id: '2...lobby', presences: [YOU], self: ME, room_name: 'lobby' } },
  channel_message: {
    body: {
      channel_id: '4.u1.u2.',
      message_id: 'm',
      code: 0,
      sender_id: 'u1',
      username: 'alice',
      content: '{"t":"hi"}',
      create_time: T1,
      update_time: T2,
      persistent: false,
      user_id_one: 'u1',
      user_id_two: 'u2',
    },
  },
  channel_message_ack: {
    body: {
      channel_id: '3.g..',
      message_id: 'm',
      code: 2,
      username: 'alice',
      create_time: '2024-01-02T04:04:05.5+01:00',
      update_time: T1,
      persistent: true,
      group_id: 'g',
    },
    normalised: {
      channel_id: '3.g..',
      message_id: 'm',
      code: 2,
      username: 'alice',
      create_time: '2024-01-02T03:04:05.500Z',
      update_time: T1,
      persistent: true,
      group_id: 'g',
    },
  },
  channel_presence_event: {
    body: { channel_id: '3.g..', joins: [YOU], leaves: [], group_id: 'g' },
    normalised: { channel_id: '3.g..', joins: [YOU], group_id: 'g' },
  },
  error: {
    body: { code: 0, message: 'boom', context: { a: 'b' } },
    normalised: { message: 'boom', context: { a: 'b' } },
  },
  match: { body: { match_id: 'm.', authoritative: true, label: '', size: 2, presences: [YOU], self: ME } },
  match_data: { body: { match_id: 'm.', presence: YOU, op_code: '0', data: 'aGk=', reliable: true } },
  match_presence_event: { body: { match_id: 'm.', joins: [ME], leaves: [YOU] } },
  matchmaker_matched: {
    body: {
      ticket: 't',
      match_id: '',
      users: [
        { presence: ME, party_id: 'p', string_properties: { mode: 'duo' } },
        { presence: YOU, numeric_properties: { s: 1 } },
      ],
      self: { presence: ME, string_properties: { mode: 'duo' } },
    },
  },
  matchmaker_ticket: { body: { ticket: 't' } },
  notifications: {
    body: {
      notifications: [
        { id: 'n', subject: 's', content: '{}', code: -7, create_time: T1 },
        {
          id: 'n2',
          subject: 's',
          content: '{"x":1}',
          code: 0,
          sender_id: 'u',
          create_time: T2,
          persistent: true,
        },
      ],
    },
    normalised: {
      notifications: [
        { id: 'n', subject: 's', content: '{}', code: -7, create_time: T1 },
        { id: 'n2', subject: 's', content: '{"x":1}', sender_id: 'u', create_time: T2, persistent: true },
      ],
    },
  },
  rpc: { body: { id: 'echo', payload: '{"ok":true}' } },
  status: { body: { presences: [{ ...YOU, status: 'busy' }] } },
  status_presence_event: { body: { joins: [{ ...ME, status: 'new' }], leaves: [{ ...ME, status: 'old' }] } },
  stream_data: {
    body: { stream: { mode: 0, subject: 'x' }, sender: YOU, data: 'plain text', reliable: false },
    normalised: { stream: { subject: 'x' }, sender: YOU, data: 'plain text' },
  },
  stream_presence_event: { body: { stream: { mode: 10, label: 'l' }, joins: [ME] } },
  ping: { body: {} },
  pong: { body: {} },
  party: { body: { party_id: 'p', open: true, max_size: 4, self: ME, leader: ME, presences: [ME, YOU] } },
  party_leader: { body: { party_id: 'p', presence: YOU } },
  party_close: { body: { party_id: 'p' } },
  party_join_request: { body: { party_id: 'p', presences: [YOU] } },
  party_matchmaker_ticket: { body: { party_id: 'p', ticket: 't' } },
  party_data: { body: { party_id: 'p', presence: YOU, op_code: '-3', data: 'AQID' } },
  party_presence_event: { body: { party_id: 'p', joins: [YOU] } },
  party_update: {
    body: { party_id: 'p', label: '{}', open: false, hidden: true },
    normalised: { party_id: 'p', label: '{}', hidden: true },
  },
  session_resume: {
    body: { session_id: 's', token: 't', resumed: false, reason: 'expired', grace_sec: 15 },
    normalised: { session_id: 's', token: 't', reason: 'expired', grace_sec: 15 },
  },
};

const PB_CLIENT_KEYS = CLIENT_MESSAGE_KEYS.filter((k): k is PbClientKey => k !== 'authenticate');
const PB_SERVER_KEYS = SERVER_MESSAGE_KEYS.filter((k): k is PbServerKey => k !== 'session');

describe('client messages: encodeClientEnvelopePb then decodeEnvelopePb', () => {
  it.each(PB_CLIENT_KEYS.map((k) => [k] as const))('%s decodes as its JSON twin does', (key) => {
    const env = { cid: '17', [key]: CLIENT[key].body };
    expect(decodeEnvelopePb(encodeClientEnvelopePb(env))).toEqual(decodeEnvelope(JSON.stringify(env)));
    const push = { [key]: CLIENT[key].body };
    expect(decodeEnvelopePb(encodeClientEnvelopePb(push))).toEqual(decodeEnvelope(JSON.stringify(push)));
  });

  it.each(PB_CLIENT_KEYS.map((k) => [k] as const))('%s comes back in proto3 JSON shape', (key) => {
    const { body, normalised } = CLIENT[key];
    const decoded = decodeServerEnvelopePb(encodeClientEnvelopePb({ cid: '5', [key]: body }));
    const known = (SERVER_MESSAGE_KEYS as readonly string[]).includes(key);
    expect(decoded).toEqual(
      known
        ? { cid: '5', type: key, body: normalised ?? body }
        : { cid: '5', type: 'unknown', key, body: normalised ?? body },
    );
  });
});

describe('server messages: encodeEnvelopePb then decodeServerEnvelopePb', () => {
  it.each(PB_SERVER_KEYS.map((k) => [k] as const))('%s', (key) => {
    const { body, normalised } = SERVER[key];
    let expected: object = normalised ?? body;
    if (key === 'match_data' || key === 'party_data') {
      const raw = body as { op_code: string; data: string };
      expected = {
        ...body,
        op_code: Number(raw.op_code),
        data: Uint8Array.from(Buffer.from(raw.data, 'base64')),
      };
    }
    for (const partyNumbering of ['legacy', 'current'] as const) {
      const bytes = encodeEnvelopePb({ cid: '3', [key]: body }, { partyNumbering });
      expect(decodeServerEnvelopePb(bytes, { partyNumbering })).toEqual({
        cid: '3',
        type: key,
        body: expected,
      });
    }
    expect(decodeServerEnvelopePb(encodeEnvelopePb({ [key]: body }))).toEqual({ type: key, body: expected });
  });

  it('keeps hidden and label of a party only with the current numbering', () => {
    const party = { ...SERVER.party.body, hidden: true, label: '{"m":1}' };
    const current = encodeEnvelopePb({ party }, { partyNumbering: 'current' });
    expect(decodeServerEnvelopePb(current, { partyNumbering: 'current' })).toEqual({
      type: 'party',
      body: party,
    });
    const legacy = encodeEnvelopePb({ party });
    expect(decodeServerEnvelopePb(legacy)).toEqual({ type: 'party', body: SERVER.party.body });
    expect(Buffer.from(legacy).toString('hex')).not.toBe(Buffer.from(current).toString('hex'));
  });
});

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('bytes on the wire', () => {
  it('writes replies and pushes as nakama-js-protobuf expects them', () => {
    expect(hex(encodeEnvelopePb({ cid: '1', pong: {} }))).toBe('0a01318a0200');
    expect(hex(encodeEnvelopePb({ cid: '7' }))).toBe('0a0137');
    expect(encodeEnvelopePb({}).length).toBe(0);
    // op_code "0" is the proto3 default: omitted, as Go omits it.
    expect(hex(encodeEnvelopePb({ match_data: { match_id: 'm', op_code: '0' } }))).toBe('72030a016d');
    expect(
      hex(encodeEnvelopePb({ match_data: { match_id: 'm', op_code: -1, data: new Uint8Array([1]) } })),
    ).toBe('72110a016d18ffffffffffffffffff012201 01'.replaceAll(' ', ''));
  });

  it('writes a wrapper at its default as an empty sub-message, and leaves absent ones out', () => {
    const ack = { channel_id: 'c', code: 0, persistent: false };
    expect(hex(encodeEnvelopePb({ channel_message_ack: ack }))).toBe('32070a01631a003a00');
    expect(hex(encodeEnvelopePb({ channel_message_ack: { channel_id: 'c' } }))).toBe('32030a0163');
  });

  it("writes Tether's session_resume as Envelope field 1000, which Nakama's readers skip", () => {
    const resumed = { session_id: 's', token: 't', resumed: true, replayed: 2, grace_sec: 15 };
    const bytes = encodeEnvelopePb({ session_resume: resumed });
    // Tag (1000 << 3 | 2) as a varint, then the length and the body's fields 1, 2, 3, 5 and 6.
    expect(hex(bytes)).toBe(['c23e', '0c', '0a0173', '120174', '1801', '2802', '300f'].join(''));
    expect(decodeServerEnvelopePb(bytes)).toEqual({ type: 'session_resume', body: resumed });
    expect(isSessionResumePb(bytes)).toBe(true);
    for (const other of [{ cid: '1', pong: {} }, { pong: {} }, {}, { match_data: { match_id: 'm' } }])
      expect(isSessionResumePb(encodeEnvelopePb(other))).toBe(false);
  });

  it('drops keys the schema does not have, such as nakama-js presence.node', () => {
    const withNode = { party_id: 'p', presence: { ...ME, node: 'n1' } };
    expect(encodeEnvelopePb({ party_leader: withNode })).toEqual(
      encodeEnvelopePb({ party_leader: { party_id: 'p', presence: ME } }),
    );
  });

  it('accepts numbers, bytes and Dates where JSON has text', () => {
    const text = encodeEnvelopePb({ match_data: { match_id: 'm', op_code: '5', data: 'AQI=' } });
    expect(
      encodeEnvelopePb({ match_data: { match_id: 'm', op_code: 5, data: new Uint8Array([1, 2]) } }),
    ).toEqual(text);
    const iso = encodeEnvelopePb({
      notifications: { notifications: [{ id: 'n', create_time: '2024-01-02T03:04:05.678Z' }] },
    });
    const date = encodeEnvelopePb({
      notifications: { notifications: [{ id: 'n', create_time: new Date('2024-01-02T03:04:05.678Z') }] },
    });
    expect(date).toEqual(iso);
  });
});

describe('encoding errors are typed', () => {
  const cases: [string, object][] = [
    ['a Tether-only member', { session: { session_id: 's', user_id: 'u', username: 'n' } }],
    ['an unknown member', { matchh: {} }],
    ['two members', { ping: {}, pong: {} }],
    ['a body that is not an object', { ping: 'x' }],
    ['a cid that is not a string', { cid: 7, ping: {} }],
    ['an op code that is not an integer', { match_data: { op_code: '1.5' } }],
    ['an op code beyond int64', { match_data: { op_code: '9223372036854775808' } }],
    ['data that is not base64', { match_data: { data: 'no!' } }],
    ['a timestamp that is not RFC 3339', { channel_message: { create_time: '2024-02-30T00:00:00Z' } }],
    ['a wrapper of the wrong type', { channel_message: { code: '0' } }],
    ['a list that is not an array', { channel: { presences: {} } }],
  ];
  it.each(cases)('%s', (_, envelope) => {
    expect(() => encodeEnvelopePb(envelope)).toThrow(RealtimeError);
    try {
      encodeEnvelopePb(envelope);
    } catch (e) {
      expect((e as RealtimeError).code).toBe(RealtimeErrorCode.RUNTIME_EXCEPTION);
    }
  });

  it('lets a client encode only client messages', () => {
    expect(() => encodeClientEnvelopePb({ match: { match_id: 'm' } })).toThrow(
      /no protobuf form a client can send/,
    );
    expect(() => encodeClientEnvelopePb({ authenticate: { token: 't' } })).toThrow(RealtimeError);
    expect(encodeClientEnvelopePb({ cid: '1', ping: {} })).toEqual(encodeEnvelopePb({ cid: '1', ping: {} }));
  });
});
