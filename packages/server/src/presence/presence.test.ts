import { describe, expect, it } from 'vitest';
import { LocalMessageRouter } from './message-router.ts';
import type { OutboundMessage } from './outbound.ts';
import { PresenceIndex } from './presence-index.ts';
import { identifiedStream, parseStreamId, StreamMode, stream, streamId } from './stream.ts';
import { LocalTracker } from './tracker.ts';
import type { PresenceEvent, SessionHandle } from './types.ts';

function fakeSession(id: string, userId = `u-${id}`): SessionHandle & { got: OutboundMessage[] } {
  const got: OutboundMessage[] = [];
  return { id, userId, username: `name-${id}`, got, deliver: (m) => got.push(m) };
}

/** A tracker whose scheduled flushes run only when the test says so. */
function manualTracker() {
  const queue: (() => void)[] = [];
  const tracker = new LocalTracker({ node: 'n1', schedule: (fn) => queue.push(fn) });
  return {
    tracker,
    flush: () => {
      for (const fn of queue.splice(0)) fn();
    },
  };
}

const room = stream(StreamMode.CHANNEL, '', '', 'lobby');

describe('stream ids', () => {
  it('use Nakama channel id format and round-trip, labels may contain dots', () => {
    expect(streamId(room)).toBe('2...lobby');
    expect(streamId(stream(StreamMode.DM, 'a', 'b'))).toBe('4.a.b.');
    expect(parseStreamId('2...my.room')).toEqual(stream(2, '', '', 'my.room'));
    expect(parseStreamId('nonsense')).toBeNull();
    expect(parseStreamId('x.a.b.c')).toBeNull();
  });

  it('a key carrying its id names, finds, serializes and compares as a plain key', () => {
    const plain = stream(StreamMode.MATCH_RELAYED, 'u', 'x', 'n.1');
    const keyed = identifiedStream(plain);
    expect(identifiedStream(keyed)).toBe(keyed);
    expect(streamId(keyed)).toBe(streamId(plain));
    expect(JSON.stringify(keyed)).toBe(JSON.stringify(plain));
    expect(keyed).toEqual(plain);
    const { tracker } = manualTracker();
    tracker.track(fakeSession('a'), plain, { username: 'A' });
    expect(tracker.get('a', keyed)?.sessionId).toBe('a');
    expect(tracker.count(keyed)).toBe(1);
  });
});

describe('LocalTracker', () => {
  it('tracks, lists in join order, counts hidden members but does not list them', () => {
    const { tracker } = manualTracker();
    const [a, b, c] = [fakeSession('a'), fakeSession('b'), fakeSession('c')];
    expect(tracker.track(a, room, { username: 'A' })).toBe(true);
    expect(tracker.track(a, room, { username: 'A' })).toBe(false);
    tracker.track(b, room, { username: 'B', hidden: true });
    tracker.track(c, room, { username: 'C' });
    expect(tracker.list(room).map((p) => p.sessionId)).toEqual(['a', 'c']);
    expect(tracker.list(room, true).map((p) => p.sessionId)).toEqual(['a', 'b', 'c']);
    expect(tracker.count(room)).toBe(3);
    expect([...tracker.members(room)].map((p) => `${p.node}/${p.sessionId}`)).toEqual([
      'n1/a',
      'n1/b',
      'n1/c',
    ]);
    expect(tracker.get('a', room)).toEqual({
      node: 'n1',
      sessionId: 'a',
      userId: 'u-a',
      stream: room,
      meta: { username: 'A' },
    });
  });

  it('delivers events after the current turn, batched per stream, never for hidden presences', () => {
    const { tracker, flush } = manualTracker();
    const seen: PresenceEvent[][] = [];
    tracker.onEvents(StreamMode.CHANNEL, (e) => seen.push([...e]));
    tracker.track(fakeSession('a'), room, { username: 'A' });
    tracker.track(fakeSession('b'), room, { username: 'B', hidden: true });
    expect(seen).toHaveLength(0);
    flush();
    expect(seen).toHaveLength(1);
    expect(seen[0]![0]!.joins.map((p) => p.sessionId)).toEqual(['a']);
    expect(seen[0]![0]!.leaves).toEqual([]);
  });

  it('announces an update as leave(old) + join(new)', () => {
    const { tracker, flush } = manualTracker();
    const status = stream(StreamMode.STATUS, 'u-a');
    tracker.track(fakeSession('a'), status, { username: 'A', status: 'one' });
    flush();
    const seen: PresenceEvent[] = [];
    tracker.onEvents(StreamMode.STATUS, (e) => seen.push(...e));
    tracker.update('a', status, { username: 'A', status: 'two' });
    flush();
    expect(seen[0]!.leaves[0]!.meta.status).toBe('one');
    expect(seen[0]!.joins[0]!.meta.status).toBe('two');
  });

  it('untrackAll removes a session from every stream and announces each leave', () => {
    const { tracker, flush } = manualTracker();
    const other = stream(StreamMode.CHANNEL, '', '', 'other');
    const a = fakeSession('a');
    tracker.track(a, room, { username: 'A' });
    tracker.track(a, other, { username: 'A' });
    flush();
    const seen: PresenceEvent[] = [];
    tracker.onEvents(StreamMode.CHANNEL, (e) => seen.push(...e));
    tracker.untrackAll('a');
    flush();
    expect(tracker.streamsOf('a')).toEqual([]);
    expect(tracker.count(room)).toBe(0);
    expect(seen.map((e) => streamId(e.stream)).sort()).toEqual(['2...lobby', '2...other']);
    expect(seen.every((e) => e.leaves.length === 1 && e.joins.length === 0)).toBe(true);
  });

  it('cancels a join and leave of the same presence within one turn', () => {
    const { tracker, flush } = manualTracker();
    const seen: PresenceEvent[] = [];
    tracker.onEvents(StreamMode.CHANNEL, (e) => seen.push(...e));
    tracker.track(fakeSession('a'), room, { username: 'A' });
    tracker.untrack('a', room);
    flush();
    expect(seen).toEqual([]);
  });

  it('keeps delivering to other listeners when one throws', () => {
    const { tracker, flush } = manualTracker();
    let delivered = 0;
    tracker.onEvents(StreamMode.CHANNEL, () => {
      throw new Error('boom');
    });
    tracker.onEvents(StreamMode.CHANNEL, () => delivered++);
    tracker.track(fakeSession('a'), room, { username: 'A' });
    flush();
    expect(delivered).toBe(1);
  });
});

describe('LocalMessageRouter', () => {
  it('encodes a broadcast once for all recipients and can exclude the sender', () => {
    const { tracker } = manualTracker();
    const sessions = new Map(['a', 'b', 'c'].map((id) => [id, fakeSession(id)]));
    for (const s of sessions.values()) tracker.track(s, room, { username: s.username });
    const router = new LocalMessageRouter({ node: 'n1', tracker, sessions });
    router.sendToStream(room, { channel_message: { content: '{}' } }, 'a');
    const [b, c] = [sessions.get('b')!.got[0]!, sessions.get('c')!.got[0]!];
    expect(sessions.get('a')!.got).toHaveLength(0);
    expect(b).toBe(c);
    let encodes = 0;
    const enc = (m: OutboundMessage) => {
      encodes++;
      return new TextEncoder().encode(m.text);
    };
    expect(b.bytes('utf8', enc)).toBe(c.bytes('utf8', enc));
    expect(encodes).toBe(1);
    expect(b.text).toBe('{"channel_message":{"content":"{}"}}');
  });

  it('sends to listed sessions and skips unknown ids', () => {
    const { tracker } = manualTracker();
    const a = fakeSession('a');
    const router = new LocalMessageRouter({ node: 'n1', tracker, sessions: new Map([['a', a]]) });
    router.sendToSessions(['a', 'zzz'], { pong: {} });
    expect(router.sendToSession('zzz', { pong: {} })).toBe(false);
    expect(a.got.map((m) => m.text)).toEqual(['{"pong":{}}']);
  });

  it("delivers to presence ids of this node only (another node is the cluster router's job)", () => {
    const { tracker } = manualTracker();
    const a = fakeSession('a');
    const router = new LocalMessageRouter({ node: 'n1', tracker, sessions: new Map([['a', a]]) });
    router.sendToPresences(
      [
        { node: 'n1', sessionId: 'a' },
        { node: 'n2', sessionId: 'a' },
        { node: 'n1', sessionId: 'zzz' },
      ],
      { pong: {} },
    );
    expect(a.got.map((m) => m.text)).toEqual(['{"pong":{}}']);
  });
});

describe('PresenceIndex (presences of several nodes)', () => {
  const p = (node: string, sessionId: string, s = room) => ({
    node,
    sessionId,
    userId: `u-${sessionId}`,
    stream: s,
    meta: { username: sessionId },
  });

  it('groups a stream by node, lists a node, and forgets empty groups', () => {
    const index = new PresenceIndex({ schedule: () => {} });
    index.add(p('n1', 'a'));
    index.add(p('n2', 'b'));
    index.add(p('n2', 'c'));
    index.add(p('n2', 'c', stream(StreamMode.CHANNEL, '', '', 'other')));
    const byNode = index.membersByNode(room);
    expect([...byNode.keys()]).toEqual(['n1', 'n2']);
    expect([...byNode.get('n2')!.keys()]).toEqual(['b', 'c']);
    expect(
      index
        .presencesOfNode('n2')
        .map((x) => `${x.sessionId}@${x.stream.label}`)
        .sort(),
    ).toEqual(['b@lobby', 'c@lobby', 'c@other']);
    index.remove('a', room);
    expect([...index.membersByNode(room).keys()]).toEqual(['n2']);
    expect([...index.nodes()]).toEqual(['n2']);
  });

  it('keeps the per-node view right as a stream goes from one node to two and back', () => {
    const index = new PresenceIndex({ schedule: () => {} });
    const view = () =>
      [...index.membersByNode(room)].map(([node, members]) => `${node}:${[...members.keys()].join(',')}`);
    index.add(p('n1', 'a'));
    index.add(p('n1', 'b'));
    expect(view()).toEqual(['n1:a,b']);
    index.add(p('n2', 'c'));
    index.add(p('n1', 'd'));
    expect(view()).toEqual(['n1:a,b,d', 'n2:c']);
    const replaced = index.replace('c', room, { username: 'C' });
    expect(index.membersByNode(room).get('n2')?.get('c')).toBe(replaced);
    index.remove('c', room);
    expect(view()).toEqual(['n1:a,b,d']);
    index.add(p('n2', 'e'));
    expect(view()).toEqual(['n1:a,b,d', 'n2:e']);
    for (const id of ['a', 'b', 'd']) index.remove(id, room);
    expect(view()).toEqual(['n2:e']);
    expect(index.list(room).map((x) => x.sessionId)).toEqual(['e']);
    // A stream never read per node, on a second node from the start of its second member.
    const other = stream(StreamMode.CHANNEL, '', '', 'fresh');
    index.add(p('n1', 'x', other));
    index.add(p('n2', 'y', other));
    expect([...index.membersByNode(other)].map(([n, m]) => `${n}:${[...m.keys()]}`)).toEqual([
      'n1:x',
      'n2:y',
    ]);
    expect(index.streamsOf('x')).toEqual([other]);
    index.remove('e', room);
    expect(index.membersByNode(room).size).toBe(0);
    expect(index.streamsOf('e')).toEqual([]);
  });
});

describe('LocalMessageRouter.sendToLocalMembers', () => {
  it("delivers to this node's members of a stream only, with the exclusion", () => {
    const { tracker } = manualTracker();
    const [a, b] = [fakeSession('a'), fakeSession('b')];
    tracker.track(a, room, { username: 'A' });
    tracker.track(b, room, { username: 'B' });
    // A presence of another node cannot be tracked without a cluster.
    expect(tracker.track({ ...fakeSession('z'), node: 'n2' }, room, { username: 'Z' })).toBe(false);
    const router = new LocalMessageRouter({
      node: 'n1',
      tracker,
      sessions: new Map([
        ['a', a],
        ['b', b],
      ]),
    });
    router.sendToLocalMembers(room, { pong: {} }, 'b');
    expect(a.got.map((m) => m.text)).toEqual(['{"pong":{}}']);
    expect(b.got).toEqual([]);
  });
});

describe('OutboundMessage.fromUtf8', () => {
  it('shares its bytes for their format and decodes the text only for another', async () => {
    const { OutboundMessage } = await import('./outbound.ts');
    const bytes = Buffer.from('{"match_data":{"data":"é"}}', 'utf8');
    const m = OutboundMessage.fromUtf8('json-text', bytes, 'match_data');
    let encodes = 0;
    const utf8 = (message: { text: string }) => {
      encodes++;
      return Buffer.from(message.text);
    };
    expect(m.bytes('json-text', utf8)).toBe(bytes);
    expect(encodes).toBe(0);
    expect(m.type).toBe('match_data');
    expect(m.text).toBe('{"match_data":{"data":"é"}}');
    expect(Buffer.from(m.bytes('gm-packet', utf8)).toString()).toBe(m.text);
    expect(encodes).toBe(1);
  });
});

describe('OutboundMessage in the protobuf format', () => {
  it('encodes the envelope once, parsing a text-made message once', async () => {
    const { OutboundMessage, encodeProtobufFrame } = await import('./outbound.ts');
    const { decodeServerEnvelopePb } = await import('@tether/protocol');
    const m = OutboundMessage.fromUtf8(
      'json-text',
      Buffer.from('{"match_data":{"match_id":"m.","op_code":"3","data":"AQI="}}'),
      'match_data',
    );
    const pb = m.bytes('protobuf', encodeProtobufFrame);
    expect(m.bytes('protobuf', encodeProtobufFrame)).toBe(pb);
    expect(m.envelope).toBe(m.envelope);
    const decoded = decodeServerEnvelopePb(pb);
    expect(decoded).toMatchObject({ type: 'match_data', body: { match_id: 'm.', op_code: 3 } });
    expect([...(decoded.body as { data: Uint8Array }).data]).toEqual([1, 2]);
  });

  it('answers an envelope with no protobuf form with a RUNTIME_EXCEPTION error carrying its cid', async () => {
    const { OutboundMessage, encodeProtobufFrame } = await import('./outbound.ts');
    const { decodeServerEnvelopePb, RealtimeErrorCode } = await import('@tether/protocol');
    const m = new OutboundMessage({ cid: '5', session: { token: 't' } });
    const decoded = decodeServerEnvelopePb(m.bytes('protobuf', encodeProtobufFrame));
    expect(decoded).toMatchObject({
      cid: '5',
      type: 'error',
      body: { message: expect.stringMatching(/^Cannot encode envelope as protobuf/) },
    });
    // RUNTIME_EXCEPTION is code 0, which protobuf leaves out (nakama-js-protobuf reads it as 0).
    expect((decoded.body as { code?: number }).code ?? 0).toBe(RealtimeErrorCode.RUNTIME_EXCEPTION);
  });
});
