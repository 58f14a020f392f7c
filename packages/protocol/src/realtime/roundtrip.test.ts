/**
 * Round trips for every envelope member. The sample maps are typed over every key, so adding a message
 * to the catalog without a sample fails type-checking.
 */
import { describe, expect, it } from 'vitest';
import { decodeEnvelope, encodeEnvelope } from './envelope.ts';
import {
  CLIENT_MESSAGE_KEYS,
  type ClientMessageKey,
  type ClientMessages,
  type DecodedClientMessages,
  SERVER_MESSAGE_KEYS,
  type ServerMessageKey,
  type ServerMessages,
} from './messages.ts';
import { toUserPresence, type UserPresence } from './presence.ts';

const ME: UserPresence = { user_id: 'u1', session_id: 's1', username: 'alice' };
const YOU: UserPresence = {
  user_id: 'u2',
  session_id: 's2',
  username: 'bob',
  persistence: true,
  status: 'hi',
};
const ME_DECODED = { ...ME, persistence: false };
const COUNTS = { min_count: 2, max_count: 4, query: '*' };
const COUNTS_DECODED = {
  ...COUNTS,
  string_properties: {},
  numeric_properties: {},
  count_multiple: undefined,
};

/** For each client key: a wire body as a client writes it, and what the server decodes. */
const CLIENT_SAMPLES: {
  [K in ClientMessageKey]: { wire: ClientMessages[K]; decoded: DecodedClientMessages[K] };
} = {
  channel_join: {
    wire: { target: 'lobby', type: 1, persistence: false },
    decoded: { target: 'lobby', type: 1, persistence: false, hidden: false },
  },
  channel_leave: { wire: { channel_id: 'c' }, decoded: { channel_id: 'c' } },
  channel_message_send: {
    wire: { channel_id: 'c', content: '{"t":"hi"}' },
    decoded: { channel_id: 'c', content: '{"t":"hi"}' },
  },
  channel_message_update: {
    wire: { channel_id: 'c', message_id: 'm', content: '{}' },
    decoded: { channel_id: 'c', message_id: 'm', content: '{}' },
  },
  channel_message_remove: {
    wire: { channel_id: 'c', message_id: 'm' },
    decoded: { channel_id: 'c', message_id: 'm' },
  },
  match_create: { wire: {}, decoded: { name: '' } },
  match_data_send: {
    wire: { match_id: 'm.', op_code: '42', data: 'AAEC', presences: [ME], reliable: true },
    decoded: { match_id: 'm.', op_code: 42, data: 'AAEC', presences: [ME_DECODED], reliable: true },
  },
  match_join: {
    wire: { match_id: 'm.', metadata: { k: 'v' } },
    decoded: { match_id: 'm.', metadata: { k: 'v' } },
  },
  match_leave: { wire: { match_id: 'm.' }, decoded: { match_id: 'm.' } },
  matchmaker_add: {
    wire: {
      ...COUNTS,
      string_properties: { mode: 'duo' },
      numeric_properties: { skill: 1.5 },
      count_multiple: 2,
    },
    decoded: {
      ...COUNTS,
      string_properties: { mode: 'duo' },
      numeric_properties: { skill: 1.5 },
      count_multiple: 2,
    },
  },
  matchmaker_remove: { wire: { ticket: 't' }, decoded: { ticket: 't' } },
  ping: { wire: {}, decoded: {} },
  pong: { wire: {}, decoded: {} },
  rpc: {
    wire: { id: 'echo', payload: '{}', http_key: 'k' },
    decoded: { id: 'echo', payload: '{}', http_key: 'k' },
  },
  status_follow: { wire: { user_ids: ['u2'] }, decoded: { user_ids: ['u2'], usernames: [] } },
  status_unfollow: { wire: { user_ids: ['u2'] }, decoded: { user_ids: ['u2'] } },
  status_update: { wire: { status: 'busy' }, decoded: { status: 'busy' } },
  party_create: {
    wire: { open: true, max_size: 4, label: '{"a":1}' },
    decoded: { open: true, max_size: 4, label: '{"a":1}', hidden: false },
  },
  party_join: { wire: { party_id: 'p' }, decoded: { party_id: 'p' } },
  party_leave: { wire: { party_id: 'p' }, decoded: { party_id: 'p' } },
  party_promote: { wire: { party_id: 'p', presence: ME }, decoded: { party_id: 'p', presence: ME_DECODED } },
  party_accept: { wire: { party_id: 'p', presence: ME }, decoded: { party_id: 'p', presence: ME_DECODED } },
  party_remove: { wire: { party_id: 'p', presence: ME }, decoded: { party_id: 'p', presence: ME_DECODED } },
  party_close: { wire: { party_id: 'p' }, decoded: { party_id: 'p' } },
  party_join_request_list: { wire: { party_id: 'p' }, decoded: { party_id: 'p' } },
  party_matchmaker_add: {
    wire: { party_id: 'p', ...COUNTS },
    decoded: { party_id: 'p', ...COUNTS_DECODED },
  },
  party_matchmaker_remove: { wire: { party_id: 'p', ticket: 't' }, decoded: { party_id: 'p', ticket: 't' } },
  party_data_send: {
    wire: { party_id: 'p', op_code: '-1', data: '' },
    decoded: { party_id: 'p', op_code: -1, data: '' },
  },
  party_update: {
    wire: { party_id: 'p', open: true },
    decoded: { party_id: 'p', label: '', open: true, hidden: false },
  },
  authenticate: {
    wire: { token: 'a.b.c', status: true, resume_token: 'r.t', resume_seq: 7 },
    decoded: {
      token: 'a.b.c',
      status: true,
      lang: '',
      single_socket: false,
      resumable: false,
      resume_token: 'r.t',
      resume_seq: 7,
    },
  },
};

/** For each server key: a wire body the server might send. */
const SERVER_SAMPLES: { [K in ServerMessageKey]: ServerMessages[K] } = {
  channel: { id: '2...lobby', presences: [YOU], self: ME, room_name: 'lobby' },
  channel_message: {
    channel_id: '2...lobby',
    message_id: 'm',
    code: 0,
    sender_id: 'u1',
    username: 'alice',
    content: '{"t":"hi"}',
    create_time: '2024-01-02T03:04:05Z',
    update_time: '2024-01-02T03:04:05Z',
    persistent: false,
    room_name: 'lobby',
  },
  channel_message_ack: {
    channel_id: '4.u1.u2.',
    message_id: 'm',
    code: 0,
    username: 'alice',
    create_time: '2024-01-02T03:04:05Z',
    update_time: '2024-01-02T03:04:05Z',
    persistent: true,
    user_id_one: 'u1',
    user_id_two: 'u2',
  },
  channel_presence_event: { channel_id: '3.g..', joins: [YOU], group_id: 'g' },
  error: { code: 4, message: 'Match not found' },
  match: { match_id: 'm.', authoritative: false, size: 1, presences: [YOU], self: ME },
  match_data: { match_id: 'm.', presence: YOU, op_code: '0', data: 'aGk=', reliable: true },
  match_presence_event: { match_id: 'm.', joins: [ME], leaves: [YOU] },
  matchmaker_matched: {
    ticket: 't',
    token: 'jwt',
    users: [
      { presence: ME, string_properties: { mode: 'duo' } },
      { presence: YOU, numeric_properties: { s: 1 } },
    ],
    self: { presence: ME, string_properties: { mode: 'duo' } },
  },
  matchmaker_ticket: { ticket: 't' },
  notifications: {
    notifications: [
      { id: 'n', subject: 'single_socket', content: '{}', code: -7, create_time: '2024-01-02T03:04:05Z' },
    ],
  },
  rpc: { id: 'echo', payload: '{"ok":true}' },
  status: { presences: [{ ...YOU, status: 'busy' }] },
  status_presence_event: { joins: [{ ...YOU, status: 'new' }], leaves: [{ ...YOU, status: 'old' }] },
  stream_data: { stream: { mode: 10, subject: 'x' }, sender: YOU, data: 'plain text' },
  stream_presence_event: { stream: { mode: 10, label: 'l' }, joins: [ME] },
  ping: {},
  pong: {},
  party: { party_id: 'p', open: true, max_size: 4, self: ME, leader: ME, presences: [ME, YOU] },
  party_leader: { party_id: 'p', presence: YOU },
  party_close: { party_id: 'p' },
  party_join_request: { party_id: 'p', presences: [YOU] },
  party_matchmaker_ticket: { party_id: 'p', ticket: 't' },
  party_data: { party_id: 'p', presence: YOU, op_code: '3', data: 'AQID' },
  party_presence_event: { party_id: 'p', joins: [YOU] },
  party_update: { party_id: 'p', label: '{}', open: false, hidden: true },
  session: { session_id: 's1', user_id: 'u1', username: 'alice' },
  session_resume: { session_id: 's1', token: 's1.secret', resumed: false, reason: 'expired', grace_sec: 15 },
};

describe('client messages: encode then decode', () => {
  it.each(CLIENT_MESSAGE_KEYS.map((k) => [k] as const))('%s', (key) => {
    const sample = CLIENT_SAMPLES[key];
    const text = encodeEnvelope('17', key, sample.wire as never);
    expect(decodeEnvelope(text)).toEqual({ cid: '17', type: key, body: sample.decoded });
    // Without a cid too, as for fire-and-forget sends.
    expect(decodeEnvelope(encodeEnvelope(undefined, key, sample.wire as never))).toEqual({
      type: key,
      body: sample.decoded,
    });
  });
});

describe('server messages: encode then parse', () => {
  it.each(SERVER_MESSAGE_KEYS.map((k) => [k] as const))('%s', (key) => {
    const sample = SERVER_SAMPLES[key];
    const text = encodeEnvelope('3', key, sample as never);
    expect(JSON.parse(text)).toEqual({ cid: '3', [key]: sample });
    expect(text.startsWith('{"cid":"3",')).toBe(true);
    expect(JSON.parse(encodeEnvelope(undefined, key, sample as never))).toEqual({ [key]: sample });
  });

  it('writes op_code as a string and keeps zero values the server set', () => {
    expect(encodeEnvelope(undefined, 'match_data', SERVER_SAMPLES.match_data)).toBe(
      '{"match_data":{"match_id":"m.","presence":{"user_id":"u2","session_id":"s2","username":"bob","persistence":true,"status":"hi"},"op_code":"0","data":"aGk=","reliable":true}}',
    );
    expect(
      JSON.parse(encodeEnvelope(undefined, 'channel_message', SERVER_SAMPLES.channel_message)),
    ).toMatchObject({
      channel_message: { code: 0, persistent: false },
    });
  });
});

describe('node is never emitted', () => {
  it('is stripped from decoded presences, so echoing them is safe', () => {
    const env = decodeEnvelope(
      '{"cid":"2","party_promote":{"party_id":"p","presence":{"user_id":"u","session_id":"s","username":"n","node":"nk"}}}',
    );
    if (env.type !== 'party_promote') throw new Error('wrong type');
    const out = encodeEnvelope(undefined, 'party_leader', { party_id: 'p', presence: env.body.presence });
    expect(out).not.toContain('node');
    expect(out).toBe(
      '{"party_leader":{"party_id":"p","presence":{"user_id":"u","session_id":"s","username":"n","persistence":false}}}',
    );
  });

  it('toUserPresence copies only the wire fields', () => {
    const jsPresence = { user_id: 'u', session_id: 's', username: 'n', node: 'nk' };
    expect(toUserPresence(jsPresence)).toStrictEqual({ user_id: 'u', session_id: 's', username: 'n' });
    expect(toUserPresence({ ...YOU, node: 'x' } as UserPresence)).toStrictEqual(YOU);
  });
});
