/**
 * Relayed matches with the unmodified nakama-js 2.8.0 client over `/ws`, plus a raw socket for what
 * nakama-js cannot send (bad op codes, oversized data, cids on match_data_send).
 */
import type { MatchmakerMatched } from '@heroiclabs/nakama-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { namedMatchId } from '../src/features/match/match-id.ts';
import { startTestServer, type TestServer } from './helpers.ts';
import { connectMatchPlayer, rejection, text } from './match-helpers.ts';
import { disconnectAll, type Player, RawSocket } from './realtime-helpers.ts';

let server: TestServer;
const opened: Player[] = [];

beforeAll(async () => {
  server = await startTestServer({ matchMaxDataBytes: 1024, matchmakerIntervalMs: 100 });
});
afterEach(() => disconnectAll(opened));
afterAll(() => server.stop());

const ids = (list: { session_id: string }[] | undefined) => (list ?? []).map((p) => p.session_id);

describe('relayed matches over nakama-js', () => {
  it('create, join by id, presence events after each reply (own join included), re-join lists self', async () => {
    const a = await connectMatchPlayer(server, opened);
    const b = await connectMatchPlayer(server, opened);
    const created = await a.socket.createMatch();
    expect(created.match_id).toMatch(/^[0-9a-f-]{36}\.$/);
    expect(created.size).toBe(1);
    expect(created.presences).toBeUndefined();
    expect(created.self.user_id).toBe(a.session.user_id);
    // The handler was attached after the reply resolved, and the own join still arrives.
    const [ownJoin] = await a.match.presenceCount(1);
    expect(ids(ownJoin!.joins)).toEqual([created.self.session_id]);

    const joined = await b.socket.joinMatch(created.match_id);
    expect(joined.size).toBe(1);
    expect(ids(joined.presences)).toEqual([created.self.session_id]);
    const [bJoinSeenByA] = (await a.match.presenceCount(2)).slice(1);
    expect(ids(bJoinSeenByA!.joins)).toEqual([joined.self.session_id]);
    expect(ids((await b.match.presenceCount(1))[0]!.joins)).toEqual([joined.self.session_id]);

    const again = await a.socket.joinMatch(created.match_id);
    expect(again.size).toBe(2);
    expect(ids(again.presences).sort()).toEqual([created.self.session_id, joined.self.session_id].sort());
  });

  it('a name gives the same uuid v5 match to everyone', async () => {
    const a = await connectMatchPlayer(server, opened);
    const b = await connectMatchPlayer(server, opened);
    const m1 = await a.socket.createMatch('arena-lobby');
    const m2 = await b.socket.createMatch('arena-lobby');
    expect(m1.match_id).toBe(namedMatchId('arena-lobby'));
    expect(m2.match_id).toBe(m1.match_id);
    expect(m2.size).toBe(2);
    expect(ids(m2.presences)).toEqual([m1.self.session_id]);
  });

  it('relay data to all others or to listed presences, with the sender and a numeric op code', async () => {
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => connectMatchPlayer(server, opened)));
    const { match_id, self } = await a!.socket.createMatch();
    await b!.socket.joinMatch(match_id);
    const cm = await c!.socket.joinMatch(match_id);
    await a!.socket.sendMatchState(match_id, 0, 'to everyone');
    await a!.socket.sendMatchState(match_id, 42, new TextEncoder().encode('to c'), [cm.self]);
    const [toB] = await b!.match.dataCount(1);
    expect(toB).toMatchObject({ match_id, op_code: 0, presence: { session_id: self.session_id } });
    expect(text(toB!)).toBe('to everyone');
    const toC = await c!.match.dataCount(2);
    expect(toC.map((d) => [d.op_code, text(d)])).toEqual([
      [0, 'to everyone'],
      [42, 'to c'],
    ]);
    await b!.socket.sendMatchState(match_id, 7, 'ping a', [self]);
    expect((await a!.match.dataCount(1)).map(text)).toEqual(['ping a']);
    expect(b!.match.data).toHaveLength(1);
  });

  it('tell the others about leaves and disconnects; the last one out removes the match', async () => {
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => connectMatchPlayer(server, opened)));
    const { match_id } = await a!.socket.createMatch();
    const bm = await b!.socket.joinMatch(match_id);
    const cm = await c!.socket.joinMatch(match_id);
    await a!.match.presenceCount(3);
    await b!.socket.leaveMatch(match_id);
    await b!.socket.leaveMatch(match_id); // double leave: still {cid}
    const leave = (await a!.match.presenceCount(1, (e) => !!e.leaves))[0]!;
    expect(ids(leave.leaves)).toEqual([bm.self.session_id]);
    c!.socket.disconnect(false);
    const gone = (await a!.match.presenceCount(2, (e) => !!e.leaves))[1]!;
    expect(ids(gone.leaves)).toEqual([cm.self.session_id]);
    await a!.socket.leaveMatch(match_id);
    const err = await rejection(b!.socket.joinMatch(match_id));
    expect(err).toMatchObject({ code: 4, message: 'Match not found' });
  });

  it('join with a matchmaker token creates the relayed match; an expired or forged one is code 3', async () => {
    const a = await connectMatchPlayer(server, opened);
    const mid = namedMatchId(`mm-${Math.random()}`);
    const m = await a.socket.joinMatch(undefined, server.matches.tokens.createMatchToken(mid));
    expect(m).toMatchObject({ match_id: mid, size: 0 });
    const forged = `${server.matches.tokens.createMatchToken(mid).slice(0, -4)}AAAA`;
    expect(await rejection(a.socket.joinMatch(undefined, forged))).toMatchObject({
      code: 3,
      message: 'Invalid match token: signature does not match',
    });
    expect(await rejection(a.socket.joinMatch('not-a-match'))).toMatchObject({ code: 3 });
    expect(await rejection(a.socket.joinMatch(namedMatchId('nobody-here')))).toMatchObject({ code: 4 });
  });

  it('matchmaker results without a hook meet in a relayed match through the token', async () => {
    const [a, b] = [await connectMatchPlayer(server, opened), await connectMatchPlayer(server, opened)];
    const matched = (p: typeof a) =>
      new Promise<MatchmakerMatched>((resolve) => {
        p.socket.onmatchmakermatched = resolve;
      });
    const [ma, mb] = [matched(a), matched(b)];
    const query = `+properties.mode:relay-${Date.now()}`;
    const props = { mode: query.slice('+properties.mode:'.length) };
    await a.socket.addMatchmaker(query, 2, 2, props);
    await b.socket.addMatchmaker(query, 2, 2, props);
    const [ra, rb] = await Promise.all([ma, mb]);
    expect(ra.match_id).toBeUndefined();
    const first = await a.socket.joinMatch(undefined, ra.token);
    expect(first).toMatchObject({ match_id: expect.stringMatching(/\.$/), size: 0 });
    const second = await b.socket.joinMatch(undefined, rb.token);
    expect(second.match_id).toBe(first.match_id);
    expect(ids(second.presences)).toEqual([first.self.session_id]);
  });

  it('answer bad match_data_send with an error naming the problem (cid only when sent); the socket lives', async () => {
    const raw = await RawSocket.login(server);
    const other = await RawSocket.login(server);
    try {
      const created = (await raw.request('1', { match_create: {} })).match as { match_id: string };
      const match_id = created.match_id;
      const bad = async (body: object, cid?: string) => {
        const from = raw.received.length;
        raw.send(cid ? { cid, match_data_send: body } : { match_data_send: body });
        const env = await raw.next('error', from);
        expect(env.cid).toBe(cid);
        return env.error as { code: number; message: string };
      };
      expect(await bad({ match_id, op_code: '-5', data: '' })).toMatchObject({
        code: 3,
        message: expect.stringMatching(/^Invalid op code -5/),
      });
      expect(await bad({ match_id, op_code: '1', data: Buffer.alloc(1025).toString('base64') }, '9')).toEqual(
        {
          code: 3,
          message: 'Match data too large: 1025 bytes exceeds the limit of 1024 bytes',
          context: { match_id, limit: '1024' },
        },
      );
      expect(await bad({ match_id: 'zzz', op_code: '1' })).toMatchObject({
        code: 3,
        message: "Invalid match ID: 'zzz'",
      });
      expect(await bad({ match_id: '9', op_code: 'x' })).toMatchObject({ code: 3 });
      const from = other.received.length;
      other.send({ match_data_send: { match_id, op_code: '1', data: 'aGk=' } });
      expect(((await other.next('error', from)).error as { message: string }).message).toBe(
        'Match data dropped: you are not a member of this match (join it first)',
      );
      expect((await raw.request('2', { ping: {} })).pong).toEqual({});
    } finally {
      raw.close();
      other.close();
    }
  });

  it('a compact match_data_send (read without JSON.parse) gets the same pushes and errors as the generic path', async () => {
    const raw = await RawSocket.login(server);
    const peer = await RawSocket.login(server);
    try {
      const match_id = ((await raw.request('1', { match_create: {} })).match as { match_id: string })
        .match_id;
      await peer.request('2', { match_join: { match_id } });
      const upper = match_id.toUpperCase();
      /** What `text` causes: the push the peer gets, or the error the sender gets. */
      const outcome = async (text: string, pushed: boolean) => {
        const from = (pushed ? peer : raw).received.length;
        raw.send(text);
        const env = await (pushed ? peer : raw).next(pushed ? 'match_data' : 'error', from);
        return env[pushed ? 'match_data' : 'error'];
      };
      // A trailing NUL (stripped by the generic decoder) keeps the scanner out: same JSON, other path.
      const same = async (text: string, pushed: boolean) => {
        const fast = await outcome(text, pushed);
        expect(await outcome(`${text}\u0000`, pushed)).toEqual(fast);
        return fast;
      };
      const send = (body: string) => `{"match_data_send":{${body}}}`;
      expect(
        await same(send(`"match_id":"${match_id}","op_code":"7","data":"aGk=","presences":[]`), true),
      ).toEqual({
        match_id,
        op_code: '7',
        data: 'aGk=',
        presence: expect.objectContaining({ username: expect.any(String) }),
      });
      // The id is echoed as sent, whichever case its uuid is in.
      expect(await same(send(`"match_id":"${upper}","op_code":3,"reliable":true`), true)).toMatchObject({
        match_id: upper,
        op_code: '3',
        reliable: true,
      });
      expect(await same(send(`"match_id":"${match_id}","op_code":1.5`), false)).toMatchObject({ code: 3 });
      // Unpadded base64 is the generic path's (it normalizes it); bad base64 is an error on both.
      expect(await same(send(`"match_id":"${match_id}","data":"aGk"`), true)).toMatchObject({ data: 'aGk=' });
      expect(await same(send(`"match_id":"${match_id}","data":"a"`), false)).toMatchObject({ code: 3 });
      expect(await same(send(`"match_id":7`), false)).toMatchObject({ code: 3 });
      expect(await same(send(`"match_id":"${match_id}",`), false)).toMatchObject({ code: 1 });
      expect(await same(send(`"match_id":"zzz","op_code":"1"`), false)).toMatchObject({
        message: "Invalid match ID: 'zzz'",
      });
      const big = Buffer.alloc(1025).toString('base64');
      expect(await same(send(`"match_id":"${match_id}","data":"${big}"`), false)).toMatchObject({
        message: 'Match data too large: 1025 bytes exceeds the limit of 1024 bytes',
      });
      const unknown = namedMatchId('nobody plays here');
      expect(await same(send(`"match_id":"${unknown}","op_code":"1"`), false)).toMatchObject({
        message: 'Match data dropped: you are not a member of this match (join it first)',
      });
      // After a leave, the same target is refused (nothing about membership is kept between sends).
      expect(await same(send(`"match_id":"${match_id}","op_code":"1"`), true)).toMatchObject({ match_id });
      await raw.request('3', { match_leave: { match_id } });
      expect(await same(send(`"match_id":"${match_id}","op_code":"1"`), false)).toMatchObject({
        message: 'Match data dropped: you are not a member of this match (join it first)',
      });
    } finally {
      raw.close();
      peer.close();
    }
  });
});
