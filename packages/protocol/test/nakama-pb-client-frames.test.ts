/**
 * Interop oracle, client → server: every request the real nakama-js 2.8.0 can make is sent over a
 * loopback socket twice, once with its JSON adapter and once with nakama-js-protobuf 1.4.0's
 * `WebSocketAdapterPb`. `decodeEnvelopePb` must give exactly what `decodeEnvelope` gives for the JSON
 * frame, except where the 1.4.0 adapter is known to drop a field. A few frames are also pinned to
 * their literal bytes.
 */
import type { DefaultSocket, Presence } from '@heroiclabs/nakama-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DecodedEnvelope, decodeEnvelopePb } from '../src/index.ts';
import {
  type CodecServer,
  connectNakama,
  installNakamaGlobals,
  type Received,
  startCodecServer,
  until,
} from './nakama-pb-harness.ts';

const U1 = '4c2ae592-b2a7-445e-98ec-697694478b1c';
const S1 = '8f3a2c1e-5b7d-4e9f-a0b1-c2d3e4f5a6b7';
const MATCH = 'a3d5e7f9-1b2c-4d6e-8f0a-1b2c3d4e5f6a.';
const PARTY = 'c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f.nakama1';
const TOKEN = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJtaWQiOiJ4LiJ9.c2ln';
const TICKET = '6d4c8b1a-2e3f-4a5b-9c6d-7e8f9a0b1c2d';
const CHANNEL = '2...lobby';
const MESSAGE = 'e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b';
/** A presence as nakama-js types it, with the `node` field no wire form has. */
const JS_PRESENCE: Presence = { user_id: U1, session_id: S1, username: 'alice', node: 'nakama1' };

/** Every request method of nakama-js 2.8.0's socket, with arguments that exercise each field. */
const CALLS: [string, (s: DefaultSocket) => Promise<unknown>][] = [
  ['followUsers', (s) => s.followUsers([U1])],
  ['unfollowUsers', (s) => s.unfollowUsers([U1])],
  ['updateStatus(text)', (s) => s.updateStatus('In the lobby')],
  ['updateStatus("")', (s) => s.updateStatus('')],
  ['updateStatus()', (s) => s.updateStatus()],
  ['joinChat room', (s) => s.joinChat('lobby', 1, true, false)],
  ['joinChat dm', (s) => s.joinChat(U1, 2, false, true)],
  ['leaveChat', (s) => s.leaveChat(CHANNEL)],
  ['writeChatMessage', (s) => s.writeChatMessage(CHANNEL, { hello: 'wörld' })],
  ['updateChatMessage', (s) => s.updateChatMessage(CHANNEL, MESSAGE, { hello: 'again' })],
  ['removeChatMessage', (s) => s.removeChatMessage(CHANNEL, MESSAGE)],
  ['createMatch()', (s) => s.createMatch()],
  ['createMatch(name)', (s) => s.createMatch('arena')],
  ['joinMatch(id)', (s) => s.joinMatch(MATCH)],
  ['joinMatch(token, metadata)', (s) => s.joinMatch(undefined, TOKEN, { region: 'eu' })],
  ['leaveMatch', (s) => s.leaveMatch(MATCH)],
  ['sendMatchState text', (s) => s.sendMatchState(MATCH, 7, 'hi')],
  [
    'sendMatchState bytes',
    (s) => s.sendMatchState(MATCH, 1, new Uint8Array([0, 1, 255]), [JS_PRESENCE], true),
  ],
  ['sendMatchState op 0', (s) => s.sendMatchState(MATCH, 0, new Uint8Array([9]))],
  ['sendMatchState op 2^40', (s) => s.sendMatchState(MATCH, 2 ** 40, '')],
  ['addMatchmaker', (s) => s.addMatchmaker('+properties.region:eu', 2, 4, { region: 'eu' }, { rank: 12.5 })],
  ['removeMatchmaker', (s) => s.removeMatchmaker(TICKET)],
  ['createParty', (s) => s.createParty(false, 4)],
  ['joinParty', (s) => s.joinParty(PARTY)],
  ['leaveParty', (s) => s.leaveParty(PARTY)],
  ['promotePartyMember', (s) => s.promotePartyMember(PARTY, JS_PRESENCE)],
  ['acceptPartyMember', (s) => s.acceptPartyMember(PARTY, JS_PRESENCE)],
  ['removePartyMember', (s) => s.removePartyMember(PARTY, JS_PRESENCE)],
  ['closeParty', (s) => s.closeParty(PARTY)],
  ['listPartyJoinRequests', (s) => s.listPartyJoinRequests(PARTY)],
  ['addMatchmakerParty', (s) => s.addMatchmakerParty(PARTY, '*', 2, 4, { mode: 'duo' }, { skill: -3 })],
  ['removeMatchmakerParty', (s) => s.removeMatchmakerParty(PARTY, TICKET)],
  ['sendPartyData', (s) => s.sendPartyData(PARTY, 3, 'yo')],
  ['rpc', (s) => s.rpc('echo', '{"a":1}')],
];

/** Answers every request with a bare `{cid}` (a pong for pings), which resolves each call. */
const answerAll = (request: DecodedEnvelope): object[] =>
  request.cid === undefined
    ? []
    : [request.type === 'ping' ? { cid: request.cid, pong: {} } : { cid: request.cid }];

/** Runs every call through one adapter and returns what the server decoded, the connect ping first. */
async function capture(server: CodecServer, adapter: 'text' | 'pb'): Promise<Received[]> {
  const start = server.received.length;
  const socket = await connectNakama(server.port, adapter);
  await until(() => server.received.length > start); // the ping sent on connect
  for (const [, call] of CALLS) {
    const before = server.received.length;
    await call(socket);
    await until(() => server.received.length > before);
  }
  socket.disconnect(false);
  return server.received.slice(start);
}

installNakamaGlobals();

describe('nakama-js-protobuf 1.4.0 requests decode like their JSON twins', () => {
  let server: CodecServer;
  let json: Received[];
  let pb: Received[];

  beforeAll(async () => {
    server = await startCodecServer(answerAll);
    json = await capture(server, 'text');
    pb = await capture(server, 'pb');
  });
  afterAll(() => server.close());

  it('connects with format=protobuf and sends only binary frames that decode', () => {
    expect(server.formats).toEqual([null, 'protobuf']);
    expect(pb.filter((r) => 'error' in r)).toEqual([]);
    expect(pb).toHaveLength(CALLS.length + 1);
  });

  it.each(CALLS.map(([name], i) => [name, i + 1] as const))('%s', (name, i) => {
    const expected = json[i] as DecodedEnvelope;
    // The 1.4.0 adapter's MatchCreate encoder predates `name` and drops it (reference §6 #1).
    if (name === 'createMatch(name)') {
      expect(expected).toMatchObject({ type: 'match_create', body: { name: 'arena' } });
      expect(pb[i]).toEqual({ ...expected, body: { name: '' } });
    } else {
      expect(pb[i]).toEqual(expected);
    }
  });
});

/** Frames captured from the 1.4.0 adapter (reference §1.3), pinned to what the server decodes. */
const LITERALS: [hex: string, decoded: DecodedEnvelope][] = [
  ['0a0131820200', { cid: '1', type: 'ping', body: {} }],
  [
    '7a090a016d10011a026869',
    {
      type: 'match_data_send',
      body: { match_id: 'm', op_code: 1, data: 'aGk=', presences: [], reliable: false },
    },
  ],
  [
    '7a090a016d1a0201022801',
    {
      type: 'match_data_send',
      body: { match_id: 'm', op_code: 0, data: 'AQI=', presences: [], reliable: true },
    },
  ],
  [
    '0a01321a100a04726f6f6d10011a020800220208 00',
    { cid: '2', type: 'channel_join', body: { target: 'room', type: 1, persistence: false, hidden: false } },
  ],
  ['0a01336a00', { cid: '3', type: 'match_create', body: { name: '' } }],
  ['0a0134ea0100', { cid: '4', type: 'status_update', body: { status: undefined } }],
  ['0a0134ea01040a020a00', { cid: '4', type: 'status_update', body: { status: '' } }],
  ['0a0134ea01050a030a0178', { cid: '4', type: 'status_update', body: { status: 'x' } }],
  [
    '9a011d0802100 21a012a22060a01611201622a0c0a016e11000000000000f83f',
    {
      type: 'matchmaker_add',
      body: {
        min_count: 2,
        max_count: 2,
        query: '*',
        string_properties: { a: 'b' },
        numeric_properties: { n: 1.5 },
        count_multiple: undefined,
      },
    },
  ],
  ['82010312017 4', { type: 'match_join', body: { token: 't', metadata: {} } }],
  ['9a02021004', { type: 'party_create', body: { open: false, max_size: 4, label: '', hidden: false } }],
  ['8a03080a017010031a017a', { type: 'party_data_send', body: { party_id: 'p', op_code: 3, data: 'eg==' } }],
  // Go writes a present-but-default wrapper as an empty sub-message; it means the same.
  [
    '1a0c0a04726f6f6d10011a00 2200',
    { type: 'channel_join', body: { target: 'room', type: 1, persistence: false, hidden: false } },
  ],
  // A negative op code is a ten-byte varint.
  [
    '7a0e0a016d10ffffffffffffffffff01',
    {
      type: 'match_data_send',
      body: { match_id: 'm', op_code: -1, data: '', presences: [], reliable: false },
    },
  ],
];

describe('literal nakama-js-protobuf frames', () => {
  it.each(LITERALS)('%s', (hex, decoded) => {
    expect(decodeEnvelopePb(Uint8Array.from(Buffer.from(hex.replaceAll(' ', ''), 'hex')))).toEqual(decoded);
  });
});
