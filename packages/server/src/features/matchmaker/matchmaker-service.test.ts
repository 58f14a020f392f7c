import { describe, expect, it } from 'vitest';
import { createLogger } from '../../observability/logger.ts';
import { LocalMessageRouter } from '../../presence/message-router.ts';
import type { OutboundMessage } from '../../presence/outbound.ts';
import { LocalTracker } from '../../presence/tracker.ts';
import type { SessionHandle } from '../../presence/types.ts';
import { ManualClock } from '../../shared/clock.ts';
import { type MatchmakerMatchedHook, MatchmakerService, type TicketRequest } from './matchmaker-service.ts';

/** The parts of received envelopes these tests read. */
interface Received {
  matchmaker_matched: { ticket: string; token?: string; match_id?: string };
}

function session(id: string): SessionHandle & { got: Received[] } {
  const got: Received[] = [];
  return {
    id,
    userId: `user-${id}`,
    username: `name-${id}`,
    got,
    deliver: (m: OutboundMessage) => got.push(JSON.parse(m.text) as Received),
  };
}

function bed(options: { hook?: MatchmakerMatchedHook; maxPoolTickets?: number } = {}) {
  const sessions = new Map<string, ReturnType<typeof session>>();
  const router = new LocalMessageRouter({ node: 'n1', tracker: new LocalTracker({ node: 'n1' }), sessions });
  let n = 0;
  const matchmaker = new MatchmakerService({
    router,
    sessions,
    clock: new ManualClock(),
    logger: createLogger('silent'),
    settings: {
      maxIntervals: 1,
      maxTicketsPerOwner: 3,
      maxPoolTickets: options.maxPoolTickets ?? 100,
      node: 'n1',
    },
    tokens: { createMatchToken: (mid) => `token-for-${mid}` },
    newMatchId: () => `match-${++n}.`,
    ...(options.hook ? { matchedHook: options.hook } : {}),
  });
  const connect = (id: string) => {
    const s = session(id);
    sessions.set(id, s);
    return s;
  };
  return { sessions, matchmaker, connect };
}

const request = (extra: Partial<TicketRequest> = {}): TicketRequest => ({
  min_count: 2,
  max_count: 2,
  query: '',
  string_properties: {},
  numeric_properties: {},
  ...extra,
});

describe('MatchmakerService', () => {
  it('falls back to a relayed match token when the matched hook throws', async () => {
    const { matchmaker, connect } = bed({
      hook: async () => {
        throw new Error('game bug');
      },
    });
    const [a, b] = [connect('a'), connect('b')];
    matchmaker.add(a, request());
    matchmaker.add(b, request());
    await matchmaker.process();
    const matched = a.got[0]!.matchmaker_matched;
    expect(matched.token).toBe('token-for-match-1.');
    expect(matched.match_id).toBeUndefined();
    expect(b.got[0]!.matchmaker_matched.token).toBe(matched.token);
  });

  it('gives the hook every player with merged properties and the node, and sends its match id', async () => {
    const calls: unknown[] = [];
    const { matchmaker, connect } = bed({
      hook: async (entries) => {
        calls.push(entries);
        return 'chosen.n1';
      },
    });
    const [a, b] = [connect('a'), connect('b')];
    const ticket = matchmaker.add(
      a,
      request({ string_properties: { mode: 'x' }, numeric_properties: { rank: 3 } }),
    );
    matchmaker.add(b, request());
    await matchmaker.process();
    expect(calls[0]).toEqual([
      {
        presence: { sessionId: 'a', userId: 'user-a', username: 'name-a', node: 'n1' },
        properties: { mode: 'x', rank: 3 },
        ticket,
      },
      expect.objectContaining({ presence: expect.objectContaining({ sessionId: 'b' }) }),
    ]);
    expect(a.got[0]!.matchmaker_matched).toMatchObject({ ticket, match_id: 'chosen.n1' });
    expect(a.got[0]!.matchmaker_matched.token).toBeUndefined();
  });

  it('drops tickets of sessions that have gone at the next interval', async () => {
    const { sessions, matchmaker, connect } = bed();
    const [a, b] = [connect('a'), connect('b')];
    matchmaker.add(a, request());
    sessions.delete('a');
    matchmaker.add(b, request());
    await matchmaker.process();
    expect(b.got).toEqual([]);
    expect(matchmaker.size).toBe(1);
  });

  it('bounds the pool, the properties, and refuses a party bigger than max_count', () => {
    const { matchmaker, connect } = bed({ maxPoolTickets: 1 });
    matchmaker.add(connect('a'), request());
    expect(() => matchmaker.add(connect('b'), request())).toThrow(
      'Error adding to matchmaker: the matchmaker is full (1 tickets), try again later',
    );
    const { matchmaker: other, connect: join } = bed();
    const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v']));
    expect(() => other.add(join('c'), request({ string_properties: many }))).toThrow(/too many properties/);
    const members = ['p1', 'p2', 'p3'].map((id) => ({
      sessionId: id,
      userId: `u-${id}`,
      username: id,
      node: 'n1',
    }));
    expect(() => other.addParty({ partyId: 'party.n1', members }, 'p1', request())).toThrow(
      'Error adding party to matchmaker: the party has 3 members, more than max_count 2',
    );
  });

  it('ends a session’s tickets when it closes and a party’s tickets when it changes', () => {
    const { matchmaker, connect } = bed();
    const a = connect('a');
    matchmaker.add(a, request());
    const members = [{ sessionId: 'a', userId: 'user-a', username: 'name-a', node: 'n1' }];
    const ticket = matchmaker.addParty({ partyId: 'party.n1', members }, 'a', request({ max_count: 3 }));
    expect(matchmaker.size).toBe(2);
    matchmaker.sessionClosed('a');
    expect(matchmaker.size).toBe(1);
    matchmaker.partyChanged('party.n1');
    expect(matchmaker.size).toBe(0);
    expect(() => matchmaker.removeParty('party.n1', ticket)).toThrow(/matchmaker ticket not found/);
  });
});
