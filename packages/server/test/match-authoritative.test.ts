/**
 * Authoritative matches from a runtime module, driven by the unmodified nakama-js 2.8.0 client: join
 * attempts with metadata, loop inputs, dispatcher broadcast/kick/label update, listing by label query,
 * signals, and shutdown.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MatchHandler } from '../src/runtime/api.ts';
import { startTestServer, type TestServer } from './helpers.ts';
import { connectMatchPlayer, rejection, text } from './match-helpers.ts';
import { disconnectAll, nakamaClient, type Player } from './realtime-helpers.ts';

interface Room {
  password: string;
  mode: string;
}

/** Echo room: op 1 echoes to the sender, 2 kicks the sender, 3 sets the label, 4 broadcasts deferred. */
const room: MatchHandler<Room> = {
  matchInit: (_ctx, params) => ({
    state: { password: String(params.password ?? ''), mode: String(params.mode ?? 'casual') },
    tickRate: 20,
    label: JSON.stringify({ mode: params.mode ?? 'casual', skill: params.skill ?? 0 }),
  }),
  matchJoinAttempt: (_ctx, _d, _tick, state, _presence, metadata) =>
    (metadata.password ?? '') === state.password
      ? { state, accept: true }
      : { state, accept: false, rejectMessage: 'Wrong password' },
  matchLoop: (_ctx, d, _tick, state, messages) => {
    for (const m of messages) {
      const body = new TextDecoder().decode(m.data);
      if (m.opCode === 1) d.broadcastMessage(101, `echo:${body}`, [m.sender]);
      if (m.opCode === 2) d.matchKick([m.sender]);
      if (m.opCode === 3) d.matchLabelUpdate(body);
      if (m.opCode === 4) d.broadcastMessageDeferred(104, body, null, m.sender);
    }
    return { state };
  },
  matchSignal: (_ctx, _d, tick, state, data) => ({ state, data: `${state.mode}:${data}:${tick >= 0}` }),
};

let server: TestServer;
const opened: Player[] = [];

beforeAll(async () => {
  server = await startTestServer();
  await server.runtime.run((initializer, nk) => {
    initializer.registerMatch('room', room);
    initializer.registerRpc('open_room', (_ctx, payload) =>
      nk.matchCreate('room', JSON.parse(payload || '{}')),
    );
  }, 'rooms');
});
afterEach(() => disconnectAll(opened));
afterAll(() => server.stop());

describe('authoritative matches over nakama-js', () => {
  it('go through matchJoinAttempt with metadata: a rejection is code 5 with the handler reason', async () => {
    const a = await connectMatchPlayer(server, opened);
    const id = (await a.socket.rpc('open_room', JSON.stringify({ password: 'sesame' }))).payload!;
    expect(await rejection(a.socket.joinMatch(id, undefined, { password: 'nope' }))).toMatchObject({
      code: 5,
      message: 'Wrong password',
    });
    const m = await a.socket.joinMatch(id, undefined, { password: 'sesame' });
    expect(m).toMatchObject({ match_id: id, authoritative: true, size: 0 });
    expect(JSON.parse(m.label!)).toEqual({ mode: 'casual', skill: 0 });
    const [own] = await a.match.presenceCount(1);
    expect(own!.joins?.map((p) => p.session_id)).toEqual([m.self.session_id]);
  });

  it('feed inputs to the loop; broadcasts reach targets, deferred ones everyone, kicks tell the kicked', async () => {
    const a = await connectMatchPlayer(server, opened);
    const b = await connectMatchPlayer(server, opened);
    const id = (await a.socket.rpc('open_room')).payload!;
    const am = await a.socket.joinMatch(id);
    await b.socket.joinMatch(id);
    await a.socket.sendMatchState(id, 1, 'hello');
    const [echo] = await a.match.dataCount(1);
    expect(echo).toMatchObject({ match_id: id, op_code: 101 });
    expect(text(echo!)).toBe('echo:hello');
    await a.socket.sendMatchState(id, 4, 'for all');
    const [deferred] = await b.match.dataCount(1, (d) => d.op_code === 104);
    expect(deferred!.presence?.session_id).toBe(am.self.session_id);
    expect(b.match.data.some((d) => d.op_code === 101)).toBe(false);

    await a.socket.sendMatchState(id, 2, '');
    const [kicked] = await a.match.presenceCount(1, (e) => !!e.leaves);
    expect(kicked!.leaves?.map((p) => p.session_id)).toEqual([am.self.session_id]);
    const [seenByB] = await b.match.presenceCount(1, (e) => !!e.leaves);
    expect(seenByB!.leaves?.map((p) => p.session_id)).toEqual([am.self.session_id]);
    expect(server.runtime.nk.matchGet(id)?.size).toBe(1);
  });

  it('are listed at once and found by label query, exact label, size; label updates show up', async () => {
    const a = await connectMatchPlayer(server, opened);
    const client = nakamaClient(server);
    const ranked = (await a.socket.rpc('open_room', JSON.stringify({ mode: 'ranked', skill: 70 }))).payload!;
    const low = (await a.socket.rpc('open_room', JSON.stringify({ mode: 'ranked', skill: 20 }))).payload!;
    const list = async (query?: string, label?: string, authoritative: boolean | undefined = true) =>
      (
        (await client.listMatches(a.session, 100, authoritative, label, undefined, undefined, query))
          .matches ?? []
      ).map((m) => m.match_id);
    expect(await list('+label.mode:ranked +label.skill:>=50')).toEqual([ranked]);
    expect(await list('+label.mode:ranked -label.skill:>=50')).toEqual([low]);
    expect(await list(undefined, JSON.stringify({ mode: 'ranked', skill: 20 }))).toEqual([low]);
    // nakama-js's usual call passes an empty label with a query: the query decides (Nakama's precedence).
    expect(await list('+label.mode:ranked +label.skill:>=50', '')).toEqual([ranked]);
    expect(
      (await client.listMatches(a.session, 100, true, '', 0, 100, '+label.mode:ranked')).matches?.map(
        (m) => m.match_id,
      ),
    ).toEqual([ranked, low]);
    const listed = (await client.listMatches(a.session, 100, true)).matches?.find(
      (m) => m.match_id === ranked,
    );
    expect(listed).toMatchObject({ authoritative: true, handler_name: 'room', tick_rate: 20 });

    await a.socket.joinMatch(ranked);
    await a.socket.sendMatchState(ranked, 3, JSON.stringify({ mode: 'ranked', skill: 70, closed: true }));
    await expect.poll(() => list('+label.closed:true'), { interval: 20 }).toEqual([ranked]);
    expect(await list('+label.closed:true', undefined, false)).toEqual([]);

    const relayed = (await a.socket.createMatch()).match_id;
    expect(await list(undefined, undefined, false)).toContain(relayed);
    const bad = await client
      .listMatches(a.session, 10, true, undefined, undefined, undefined, '+label.skill:>=x')
      .catch((r: Response) => r);
    expect((bad as Response).status).toBe(400);
    expect(((await (bad as Response).json()) as { message: string }).message).toMatch(/^Invalid query: /);
  });

  it('answer nk.matchSignal, and on shutdown run matchTerminate before sessions close', async () => {
    const id = server.runtime.nk.matchCreate('room', { mode: 'duel' });
    // Always a Promise, on one node too (a cluster's remote matches can only answer later).
    const reply = server.runtime.nk.matchSignal(id, 'hi');
    expect(reply).toBeInstanceOf(Promise);
    expect(await reply).toBe('duel:hi:true');
    await expect(server.runtime.nk.matchSignal(`${id.slice(0, 36)}.elsewhere`, 'x')).rejects.toThrow(
      /not found/,
    );
    await expect(server.runtime.nk.matchSignal(id, 7 as unknown as string)).rejects.toThrow(
      'matchSignal: data must be a string',
    );

    const other = await startTestServer({ matchShutdownGraceSec: 3 });
    try {
      const graces: number[] = [];
      await other.runtime.run((initializer) =>
        initializer.registerMatch('room', {
          ...room,
          matchTerminate: (_ctx, d, _tick, _state, grace) => {
            graces.push(grace);
            d.broadcastMessage(99, 'server going down');
            return null;
          },
        }),
      );
      const solo = other.runtime.nk.matchCreate('room');
      const p = await connectMatchPlayer(other, opened);
      const joined = await p.socket.joinMatch(solo);
      await p.match.presenceCount(1);
      const disconnected = new Promise<void>((resolve) => {
        p.socket.ondisconnect = () => resolve();
      });
      await other.close('test shutdown');
      await disconnected;
      expect(graces).toEqual([3]);
      expect(p.match.data.map((d) => [d.op_code, text(d)])).toEqual([[99, 'server going down']]);
      expect(p.match.presence.at(-1)?.leaves?.map((x) => x.session_id)).toEqual([joined.self.session_id]);
      expect(other.runtime.nk.matchGet(solo)).toBeNull();
    } finally {
      await other.stop();
    }
  });
});
