/**
 * Byte-level fixtures: the exact text frames @heroiclabs/nakama-js 2.8.0 sends for every request, and
 * what Tether decodes them to. The frames are written out literally, and a second test drives the real
 * nakama-js `DefaultSocket` over a fake WebSocket to prove the literals match what the client sends.
 */
import { DefaultSocket, type Presence, type Session } from '@heroiclabs/nakama-js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type DecodedEnvelope, decodeEnvelope } from './envelope.ts';
import { CLIENT_MESSAGE_KEYS } from './messages.ts';

const U1 = '4c2ae592-b2a7-445e-98ec-697694478b1c';
const S1 = '8f3a2c1e-5b7d-4e9f-a0b1-c2d3e4f5a6b7';
const MATCH = 'a3d5e7f9-1b2c-4d6e-8f0a-1b2c3d4e5f6a.';
const PARTY = 'c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f.nakama1';
const TOKEN = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJtaWQiOiJ4LiJ9.c2ln';
const TICKET = '6d4c8b1a-2e3f-4a5b-9c6d-7e8f9a0b1c2d';
const CHANNEL = '2...lobby';
const MESSAGE = 'e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b';

/** A presence as nakama-js types it: with the `node` field Nakama never sends. */
const JS_PRESENCE: Presence = { user_id: U1, session_id: S1, username: 'alice', node: 'nakama1' };
const JS_PRESENCE_JSON = `{"user_id":"${U1}","session_id":"${S1}","username":"alice","node":"nakama1"}`;
/** The same presence after decoding: `node` stripped, proto3 defaults filled in. */
const PRESENCE = { user_id: U1, session_id: S1, username: 'alice', persistence: false };

interface Fixture {
  /** The nakama-js call that produces the frame. */
  call: (socket: DefaultSocket) => Promise<unknown>;
  /** The exact frame text. */
  frame: string;
  /** What decodeEnvelope must return for it. */
  decoded: DecodedEnvelope;
}

/** In call order: cids count up from 1 (the ping sent on connect); data sends take no cid. */
const FIXTURES: Fixture[] = [
  {
    call: async () => undefined, // sent by connect()
    frame: '{"ping":{},"cid":"1"}',
    decoded: { cid: '1', type: 'ping', body: {} },
  },
  {
    call: (s) => s.followUsers([U1]),
    frame: `{"status_follow":{"user_ids":["${U1}"]},"cid":"2"}`,
    decoded: { cid: '2', type: 'status_follow', body: { user_ids: [U1], usernames: [] } },
  },
  {
    call: (s) => s.unfollowUsers([U1]),
    frame: `{"status_unfollow":{"user_ids":["${U1}"]},"cid":"3"}`,
    decoded: { cid: '3', type: 'status_unfollow', body: { user_ids: [U1] } },
  },
  {
    call: (s) => s.updateStatus('In the lobby'),
    frame: '{"status_update":{"status":"In the lobby"},"cid":"4"}',
    decoded: { cid: '4', type: 'status_update', body: { status: 'In the lobby' } },
  },
  {
    call: (s) => s.updateStatus(),
    frame: '{"status_update":{},"cid":"5"}',
    decoded: { cid: '5', type: 'status_update', body: { status: undefined } },
  },
  {
    call: (s) => s.joinChat('lobby', 1, true, false),
    frame: '{"channel_join":{"target":"lobby","type":1,"persistence":true,"hidden":false},"cid":"6"}',
    decoded: {
      cid: '6',
      type: 'channel_join',
      body: { target: 'lobby', type: 1, persistence: true, hidden: false },
    },
  },
  {
    call: (s) => s.leaveChat(CHANNEL),
    frame: `{"channel_leave":{"channel_id":"${CHANNEL}"},"cid":"7"}`,
    decoded: { cid: '7', type: 'channel_leave', body: { channel_id: CHANNEL } },
  },
  {
    call: (s) => s.writeChatMessage(CHANNEL, { hello: 'world' }),
    frame: `{"channel_message_send":{"channel_id":"${CHANNEL}","content":"{\\"hello\\":\\"world\\"}"},"cid":"8"}`,
    decoded: {
      cid: '8',
      type: 'channel_message_send',
      body: { channel_id: CHANNEL, content: '{"hello":"world"}' },
    },
  },
  {
    call: (s) => s.updateChatMessage(CHANNEL, MESSAGE, { hello: 'again' }),
    frame: `{"channel_message_update":{"channel_id":"${CHANNEL}","message_id":"${MESSAGE}","content":"{\\"hello\\":\\"again\\"}"},"cid":"9"}`,
    decoded: {
      cid: '9',
      type: 'channel_message_update',
      body: { channel_id: CHANNEL, message_id: MESSAGE, content: '{"hello":"again"}' },
    },
  },
  {
    call: (s) => s.removeChatMessage(CHANNEL, MESSAGE),
    frame: `{"channel_message_remove":{"channel_id":"${CHANNEL}","message_id":"${MESSAGE}"},"cid":"10"}`,
    decoded: {
      cid: '10',
      type: 'channel_message_remove',
      body: { channel_id: CHANNEL, message_id: MESSAGE },
    },
  },
  {
    call: (s) => s.createMatch(),
    frame: '{"match_create":{},"cid":"11"}',
    decoded: { cid: '11', type: 'match_create', body: { name: '' } },
  },
  {
    call: (s) => s.createMatch('arena'),
    frame: '{"match_create":{"name":"arena"},"cid":"12"}',
    decoded: { cid: '12', type: 'match_create', body: { name: 'arena' } },
  },
  {
    call: (s) => s.joinMatch(MATCH),
    frame: `{"match_join":{"match_id":"${MATCH}"},"cid":"13"}`,
    decoded: { cid: '13', type: 'match_join', body: { match_id: MATCH, metadata: {} } },
  },
  {
    call: (s) => s.joinMatch(undefined, TOKEN, { region: 'eu' }),
    frame: `{"match_join":{"metadata":{"region":"eu"},"token":"${TOKEN}"},"cid":"14"}`,
    decoded: { cid: '14', type: 'match_join', body: { token: TOKEN, metadata: { region: 'eu' } } },
  },
  {
    call: (s) => s.leaveMatch(MATCH),
    frame: `{"match_leave":{"match_id":"${MATCH}"},"cid":"15"}`,
    decoded: { cid: '15', type: 'match_leave', body: { match_id: MATCH } },
  },
  {
    call: (s) => s.sendMatchState(MATCH, 7, 'hi'),
    frame: `{"match_data_send":{"match_id":"${MATCH}","op_code":"7","data":"aGk=","presences":[]}}`,
    decoded: {
      type: 'match_data_send',
      body: { match_id: MATCH, op_code: 7, data: 'aGk=', presences: [], reliable: false },
    },
  },
  {
    call: (s) => s.sendMatchState(MATCH, 1, new Uint8Array([1, 2, 3]), [JS_PRESENCE], true),
    frame: `{"match_data_send":{"match_id":"${MATCH}","op_code":"1","data":"AQID","presences":[${JS_PRESENCE_JSON}],"reliable":true}}`,
    decoded: {
      type: 'match_data_send',
      body: { match_id: MATCH, op_code: 1, data: 'AQID', presences: [PRESENCE], reliable: true },
    },
  },
  {
    call: (s) => s.addMatchmaker('+properties.region:eu', 2, 4, { region: 'eu' }, { rank: 12.5 }),
    frame:
      '{"matchmaker_add":{"min_count":2,"max_count":4,"query":"+properties.region:eu",' +
      '"string_properties":{"region":"eu"},"numeric_properties":{"rank":12.5}},"cid":"16"}',
    decoded: {
      cid: '16',
      type: 'matchmaker_add',
      body: {
        min_count: 2,
        max_count: 4,
        query: '+properties.region:eu',
        string_properties: { region: 'eu' },
        numeric_properties: { rank: 12.5 },
        count_multiple: undefined,
      },
    },
  },
  {
    call: (s) => s.removeMatchmaker(TICKET),
    frame: `{"matchmaker_remove":{"ticket":"${TICKET}"},"cid":"17"}`,
    decoded: { cid: '17', type: 'matchmaker_remove', body: { ticket: TICKET } },
  },
  {
    call: (s) => s.createParty(false, 4),
    frame: '{"party_create":{"open":false,"max_size":4},"cid":"18"}',
    decoded: {
      cid: '18',
      type: 'party_create',
      body: { open: false, max_size: 4, label: '', hidden: false },
    },
  },
  {
    call: (s) => s.joinParty(PARTY),
    frame: `{"party_join":{"party_id":"${PARTY}"},"cid":"19"}`,
    decoded: { cid: '19', type: 'party_join', body: { party_id: PARTY } },
  },
  {
    call: (s) => s.leaveParty(PARTY),
    frame: `{"party_leave":{"party_id":"${PARTY}"},"cid":"20"}`,
    decoded: { cid: '20', type: 'party_leave', body: { party_id: PARTY } },
  },
  {
    call: (s) => s.promotePartyMember(PARTY, JS_PRESENCE),
    frame: `{"party_promote":{"party_id":"${PARTY}","presence":${JS_PRESENCE_JSON}},"cid":"21"}`,
    decoded: { cid: '21', type: 'party_promote', body: { party_id: PARTY, presence: PRESENCE } },
  },
  {
    call: (s) => s.acceptPartyMember(PARTY, JS_PRESENCE),
    frame: `{"party_accept":{"party_id":"${PARTY}","presence":${JS_PRESENCE_JSON}},"cid":"22"}`,
    decoded: { cid: '22', type: 'party_accept', body: { party_id: PARTY, presence: PRESENCE } },
  },
  {
    call: (s) => s.removePartyMember(PARTY, JS_PRESENCE),
    frame: `{"party_remove":{"party_id":"${PARTY}","presence":${JS_PRESENCE_JSON}},"cid":"23"}`,
    decoded: { cid: '23', type: 'party_remove', body: { party_id: PARTY, presence: PRESENCE } },
  },
  {
    call: (s) => s.closeParty(PARTY),
    frame: `{"party_close":{"party_id":"${PARTY}"},"cid":"24"}`,
    decoded: { cid: '24', type: 'party_close', body: { party_id: PARTY } },
  },
  {
    call: (s) => s.listPartyJoinRequests(PARTY),
    frame: `{"party_join_request_list":{"party_id":"${PARTY}"},"cid":"25"}`,
    decoded: { cid: '25', type: 'party_join_request_list', body: { party_id: PARTY } },
  },
  {
    call: (s) => s.addMatchmakerParty(PARTY, '*', 2, 4),
    frame: `{"party_matchmaker_add":{"party_id":"${PARTY}","min_count":2,"max_count":4,"query":"*"},"cid":"26"}`,
    decoded: {
      cid: '26',
      type: 'party_matchmaker_add',
      body: {
        party_id: PARTY,
        min_count: 2,
        max_count: 4,
        query: '*',
        string_properties: {},
        numeric_properties: {},
        count_multiple: undefined,
      },
    },
  },
  {
    call: (s) => s.removeMatchmakerParty(PARTY, TICKET),
    frame: `{"party_matchmaker_remove":{"party_id":"${PARTY}","ticket":"${TICKET}"},"cid":"27"}`,
    decoded: { cid: '27', type: 'party_matchmaker_remove', body: { party_id: PARTY, ticket: TICKET } },
  },
  {
    call: (s) => s.sendPartyData(PARTY, 3, 'yo'),
    frame: `{"party_data_send":{"party_id":"${PARTY}","op_code":"3","data":"eW8="}}`,
    decoded: { type: 'party_data_send', body: { party_id: PARTY, op_code: 3, data: 'eW8=' } },
  },
  {
    call: (s) => s.rpc('echo', '{"a":1}'),
    frame: '{"rpc":{"id":"echo","payload":"{\\"a\\":1}"},"cid":"28"}',
    decoded: { cid: '28', type: 'rpc', body: { id: 'echo', payload: '{"a":1}', http_key: '' } },
  },
];

/**
 * Frames that the Nakama proto defines but nakama-js 2.8.0 never sends, written as another Nakama
 * client (or Tether's own SDK) would.
 */
const PROTO_ONLY: Array<{ frame: string; decoded: DecodedEnvelope }> = [
  { frame: '{"pong":{},"cid":"40"}', decoded: { cid: '40', type: 'pong', body: {} } },
  // Tether extension (GameMaker carriers), never sent by nakama-js.
  {
    frame: '{"cid":"1","authenticate":{"token":"a.b.c","status":true,"lang":"fr"}}',
    decoded: {
      cid: '1',
      type: 'authenticate',
      body: {
        token: 'a.b.c',
        status: true,
        lang: 'fr',
        single_socket: false,
        resumable: false,
        resume_token: '',
        resume_seq: 0,
      },
    },
  },
  {
    frame: '{"status_follow":{"usernames":["bob"]},"cid":"41"}',
    decoded: { cid: '41', type: 'status_follow', body: { user_ids: [], usernames: ['bob'] } },
  },
  {
    frame: '{"matchmaker_add":{"min_count":2,"max_count":4,"query":"*","count_multiple":2},"cid":"42"}',
    decoded: {
      cid: '42',
      type: 'matchmaker_add',
      body: {
        min_count: 2,
        max_count: 4,
        query: '*',
        string_properties: {},
        numeric_properties: {},
        count_multiple: 2,
      },
    },
  },
  {
    frame: '{"party_create":{"open":true,"max_size":8,"label":"{\\"mode\\":\\"duo\\"}"},"cid":"43"}',
    decoded: {
      cid: '43',
      type: 'party_create',
      body: { open: true, max_size: 8, label: '{"mode":"duo"}', hidden: false },
    },
  },
  {
    frame: `{"party_update":{"party_id":"${PARTY}","label":"{}","open":true,"hidden":true},"cid":"44"}`,
    decoded: {
      cid: '44',
      type: 'party_update',
      body: { party_id: PARTY, label: '{}', open: true, hidden: true },
    },
  },
];

describe('nakama-js 2.8.0 request frames decode', () => {
  it.each(FIXTURES.map((f) => [f.frame, f.decoded] as const))('%s', (frame, decoded) => {
    expect(decodeEnvelope(frame)).toEqual(decoded);
  });

  it.each(PROTO_ONLY.map((f) => [f.frame, f.decoded] as const))('%s', (frame, decoded) => {
    expect(decodeEnvelope(frame)).toEqual(decoded);
  });

  it('covers every client-to-server message key', () => {
    const covered = new Set([...FIXTURES, ...PROTO_ONLY].map((f) => f.decoded.type));
    expect([...CLIENT_MESSAGE_KEYS].filter((k) => !covered.has(k))).toEqual([]);
  });

  it('tolerates the same frames with a GameMaker trailing NUL', () => {
    for (const f of FIXTURES) expect(decodeEnvelope(`${f.frame}\0`)).toEqual(f.decoded);
  });
});

/** Minimal stand-in for the browser WebSocket: records frames, answers every request with `{cid}`. */
class FakeWebSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 3;
  static sent: string[] = [];
  readyState = FakeWebSocket.CONNECTING;
  onopen: ((evt: unknown) => void) | null = null;
  onmessage: ((evt: { data: string }) => void) | null = null;
  onclose: ((evt: unknown) => void) | null = null;
  onerror: ((evt: unknown) => void) | null = null;

  constructor(readonly url: string) {
    // nakama-js installs its handlers right after constructing; open on the next microtask.
    void Promise.resolve().then(() => {
      this.readyState = FakeWebSocket.OPEN;
      this.onopen?.({});
    });
  }

  send(text: string): void {
    FakeWebSocket.sent.push(text);
    const { cid, ping } = JSON.parse(text) as { cid?: string; ping?: object };
    if (cid === undefined) return;
    const reply = ping ? { cid, pong: {} } : { cid };
    void Promise.resolve().then(() => this.onmessage?.({ data: JSON.stringify(reply) }));
  }

  close(): void {
    this.readyState = FakeWebSocket.CLOSED;
  }
}

describe('the literal fixtures are what nakama-js 2.8.0 really sends', () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('matches frame for frame', async () => {
    // nakama-js starts 10 s send and heartbeat timers it never clears; fake timers drop them at the end.
    vi.useFakeTimers();
    vi.stubGlobal('WebSocket', FakeWebSocket);
    FakeWebSocket.sent = [];
    const socket = new DefaultSocket('127.0.0.1', '7350');
    await socket.connect({ token: 'test-token' } as Session, false);
    for (const fixture of FIXTURES) await fixture.call(socket);
    socket.disconnect(false);
    expect(FakeWebSocket.sent).toEqual(FIXTURES.map((f) => f.frame));
  });
});
