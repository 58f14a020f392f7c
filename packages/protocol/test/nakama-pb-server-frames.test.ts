/**
 * Interop oracle, server → client: replies and pushes built as JSON-shaped envelopes (what Tether's
 * server builds) and encoded with `encodeEnvelopePb` must reach the real nakama-js 2.8.0 client, via
 * nakama-js-protobuf 1.4.0's decoder, as the values nakama-js documents for its protobuf adapter:
 * numbers for op codes, `Uint8Array` data, `Date` timestamps, wrappers kept when present even at
 * their default, proto3 defaults filled in.
 */
import type { DefaultSocket } from '@heroiclabs/nakama-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DecodedEnvelope, UserPresence } from '../src/index.ts';
import {
  type CodecServer,
  connectNakama,
  installNakamaGlobals,
  startCodecServer,
  until,
} from './nakama-pb-harness.ts';

const MATCH = 'a3d5e7f9-1b2c-4d6e-8f0a-1b2c3d4e5f6a.';
const PARTY = 'c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f.nakama1';
const P: UserPresence = { user_id: 'u1', session_id: 's1', username: 'alice' };
/** P as the protobuf adapter hands it to the app: proto3 defaults filled in. */
const P_PB = { ...P, persistence: false };
const CREATED = '2025-03-04T05:06:07Z';
const UPDATED = '2025-03-04T05:06:08.123Z';

/** Pushes sent when the client calls the `push` RPC, in order. */
const PUSHES: object[] = [
  { match_data: { match_id: MATCH, presence: P, op_code: '7', data: 'AQID', reliable: true } },
  { match_data: { match_id: MATCH, op_code: '0' } },
  {
    channel_message: {
      channel_id: '2...lobby',
      message_id: 'm1',
      code: 0,
      sender_id: 'u1',
      username: 'alice',
      content: '{"text":"hi"}',
      create_time: CREATED,
      update_time: UPDATED,
      persistent: false,
      room_name: 'lobby',
    },
  },
  {
    notifications: {
      notifications: [
        {
          id: 'n1',
          subject: 'Hello',
          content: '{"x":1}',
          code: -2,
          sender_id: 'u2',
          create_time: CREATED,
          persistent: true,
        },
      ],
    },
  },
  { status_presence_event: { joins: [{ ...P, status: 'busy' }], leaves: [{ ...P, status: '' }] } },
  {
    matchmaker_matched: {
      ticket: 't1',
      token: 'tok',
      users: [{ presence: P, string_properties: { region: 'eu' }, numeric_properties: { rank: 1.5 } }],
      self: { presence: P, party_id: PARTY },
    },
  },
  { match_presence_event: { match_id: MATCH, joins: [P] } },
  { party: { party_id: PARTY, open: true, max_size: 4, self: P, leader: P, presences: [P] } },
  { party_data: { party_id: PARTY, presence: P, op_code: '3', data: 'eW8=' } },
  { party_leader: { party_id: PARTY, presence: P } },
  { stream_data: { stream: { mode: 12, subject: 'sub' }, sender: P, data: 'plain text', reliable: true } },
  { party_close: { party_id: PARTY } },
];

/** Server behaviour: a realistic reply per request, plus the pushes on `rpc{id:"push"}`. */
function respond(req: DecodedEnvelope): object[] {
  const cid = req.cid;
  switch (req.type) {
    case 'ping':
      return [{ cid, pong: {} }];
    case 'rpc':
      return req.body.id === 'push'
        ? [...PUSHES, { cid, rpc: { id: 'push' } }]
        : [{ cid, rpc: { id: 'echo', payload: '{"a":1}' } }];
    case 'channel_join':
      return [{ cid, channel: { id: '2...lobby', presences: [P], self: P, room_name: 'lobby' } }];
    case 'channel_message_send':
      return [
        {
          cid,
          channel_message_ack: {
            channel_id: '2...lobby',
            message_id: 'm1',
            code: 0,
            username: 'alice',
            create_time: CREATED,
            update_time: UPDATED,
            persistent: true,
            room_name: 'lobby',
          },
        },
      ];
    case 'match_create':
      return [{ cid, match: { match_id: MATCH, size: 1, self: P } }];
    case 'match_join':
      return [
        { cid, match: { match_id: MATCH, authoritative: true, label: '', size: 2, presences: [P], self: P } },
      ];
    case 'matchmaker_add':
      return [{ cid, matchmaker_ticket: { ticket: 't1' } }];
    case 'status_follow':
      return [{ cid, status: { presences: [{ ...P, status: 'online' }] } }];
    case 'party_create':
      return [
        { cid, party: { party_id: PARTY, open: false, max_size: 4, self: P, leader: P, presences: [P] } },
      ];
    case 'party_join_request_list':
      return [{ cid, error: { code: 3, message: 'Invalid party ID', context: { party_id: 'x' } } }];
    default:
      return cid === undefined ? [] : [{ cid }];
  }
}

installNakamaGlobals();

describe('nakama-js-protobuf 1.4.0 decodes what encodeEnvelopePb produces', () => {
  let server: CodecServer;
  let socket: DefaultSocket;
  const events: [string, unknown][] = [];

  beforeAll(async () => {
    server = await startCodecServer(respond);
    socket = await connectNakama(server.port, 'pb');
    for (const kind of [
      'onmatchdata',
      'onchannelmessage',
      'onnotification',
      'onstatuspresence',
      'onmatchmakermatched',
      'onmatchpresence',
      'onparty',
      'onpartydata',
      'onpartyleader',
      'onstreamdata',
      'onpartyclose',
    ]) {
      (socket as unknown as Record<string, (v: unknown) => void>)[kind] = (v) => events.push([kind, v]);
    }
  });
  afterAll(async () => {
    socket.disconnect(false);
    await server.close();
  });

  it('decodes the ping nakama-js sends on connect', async () => {
    await until(() => server.received.length > 0);
    expect(server.received[0]).toEqual({ cid: '1', type: 'ping', body: {} });
  });

  it('replies resolve with the values nakama-js expects', async () => {
    expect(await socket.joinChat('lobby', 1, true, false)).toEqual({
      id: '2...lobby',
      presences: [P_PB],
      self: P_PB,
      room_name: 'lobby',
      group_id: '',
      user_id_one: '',
      user_id_two: '',
    });
    const ack = await socket.writeChatMessage('2...lobby', { text: 'hi' });
    // Wrappers keep "present at default": code 0 stays 0 (the adapter back-fills only channel_message).
    expect(ack).toMatchObject({ message_id: 'm1', code: 0, persistent: true, username: 'alice' });
    expect(ack.create_time).toEqual(new Date(CREATED));
    expect(ack.update_time).toEqual(new Date(UPDATED));
    const created = await socket.createMatch();
    expect(created).toMatchObject({
      match_id: MATCH,
      authoritative: false,
      size: 1,
      presences: [],
      self: P_PB,
    });
    expect(created.label).toBeUndefined();
    const joined = await socket.joinMatch(MATCH);
    expect(joined).toMatchObject({ authoritative: true, label: '', size: 2, presences: [P_PB] });
    expect(await socket.addMatchmaker('*', 2, 4)).toEqual({ ticket: 't1' });
    expect(await socket.followUsers(['u1'])).toEqual({ presences: [{ ...P_PB, status: 'online' }] });
    expect(await socket.createParty(false, 4)).toEqual({
      party_id: PARTY,
      open: false,
      max_size: 4,
      self: P_PB,
      leader: P_PB,
      presences: [P_PB],
    });
    expect(await socket.rpc('echo', '{"a":1}')).toEqual({ id: 'echo', payload: '{"a":1}', http_key: '' });
    await expect(socket.updateStatus('x')).resolves.toBeDefined();
    await expect(socket.listPartyJoinRequests(PARTY)).rejects.toEqual({
      code: 3,
      message: 'Invalid party ID',
      context: { party_id: 'x' },
    });
  });

  it('pushes reach their handlers with the protobuf adapter values', async () => {
    await socket.rpc('push');
    await until(() => events.length === PUSHES.length);
    const presenceEvent = { match_id: MATCH, joins: [P_PB], leaves: [] };
    expect(events).toEqual([
      [
        'onmatchdata',
        { match_id: MATCH, presence: P_PB, op_code: 7, data: Uint8Array.from([1, 2, 3]), reliable: true },
      ],
      // op code 0 arrives as 0 (the JSON adapter gives NaN), data as an empty array.
      ['onmatchdata', { match_id: MATCH, op_code: 0, data: new Uint8Array(0), reliable: false }],
      [
        'onchannelmessage',
        {
          channel_id: '2...lobby',
          message_id: 'm1',
          code: 0,
          sender_id: 'u1',
          username: 'alice',
          content: { text: 'hi' },
          create_time: new Date(CREATED),
          update_time: new Date(UPDATED),
          persistent: false,
          room_name: 'lobby',
          group_id: '',
          user_id_one: '',
          user_id_two: '',
        },
      ],
      [
        'onnotification',
        {
          id: 'n1',
          subject: 'Hello',
          content: { x: 1 },
          code: -2,
          sender_id: 'u2',
          create_time: new Date(CREATED),
          persistent: true,
        },
      ],
      // A present StringValue holding "" stays "" (it means "online, no status").
      ['onstatuspresence', { joins: [{ ...P_PB, status: 'busy' }], leaves: [{ ...P_PB, status: '' }] }],
      [
        'onmatchmakermatched',
        {
          ticket: 't1',
          token: 'tok',
          users: [
            {
              presence: P_PB,
              party_id: '',
              string_properties: { region: 'eu' },
              numeric_properties: { rank: 1.5 },
            },
          ],
          self: { presence: P_PB, party_id: PARTY, string_properties: {}, numeric_properties: {} },
        },
      ],
      ['onmatchpresence', presenceEvent],
      ['onparty', { party_id: PARTY, open: true, max_size: 4, self: P_PB, leader: P_PB, presences: [P_PB] }],
      ['onpartydata', { party_id: PARTY, presence: P_PB, op_code: 3, data: Uint8Array.from([0x79, 0x6f]) }],
      ['onpartyleader', { party_id: PARTY, presence: P_PB }],
      [
        'onstreamdata',
        {
          stream: { mode: 12, subject: 'sub', subcontext: '', label: '' },
          sender: P_PB,
          data: 'plain text',
          reliable: true,
        },
      ],
      ['onpartyclose', { party_id: PARTY }],
    ]);
    const matched = events[5]![1] as { match_id?: string };
    expect(matched.match_id).toBeUndefined();
  });
});

describe('Party numbering', () => {
  it('nakama-js-protobuf 1.4.0 needs the legacy numbers: the current ones decode to garbage', async () => {
    const party = {
      party_id: PARTY,
      open: true,
      hidden: false,
      max_size: 4,
      self: P,
      leader: P,
      presences: [P],
    };
    const seen: unknown[] = [];
    for (const partyNumbering of ['legacy', 'current'] as const) {
      const server = await startCodecServer(
        (req) => (req.type === 'rpc' ? [{ party }, { cid: req.cid, rpc: { id: 'x' } }] : respond(req)),
        { partyNumbering },
      );
      const socket = await connectNakama(server.port, 'pb');
      socket.onparty = (p) => seen.push(p);
      await socket.rpc('x');
      await until(() => seen.length > 0);
      socket.disconnect(false);
      await server.close();
      const got = seen.pop() as { max_size: number; leader?: unknown };
      if (partyNumbering === 'legacy')
        expect(got).toEqual({ ...party, hidden: undefined, self: P_PB, leader: P_PB, presences: [P_PB] });
      else expect(got.max_size).not.toBe(4);
    }
  });
});
