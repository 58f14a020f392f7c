/**
 * The matchmaker with the unmodified nakama-js 2.8.0 client over `/ws`. One server runs intervals
 * only when a test calls `process()` (deterministic), another on a short real interval. Every test
 * tags its tickets with its own `properties.t` so leftovers of other tests never match.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MatchmakerEntry } from '../src/runtime/api.ts';
import { startTestServer, type TestServer } from './helpers.ts';
import { connectMultiplayer, fence, type MultiplayerPlayer, rejection } from './multiplayer-helpers.ts';
import { disconnectAll, type Player, RawSocket } from './realtime-helpers.ts';

let server: TestServer;
const opened: Player[] = [];
const raws: RawSocket[] = [];
const hookCalls: MatchmakerEntry[][] = [];

beforeAll(async () => {
  server = await startTestServer({ matchmakerIntervalMs: 3_600_000 });
  await server.runtime.run((initializer) => {
    initializer.registerMatchmakerMatched((_ctx, entries) => {
      hookCalls.push([...entries]);
      return entries[0]?.properties.mode === 'authoritative' ? `${randomUUID()}.tether` : undefined;
    });
  });
});
afterEach(() => {
  disconnectAll(opened);
  for (const r of raws.splice(0)) r.close();
});
afterAll(() => server.stop());

const player = () => connectMultiplayer(server, opened);
const interval = () => server.matchmaker.matchmaker.process();
/** A tag unique to the calling test. */
const tag = () => randomUUID().slice(0, 8);

/** Runs an interval and proves the players got no matched push from it. */
async function expectNoMatch(...players: MultiplayerPlayer[]): Promise<void> {
  await interval();
  for (const p of players) {
    await fence(p);
    expect(p.mp.all('onmatchmakermatched')).toEqual([]);
  }
}

describe('matchmaker (intervals run by the test)', () => {
  it('matches two tickets whose queries hold both ways: a token, no match_id, both users, self', async () => {
    const t = tag();
    const [a, b] = [await player(), await player()];
    const ta = await a.socket.addMatchmaker(`+properties.t:${t} properties.a3:bar`, 2, 2, { t, a3: 'baz' });
    const tb = await b.socket.addMatchmaker(`+properties.t:${t} properties.a3:baz`, 2, 2, { t, a3: 'bar' });
    await interval();
    const [ma, mb] = [await a.mp.next('onmatchmakermatched'), await b.mp.next('onmatchmakermatched')];
    expect(ma.ticket).toBe(ta.ticket);
    expect(mb.ticket).toBe(tb.ticket);
    expect(ma.match_id).toBeUndefined();
    expect(typeof ma.token).toBe('string');
    expect(mb.token).toBe(ma.token);
    expect(ma.users).toHaveLength(2);
    expect(ma.self.presence.user_id).toBe(a.userId);
    expect(mb.self.presence.user_id).toBe(b.userId);
    expect(ma.users.map((u) => u.string_properties?.a3)).toEqual(['baz', 'bar']);
    expect(server.matchmaker.matchmaker.size).toBe(0);
  });

  it('does not match when only one side is satisfied, or neither', async () => {
    const t = tag();
    const [a, b, c] = [await player(), await player(), await player()];
    await a.socket.addMatchmaker(`+properties.t:${t} +properties.mode:ranked`, 2, 2, { t, mode: 'casual' });
    await b.socket.addMatchmaker(`+properties.t:${t} +properties.mode:ranked`, 2, 2, { t, mode: 'ranked' });
    await expectNoMatch(a, b);
    // nakama-js's "add but not match": a lone should clause is required, and holds for neither.
    await c.socket.addMatchmaker('properties.a5:bar', 2, 2, { a5: 'baz' });
    await b.socket.addMatchmaker('properties.a5:bar', 2, 2, { a5: 'baz' });
    await expectNoMatch(b, c);
  });

  it('matches on numeric ranges and values, not when a value is out of range', async () => {
    const t = tag();
    const q = `+properties.t:${t} +properties.c1:>=10 +properties.c1:<=20 +properties.c2:foo`;
    const [a, b, c] = [await player(), await player(), await player()];
    await a.socket.addMatchmaker(q, 2, 2, { t, c2: 'foo' }, { c1: 25 });
    await b.socket.addMatchmaker(q, 2, 2, { t, c2: 'foo' }, { c1: 15 });
    await expectNoMatch(a, b);
    await c.socket.addMatchmaker(q, 2, 2, { t, c2: 'foo' }, { c1: 10 });
    await interval();
    expect((await c.mp.next('onmatchmakermatched')).users.map((u) => u.numeric_properties?.c1)).toEqual([
      15, 10,
    ]);
  });

  it('needs one should clause without a must clause, and honours must-not', async () => {
    const t = tag();
    const q = `properties.region:${t}-eu properties.region:${t}-us -properties.banned:yes`;
    const [asia, eu, euBanned, us] = [await player(), await player(), await player(), await player()];
    await asia.socket.addMatchmaker(q, 2, 2, { region: `${t}-asia` });
    await eu.socket.addMatchmaker(q, 2, 2, { region: `${t}-eu` });
    await expectNoMatch(asia, eu);
    await euBanned.socket.addMatchmaker(q, 2, 2, { region: `${t}-eu`, banned: 'yes' });
    await expectNoMatch(eu, euBanned);
    await us.socket.addMatchmaker(q, 2, 2, { region: `${t}-us` });
    await interval();
    const matched = await us.mp.next('onmatchmakermatched');
    expect(matched.users.map((u) => u.presence.user_id)).toEqual([eu.userId, us.userId]);
  });

  it('3 tickets for 2 slots: the oldest two match, the newest waits', async () => {
    const t = tag();
    const q = `properties.a6:bar +properties.t:${t}`;
    const [a, b, c] = [await player(), await player(), await player()];
    for (const p of [a, b, c]) await p.socket.addMatchmaker(q, 2, 2, { a6: 'bar', t });
    await interval();
    await a.mp.next('onmatchmakermatched');
    await b.mp.next('onmatchmakermatched');
    await fence(c);
    expect(c.mp.all('onmatchmakermatched')).toEqual([]);
  });

  it('count_multiple (sent raw: nakama-js 2.8.0 cannot) and max_intervals: 3 tickets of multiple 2 make a match of 2', async () => {
    const t = tag();
    const add = {
      min_count: 2,
      max_count: 4,
      count_multiple: 2,
      query: `+properties.t:${t}`,
      string_properties: { t },
    };
    for (let i = 0; i < 3; i++) {
      const raw = await RawSocket.login(server);
      raws.push(raw);
      expect((await raw.request('1', { matchmaker_add: add })).matchmaker_ticket).toBeDefined();
    }
    await interval(); // first interval: every ticket still holds out for max_count (4)
    await Promise.all(raws.map((r) => r.request('2', { status_unfollow: {} })));
    expect(raws.filter((r) => r.received.some((e) => 'matchmaker_matched' in e))).toHaveLength(0);
    await interval(); // max_intervals (2) reached: 3 would do, but it is not a multiple of 2
    await raws[0]!.next('matchmaker_matched');
    await raws[1]!.next('matchmaker_matched');
    await raws[2]!.request('3', { status_unfollow: {} });
    expect(raws[2]!.received.some((e) => 'matchmaker_matched' in e)).toBe(false);
    const refused = await raws[2]!.request('4', { matchmaker_add: { ...add, count_multiple: 3 } });
    expect(refused.error).toMatchObject({
      code: 3,
      message: 'Invalid count multiple for minimum count, must divide',
    });
  });

  it("a session's tickets end when it disconnects", async () => {
    const t = tag();
    const [a, b] = [await player(), await player()];
    await a.socket.addMatchmaker(`+properties.t:${t}`, 2, 2, { t });
    const before = server.matchmaker.matchmaker.size;
    const closed = new Promise<void>((resolve) => {
      const off = server.realtime.lifecycle.onClosed((s) => {
        if (s.userId !== a.userId) return;
        off();
        resolve();
      });
    });
    a.socket.disconnect(false);
    await closed;
    expect(server.matchmaker.matchmaker.size).toBe(before - 1);
    await b.socket.addMatchmaker(`+properties.t:${t}`, 2, 2, { t });
    await expectNoMatch(b);
  });

  it('remove: own tickets only; an unknown ticket is "Matchmaker ticket not found"', async () => {
    const t = tag();
    const [a, b] = [await player(), await player()];
    const ticket = await a.socket.addMatchmaker(`+properties.t:${t}`, 2, 2, { t });
    expect(await rejection(b.socket.removeMatchmaker(ticket.ticket))).toEqual({
      code: 3,
      message: 'Matchmaker ticket not found',
    });
    await a.socket.removeMatchmaker(ticket.ticket);
    expect(await rejection(a.socket.removeMatchmaker(ticket.ticket))).toEqual({
      code: 3,
      message: 'Matchmaker ticket not found',
    });
    await b.socket.addMatchmaker(`+properties.t:${t}`, 2, 2, { t });
    await expectNoMatch(a, b);
  });

  it('refuses a 4th ticket per session, a malformed query and bad counts, saying why', async () => {
    const a = await player();
    const t = tag();
    for (let i = 0; i < 3; i++) await a.socket.addMatchmaker(`+properties.t:${t}-${i}`, 2, 2);
    expect(await rejection(a.socket.addMatchmaker('*', 2, 2))).toEqual({
      code: 0,
      message: 'Error adding to matchmaker: too many tickets (at most 3 per session)',
    });
    const b = await player();
    expect(await rejection(b.socket.addMatchmaker('properties.name:"open', 2, 2))).toEqual({
      code: 3,
      message: 'Error adding to matchmaker: invalid query: unterminated quoted phrase at position 16',
    });
    expect(await rejection(b.socket.addMatchmaker('properties.rank:>=ten', 2, 2))).toMatchObject({
      code: 3,
      message: expect.stringContaining('"properties.rank:>=" needs a number, got "ten"'),
    });
    expect((await rejection(b.socket.addMatchmaker('*', 1, 2))).message).toBe(
      'Invalid minimum count, must be >= 2',
    );
    expect((await rejection(b.socket.addMatchmaker('*', 3, 2))).message).toBe(
      'Invalid maximum count, must be >= minimum count',
    );
  });

  it('a party matchmakes as one ticket: members are told, everyone is matched together', async () => {
    const t = tag();
    const [leader, member, solo] = [await player(), await player(), await player()];
    const party = await leader.socket.createParty(true, 4);
    await member.socket.joinParty(party.party_id);
    await member.mp.next('onparty');
    const reply = await leader.socket.addMatchmakerParty(party.party_id, `+properties.t:${t}`, 3, 3, { t });
    expect(reply.party_id).toBe(party.party_id);
    expect(await member.mp.next('onpartymatchmakerticket')).toEqual({
      party_id: party.party_id,
      ticket: reply.ticket,
    });
    const soloTicket = await solo.socket.addMatchmaker(`+properties.t:${t}`, 3, 3, { t });
    await interval();
    const [ml, mm, ms] = await Promise.all(
      [leader, member, solo].map((p) => p.mp.next('onmatchmakermatched')),
    );
    expect(ml!.ticket).toBe(reply.ticket);
    expect(mm!.ticket).toBe(reply.ticket);
    expect(ms!.ticket).toBe(soloTicket.ticket);
    expect(ml!.users.map((u) => u.presence.user_id)).toEqual([leader.userId, member.userId, solo.userId]);
    expect(ml!.self.party_id).toBe(party.party_id);
    expect(mm!.self.party_id).toBe(party.party_id);
    expect(ms!.self.party_id).toBeUndefined();
    expect(new Set([ml!.token, mm!.token, ms!.token]).size).toBe(1);
    await fence(leader);
    expect(leader.mp.all('onpartymatchmakerticket')).toEqual([]);
  });

  it("a party's membership change cancels its tickets", async () => {
    const t = tag();
    const [leader, member, joiner, solo] = [await player(), await player(), await player(), await player()];
    const party = await leader.socket.createParty(true, 4);
    await member.socket.joinParty(party.party_id);
    await member.mp.next('onparty');
    const { ticket } = await leader.socket.addMatchmakerParty(party.party_id, `+properties.t:${t}`, 3, 3, {
      t,
    });
    await joiner.socket.joinParty(party.party_id);
    expect(await rejection(leader.socket.removeMatchmakerParty(party.party_id, ticket))).toEqual({
      code: 3,
      message: 'Error removing party from matchmaker: matchmaker ticket not found',
    });
    await solo.socket.addMatchmaker(`+properties.t:${t}`, 3, 3, { t });
    await expectNoMatch(leader, member, solo);
    // A ticket the leader removes itself is gone too.
    const again = await leader.socket.addMatchmakerParty(party.party_id, `+properties.t:${t}-x`, 4, 4);
    await leader.socket.removeMatchmakerParty(party.party_id, again.ticket);
  });

  it('the token joins everyone to the same relayed match', async () => {
    const t = tag();
    const [a, b] = [await player(), await player()];
    await a.socket.addMatchmaker(`+properties.t:${t}`, 2, 2, { t });
    await b.socket.addMatchmaker(`+properties.t:${t}`, 2, 2, { t });
    await interval();
    const { token } = await a.mp.next('onmatchmakermatched');
    const ma = await a.socket.joinMatch(undefined, token);
    const mb = await b.socket.joinMatch(undefined, (await b.mp.next('onmatchmakermatched')).token);
    expect(ma.match_id).toMatch(/^[0-9a-f-]{36}\.$/);
    expect(mb.match_id).toBe(ma.match_id);
    expect(mb.presences?.map((p) => p.user_id)).toEqual([a.userId]);
  });

  it('the matched hook can send a group to an authoritative match: match_id, no token', async () => {
    const t = tag();
    const [a, b] = [await player(), await player()];
    await a.socket.addMatchmaker(`+properties.t:${t}`, 2, 2, { t, mode: 'authoritative' }, { skill: 3 });
    await b.socket.addMatchmaker(`+properties.t:${t}`, 2, 2, { t, mode: 'authoritative' });
    await interval();
    const matched = await a.mp.next('onmatchmakermatched');
    expect(matched.match_id).toMatch(/^[0-9a-f-]{36}\.tether$/);
    expect(matched.token).toBeUndefined();
    const entries = hookCalls.find((c) => c[0]?.properties.t === t)!;
    expect(entries.map((e) => e.presence.userId)).toEqual([a.userId, b.userId]);
    expect(entries[0]).toMatchObject({
      ticket: matched.ticket,
      properties: { t, mode: 'authoritative', skill: 3 },
    });
  });
});

describe('matchmaker on its interval', () => {
  let timed: TestServer;
  beforeAll(async () => {
    timed = await startTestServer({ matchmakerIntervalMs: 100 });
  });
  afterAll(() => timed.stop());

  it('matches without anyone calling process()', async () => {
    const [a, b] = [await connectMultiplayer(timed, opened), await connectMultiplayer(timed, opened)];
    await a.socket.addMatchmaker('properties.a3:bar', 2, 2, { a3: 'baz' });
    await b.socket.addMatchmaker('properties.a3:baz', 2, 2, { a3: 'bar' });
    const matched = await a.mp.next('onmatchmakermatched', 5000);
    expect(matched.users).toHaveLength(2);
    expect(matched.token).toBeDefined();
  });
});
