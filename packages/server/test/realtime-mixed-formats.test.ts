/**
 * One relayed match and one chat room shared by nakama-js over JSON, nakama-js over protobuf
 * (nakama-js-protobuf's `WebSocketAdapterPb`) and a byte-level GameMaker TCP client. Everyone gets
 * everyone's data in their own format, and each broadcast is encoded at most once per wire format,
 * however many sessions of that format receive it: the test counts the encoder calls of every
 * outgoing message by format.
 */
import type { ChannelMessage } from '@heroiclabs/nakama-js';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { OutboundMessage, type WireEncoder } from '../src/presence/outbound.ts';
import { GmRealtimeClient } from './gm-realtime-client.ts';
import { startTestServer, type TestServer } from './helpers.ts';
import { b64, MatchRecorder, text, unb64 } from './match-helpers.ts';
import { connectPlayer, disconnectAll, type Player } from './realtime-helpers.ts';

let server: TestServer;
const opened: Player[] = [];
let gm: GmRealtimeClient | undefined;

/**
 * Encoder calls per outgoing message, by wire format, with the message's type. `/ws` sessions share
 * complete WebSocket frames (`<format>+ws-text`, `<format>+ws-binary`): the JSON ones frame the text
 * directly, the protobuf ones frame the shared `protobuf` bytes.
 */
const WS = { 'json-text+ws-text': 1, 'protobuf+ws-binary': 1 } as const;
const encodes = new Map<OutboundMessage, { type: string; formats: Record<string, number> }>();

beforeAll(async () => {
  server = await startTestServer();
  const bytes = OutboundMessage.prototype.bytes;
  vi.spyOn(OutboundMessage.prototype, 'bytes').mockImplementation(function (
    this: OutboundMessage,
    format: string,
    encode: WireEncoder,
  ) {
    return bytes.call(this, format, (message) => {
      const entry = encodes.get(message) ?? { type: message.type, formats: {} };
      entry.formats[format] = (entry.formats[format] ?? 0) + 1;
      encodes.set(message, entry);
      return encode(message);
    });
  });
});
afterEach(() => {
  disconnectAll(opened);
  gm?.destroy();
  gm = undefined;
  encodes.clear();
});
afterAll(async () => {
  vi.restoreAllMocks();
  await server.stop();
});

type Mixed = Player & { match: MatchRecorder; sid: string };

async function player(format: 'json' | 'protobuf'): Promise<Mixed> {
  const p = await connectPlayer(server, opened, { protobuf: format === 'protobuf' });
  const sid = server.realtime.sessions.byUser(p.session.user_id!).at(-1)!.id;
  return { ...p, match: new MatchRecorder(p.socket), sid };
}

/** The encodes of the messages of `type` whose JSON text contains `marker`. */
function encodesOf(type: string, marker: string): Record<string, number>[] {
  return [...encodes]
    .filter(([m, e]) => e.type === type && m.text.includes(marker))
    .map(([, e]) => e.formats);
}

type GmData = { op_code: string; data: string; presence: { session_id: string } };

describe('JSON, protobuf and GameMaker clients together', () => {
  it('share a relayed match; each broadcast is encoded once per format', async () => {
    const [j1, j2, p1, p2] = [
      await player('json'),
      await player('json'),
      await player('protobuf'),
      await player('protobuf'),
    ];
    const { match_id } = await j1.socket.createMatch();
    for (const p of [j2, p1, p2]) await p.socket.joinMatch(match_id);
    gm = await GmRealtimeClient.tcp(server.gm!.port);
    const gmSelf = await gm.authenticate(await GmRealtimeClient.token(server.baseUrl));
    const joined = await gm.request('match_join', { match_id });
    expect((joined.match as { size: number }).size).toBe(4);
    for (const p of [j1, j2, p1, p2])
      await p.match.presenceCount(1, (e) => ids(e.joins).includes(String(gmSelf.session_id)));

    // GameMaker → two JSON and two protobuf sessions: one JSON text, one protobuf Envelope.
    gm.send({ match_data_send: { match_id, op_code: 1, data: b64('from gm') } });
    for (const p of [j1, j2, p1, p2]) {
      const [d] = await p.match.dataCount(1);
      expect(d).toMatchObject({ op_code: 1, presence: { session_id: gmSelf.session_id } });
      expect(text(d!)).toBe('from gm');
    }
    expect(encodesOf('match_data', b64('from gm'))).toEqual([{ ...WS, protobuf: 1 }]);

    // Protobuf → JSON, protobuf and GameMaker.
    await p1.socket.sendMatchState(match_id, 2, new Uint8Array([0xff, 0x00, 0x7f]));
    const gmGot = (await gm.nextPush('match_data')).match_data as GmData;
    expect(gmGot).toMatchObject({ op_code: '2', presence: { session_id: p1.sid } });
    expect([...Buffer.from(gmGot.data, 'base64')]).toEqual([0xff, 0x00, 0x7f]);
    for (const p of [j1, j2, p2]) {
      const [, d] = await p.match.dataCount(2);
      expect(d).toMatchObject({ op_code: 2, presence: { session_id: p1.sid } });
      expect([...d!.data]).toEqual([0xff, 0x00, 0x7f]);
    }
    const fromPb = [...encodes].filter(([m, e]) => e.type === 'match_data' && m.text.includes(p1.sid));
    expect(fromPb.map(([, e]) => e.formats)).toEqual([{ ...WS, protobuf: 1, 'gm-packet': 1 }]);

    // JSON → the others.
    await j2.socket.sendMatchState(match_id, 3, 'from json');
    expect(unb64(((await gm.nextPush('match_data')).match_data as GmData).data)).toBe('from json');
    for (const p of [j1, p1, p2]) {
      const got = await p.match.dataCount(1, (d) => d.op_code === 3);
      expect(text(got[0]!)).toBe('from json');
    }
    expect(encodesOf('match_data', b64('from json'))).toEqual([{ ...WS, protobuf: 1, 'gm-packet': 1 }]);
  });

  it('share a chat room; messages and presence events are encoded once per format', async () => {
    const [j1, j2, p1, p2] = [
      await player('json'),
      await player('json'),
      await player('protobuf'),
      await player('protobuf'),
    ];
    const room = `mixed-${Date.now()}`;
    const channel = await j1.socket.joinChat(room, 1, true, false);
    for (const p of [j2, p1, p2]) await p.socket.joinChat(room, 1, true, false);
    gm = await GmRealtimeClient.tcp(server.gm!.port);
    const gmSelf = await gm.authenticate(await GmRealtimeClient.token(server.baseUrl));
    await gm.request('channel_join', { target: room, type: 1 });
    const gmJoinEvents = encodesOf('channel_presence_event', String(gmSelf.session_id));
    // The GameMaker client's own join goes to it too: one encode per format.
    expect(gmJoinEvents).toEqual([{ ...WS, protobuf: 1, 'gm-packet': 1 }]);

    await p2.socket.writeChatMessage(channel.id, { text: 'hi all' });
    for (const p of [j1, j2, p1, p2]) {
      const m = await nextMessage(p, 'hi all');
      expect(m).toMatchObject({
        channel_id: channel.id,
        sender_id: p2.session.user_id,
        content: { text: 'hi all' },
      });
    }
    const gmGot = (await gm.waitFor((e) => 'channel_message' in e)).channel_message as { content: string };
    expect(JSON.parse(gmGot.content)).toEqual({ text: 'hi all' });
    expect(encodesOf('channel_message', 'hi all')).toEqual([{ ...WS, protobuf: 1, 'gm-packet': 1 }]);

    gm.send({ cid: '9', channel_message_send: { channel_id: channel.id, content: '{"text":"from gm"}' } });
    for (const p of [j1, j2, p1, p2])
      expect((await nextMessage(p, 'from gm')).sender_id).toBe(gmSelf.user_id);
    expect(encodesOf('channel_message', 'from gm')).toEqual([{ ...WS, protobuf: 1, 'gm-packet': 1 }]);
  });
});

const ids = (list: readonly { session_id: string }[] | undefined) => (list ?? []).map((p) => p.session_id);

/** The next chat message whose content mentions `marker`. */
async function nextMessage(p: Player, marker: string): Promise<ChannelMessage> {
  for (;;) {
    const m = await p.events.next<ChannelMessage>('onchannelmessage');
    if (JSON.stringify(m.content).includes(marker)) return m;
  }
}
