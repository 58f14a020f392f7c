/**
 * Cluster mode with the protobuf format: two nodes on one PostgreSQL schema and one Redis, a JSON
 * nakama-js player on n1 and two protobuf nakama-js players on n2 in one relayed match and one chat
 * room. What crosses the bus is JSON text; n2 encodes each message to protobuf once for both of its
 * protobuf sessions, and what the protobuf players send reaches the JSON player on n1.
 */
import type { ChannelMessage } from '@heroiclabs/nakama-js';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { OutboundMessage, type WireEncoder } from '../src/presence/outbound.ts';
import { ClusterBed, clusterAvailable, seen } from './cluster-helpers.ts';
import type { TestServer } from './helpers.ts';
import { MatchRecorder, text } from './match-helpers.ts';
import { connectPlayer, disconnectAll, type Player } from './realtime-helpers.ts';

const available = await clusterAvailable('cluster-protobuf');
const bed = new ClusterBed();
let n1: TestServer;
let n2: TestServer;
const opened: Player[] = [];
/** Protobuf encoder calls per outgoing message. */
const pbEncodes = new Map<OutboundMessage, number>();

beforeAll(async () => {
  if (!available) return;
  [n1, n2] = (await bed.start('n1', 'n2')) as [TestServer, TestServer];
  const bytes = OutboundMessage.prototype.bytes;
  vi.spyOn(OutboundMessage.prototype, 'bytes').mockImplementation(function (
    this: OutboundMessage,
    format: string,
    encode: WireEncoder,
  ) {
    return bytes.call(this, format, (message) => {
      if (format === 'protobuf') pbEncodes.set(message, (pbEncodes.get(message) ?? 0) + 1);
      return encode(message);
    });
  });
}, 60_000);
afterEach(() => {
  disconnectAll(opened);
  pbEncodes.clear();
});
afterAll(async () => {
  vi.restoreAllMocks();
  await bed.stop();
}, 60_000);

type Joined = Player & { match: MatchRecorder };

async function on(server: TestServer, protobuf: boolean): Promise<Joined> {
  const p = await connectPlayer(server, opened, { protobuf });
  return { ...p, match: new MatchRecorder(p.socket) };
}

/** The protobuf encodes of the messages whose JSON text contains `marker`. */
const encodesOf = (marker: string) =>
  [...pbEncodes].filter(([m]) => m.text.includes(marker)).map(([, count]) => count);

describe.runIf(available)('protobuf sessions across two nodes', () => {
  it('share a relayed match and a chat room with a JSON session of another node', async () => {
    const json = await on(n1, false);
    const [p1, p2] = [await on(n2, true), await on(n2, true)];
    const { match_id } = await json.socket.createMatch();
    // A relayed match exists on another node once its creator's presence arrived there (one bus hop).
    await seen([n2], { mode: 5, subject: match_id.split('.')[0]! }, 1);
    await p1.socket.joinMatch(match_id);
    await p2.socket.joinMatch(match_id);
    // The creator's own join, then both of n2's, which may cross the bus in one frame (one event).
    await json.match.joinCount(3);

    await json.socket.sendMatchState(match_id, 4, 'from n1');
    for (const p of [p1, p2]) {
      const [d] = await p.match.dataCount(1);
      expect(d).toMatchObject({ op_code: 4, match_id });
      expect(text(d!)).toBe('from n1');
    }
    expect(encodesOf(Buffer.from('from n1').toString('base64'))).toEqual([1]);

    await p1.socket.sendMatchState(match_id, 5, new Uint8Array([1, 2, 255]));
    const [d] = await json.match.dataCount(1);
    expect(d!.op_code).toBe(5);
    expect([...d!.data]).toEqual([1, 2, 255]);

    const room = `pb-cluster-${Date.now()}`;
    const channel = await json.socket.joinChat(room, 1, true, false);
    await p1.socket.joinChat(room, 1, true, false);
    await p2.socket.joinChat(room, 1, true, false);
    await json.socket.writeChatMessage(channel.id, { from: 'n1 json' });
    for (const p of [p1, p2]) {
      let m = await p.events.next<ChannelMessage>('onchannelmessage');
      while (!JSON.stringify(m.content).includes('n1 json')) m = await p.events.next('onchannelmessage');
      expect(m).toMatchObject({ channel_id: channel.id, content: { from: 'n1 json' } });
    }
    expect(encodesOf('n1 json')).toEqual([1]);
    await p2.socket.writeChatMessage(channel.id, { from: 'n2 pb' });
    let m = await json.events.next<ChannelMessage>('onchannelmessage');
    while (!JSON.stringify(m.content).includes('n2 pb')) m = await json.events.next('onchannelmessage');
    expect(m.sender_id).toBe(p2.session.user_id);
  });
});
