import type { StreamData } from '@heroiclabs/nakama-js';
import { afterEach, describe, expect, it } from 'vitest';
import type { StreamService } from '../src/features/streams/stream-service.ts';
import { DomainError } from '../src/shared/domain-error.ts';
import { startTestServer, type TestServer } from './helpers.ts';
import { connectPlayer, disconnectAll, type Player, type PresenceEventBody } from './realtime-helpers.ts';

const ARENA = { mode: 42, subject: 'arena', label: 'eu-west' };
const WIRE_ARENA = { mode: 42, subject: 'arena', label: 'eu-west' };

describe('custom streams (StreamService driven by server code, nakama-js receiving)', () => {
  let server: TestServer | undefined;
  const players: Player[] = [];
  afterEach(async () => {
    disconnectAll(players);
    await server?.stop();
    server = undefined;
  });

  async function setup(count: number) {
    server = await startTestServer();
    const list: (Player & { sid: string })[] = [];
    for (let i = 0; i < count; i++) {
      const p = await connectPlayer(server, players, { username: `streamer.${i}` });
      const [session] = server.realtime.sessions.byUser(p.session.user_id!);
      list.push({ ...p, sid: session!.id });
    }
    return { streams: server.realtime.streams, players: list };
  }

  it('announces joins and leaves, lists members and delivers stream_data to them', async () => {
    const {
      streams,
      players: [a, b],
    } = await setup(2);
    expect(streams.join(a!.sid, ARENA)).toBe(true);
    expect(streams.join(a!.sid, ARENA)).toBe(false);
    const own = await a!.events.next<PresenceEventBody>('onstreampresence');
    expect(own).toEqual({
      stream: WIRE_ARENA,
      joins: [{ user_id: a!.session.user_id, session_id: a!.sid, username: 'streamer.0' }],
    });

    streams.join(b!.sid, ARENA, { status: 'ready', persistence: true });
    const bJoin = {
      user_id: b!.session.user_id,
      session_id: b!.sid,
      username: 'streamer.1',
      persistence: true,
      status: 'ready',
    };
    expect(await a!.events.next('onstreampresence')).toEqual({ stream: WIRE_ARENA, joins: [bJoin] });
    expect(await b!.events.next('onstreampresence')).toEqual({ stream: WIRE_ARENA, joins: [bJoin] });
    expect(streams.list(ARENA).map((p) => p.username)).toEqual(['streamer.0', 'streamer.1']);
    expect(streams.count(ARENA)).toBe(2);
    expect(streams.get(b!.sid, ARENA)).toEqual(bJoin);

    const sender = streams.get(a!.sid, ARENA)!;
    expect(streams.send(ARENA, 'hello', { sender, reliable: true })).toBe(2);
    const expected = { stream: WIRE_ARENA, sender, data: 'hello', reliable: true };
    expect(await a!.events.next<StreamData>('onstreamdata')).toEqual(expected);
    expect(await b!.events.next<StreamData>('onstreamdata')).toEqual(expected);
    expect(streams.send(ARENA, 'for b', { sessionIds: [b!.sid, 'not-a-session'] })).toBe(1);
    expect(streams.send(ARENA, 'not for a', { exclude: a!.sid })).toBe(1);
    expect(streams.send(ARENA, 'everyone')).toBe(2);
    expect((await b!.events.next<StreamData>('onstreamdata')).data).toBe('for b');
    expect((await b!.events.next<StreamData>('onstreamdata')).data).toBe('not for a');
    expect((await a!.events.next<StreamData>('onstreamdata')).data).toBe('everyone');
    expect(a!.events.all<StreamData>('onstreamdata').map((d) => d.data)).toEqual(['hello', 'everyone']);

    expect(streams.leave(b!.sid, ARENA)).toBe(true);
    expect(streams.leave(b!.sid, ARENA)).toBe(false);
    expect(await a!.events.next('onstreampresence')).toEqual({ stream: WIRE_ARENA, leaves: [bJoin] });
    expect(streams.send(ARENA, 'after b left')).toBe(1);
    expect((await a!.events.next<StreamData>('onstreamdata')).data).toBe('after b left');
    expect(b!.events.all('onstreampresence')).toHaveLength(1); // a leaver does not see its own leave
  });

  it('keeps a burst of stream_data in order for each receiver', async () => {
    const {
      streams,
      players: [a],
    } = await setup(1);
    streams.join(a!.sid, ARENA, { hidden: true });
    for (let i = 0; i < 200; i++) streams.send(ARENA, String(i));
    for (let i = 0; i < 200; i++)
      expect((await a!.events.next<StreamData>('onstreamdata')).data).toBe(String(i));
  });

  it('hides hidden members, updates metas, joins and leaves whole users, and cleans up on disconnect', async () => {
    const {
      streams,
      players: [a, b, c],
    } = await setup(3);
    streams.join(a!.sid, ARENA);
    await a!.events.next('onstreampresence');
    streams.join(c!.sid, ARENA, { hidden: true });
    expect(streams.list(ARENA).map((p) => p.session_id)).toEqual([a!.sid]);
    expect(streams.list(ARENA, { includeHidden: true })).toHaveLength(2);
    streams.send(ARENA, 'to all, hidden included');
    expect((await c!.events.next<StreamData>('onstreamdata')).data).toBe('to all, hidden included');

    expect(streams.update(a!.sid, ARENA, { status: 'afk' })).toBe(true);
    const update = await a!.events.next<PresenceEventBody>('onstreampresence');
    expect(update.joins!.map((p) => p.status)).toEqual(['afk']);
    expect(update.leaves!.map((p) => p.status)).toEqual([undefined]);

    expect(streams.joinUser(b!.session.user_id!, ARENA)).toBe(1);
    expect((await a!.events.next<PresenceEventBody>('onstreampresence')).joins![0]!.session_id).toBe(b!.sid);
    expect(streams.leaveUser(b!.session.user_id!, ARENA)).toBe(1);
    expect((await a!.events.next<PresenceEventBody>('onstreampresence')).leaves![0]!.session_id).toBe(b!.sid);

    streams.join(b!.sid, ARENA);
    expect((await a!.events.next<PresenceEventBody>('onstreampresence')).joins![0]!.session_id).toBe(b!.sid);
    b!.socket.disconnect(false);
    expect((await a!.events.next<PresenceEventBody>('onstreampresence')).leaves![0]!.session_id).toBe(b!.sid);
    expect(streams.count(ARENA)).toBe(2);
    expect(streams.close(ARENA)).toBe(2);
    expect(streams.count(ARENA)).toBe(0);
  });

  it('refuses built-in modes for membership, bad ids and unknown sessions with typed errors', async () => {
    const {
      streams,
      players: [a],
    } = await setup(1);
    const kindOf = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        if (err instanceof DomainError) return `${err.kind}: ${err.message}`;
        throw err;
      }
      return 'no error';
    };
    const s: StreamService = streams;
    expect(kindOf(() => s.join(a!.sid, { mode: 2, label: 'lobby' }))).toBe(
      'INVALID_ARGUMENT: Stream mode 2 belongs to the channel feature; custom streams use modes 8-255',
    );
    expect(kindOf(() => s.join(a!.sid, { mode: 256 }))).toMatch(/^INVALID_ARGUMENT: Stream mode must be/);
    expect(kindOf(() => s.join(a!.sid, { mode: 9, subject: 'a.b' }))).toMatch(/without '\.'/);
    expect(kindOf(() => s.join('no-such-session', { mode: 9 }))).toBe(
      'NOT_FOUND: Session no-such-session is not connected',
    );
    // Reading works on every mode: the user's hidden notification presence is there.
    expect(s.count({ mode: 0, subject: a!.session.user_id! })).toBe(1);
    expect(s.list({ mode: 0, subject: a!.session.user_id! })).toEqual([]);
  });
});
