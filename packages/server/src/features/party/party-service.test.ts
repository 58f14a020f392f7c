import { describe, expect, it } from 'vitest';
import { createLogger } from '../../observability/logger.ts';
import { LocalMessageRouter } from '../../presence/message-router.ts';
import type { OutboundMessage } from '../../presence/outbound.ts';
import { LocalTracker } from '../../presence/tracker.ts';
import type { SessionHandle } from '../../presence/types.ts';
import { PartyService } from './party-service.ts';

/** A session that keeps what it is sent. */
function session(id: string): SessionHandle & { got: Record<string, unknown>[] } {
  const got: Record<string, unknown>[] = [];
  return {
    id,
    userId: `user-${id}`,
    username: `name-${id}`,
    got,
    deliver: (m: OutboundMessage) => got.push(JSON.parse(m.text) as Record<string, unknown>),
  };
}

function bed(limits: { maxParties?: number; maxPerSession?: number } = {}) {
  const queue: (() => void)[] = [];
  const tracker = new LocalTracker({ node: 'n1', schedule: (fn) => queue.push(fn) });
  const sessions = new Map<string, ReturnType<typeof session>>();
  const router = new LocalMessageRouter({ node: 'n1', tracker, sessions });
  const parties = new PartyService({
    tracker,
    router,
    sessions,
    logger: createLogger('silent'),
    limits: { node: 'n1', maxParties: limits.maxParties ?? 100, maxPerSession: limits.maxPerSession ?? 10 },
  });
  const connect = (id: string) => {
    const s = session(id);
    sessions.set(id, s);
    return s;
  };
  return {
    tracker,
    sessions,
    parties,
    connect,
    flush: () => {
      for (const fn of queue.splice(0)) fn();
    },
  };
}

const open = { open: true, maxSize: 4, label: '', hidden: false };
const closed = { ...open, open: false };

describe('PartyService', () => {
  it('forwards presence events of party streams to the members, as party_presence_event', () => {
    const { parties, connect, flush } = bed();
    const [a, b] = [connect('a'), connect('b')];
    const party = parties.create(a, open);
    parties.join(b, party.party_id);
    flush();
    const events = a.got.filter((e) => 'party_presence_event' in e).map((e) => e.party_presence_event);
    expect(events).toEqual([
      {
        party_id: party.party_id,
        joins: [
          { user_id: 'user-a', session_id: 'a', username: 'name-a' },
          { user_id: 'user-b', session_id: 'b', username: 'name-b' },
        ],
      },
    ]);
  });

  it('treats a presence that vanished from the tracker (disconnect) as a leave and re-elects', () => {
    const { tracker, parties, connect, flush } = bed();
    const [a, b] = [connect('a'), connect('b')];
    const party = parties.create(a, open);
    parties.join(b, party.party_id);
    flush();
    tracker.untrackAll('a');
    flush();
    expect(b.got.find((e) => 'party_leader' in e)).toEqual({
      party_leader: {
        party_id: party.party_id,
        presence: { user_id: 'user-b', session_id: 'b', username: 'name-b' },
      },
    });
    tracker.untrackAll('b');
    flush();
    expect(parties.size).toBe(0);
  });

  it('sweep: closes parties whose members are gone and drops requests of departed sessions', () => {
    const { tracker, sessions, parties, connect } = bed();
    const [a, b, c] = [connect('a'), connect('b'), connect('c')];
    const lonely = parties.create(a, open);
    const guarded = parties.create(b, closed);
    parties.join(c, guarded.party_id);
    expect(parties.joinRequests(b, guarded.party_id).presences).toHaveLength(1);
    // Gone without the presence events having been delivered yet.
    tracker.untrack('a', tracker.streamsOf('a')[0]!);
    sessions.delete('c');
    parties.sweep();
    expect(parties.size).toBe(1);
    expect(() => parties.join(c, lonely.party_id)).toThrow('Error joining party: party not found');
    expect(parties.joinRequests(b, guarded.party_id).presences).toEqual([]);
  });

  it('bounds parties per server and per session', () => {
    const { parties, connect } = bed({ maxParties: 2, maxPerSession: 1 });
    const [a, b, c] = [connect('a'), connect('b'), connect('c')];
    const first = parties.create(a, open);
    expect(() => parties.create(a, open)).toThrow(
      'Failed to create party: too many parties for this session (1)',
    );
    expect(() => parties.join(a, parties.create(b, open).party_id)).toThrow(
      'Error joining party: too many parties for this session (1)',
    );
    expect(() => parties.create(c, open)).toThrow(
      'Failed to create party: too many parties on this server (2)',
    );
    // A member re-joining its own open party is a no-op, not a new membership.
    expect(parties.join(a, first.party_id)?.party.presences).toHaveLength(1);
  });

  it('a closed party holds at most max_size join requests', () => {
    const { parties, connect } = bed();
    const leader = connect('leader');
    const party = parties.create(leader, { ...closed, maxSize: 2 });
    parties.join(connect('r1'), party.party_id);
    parties.join(connect('r2'), party.party_id);
    expect(() => parties.join(connect('r3'), party.party_id)).toThrow(
      'Error joining party: party join requests full',
    );
  });
});
