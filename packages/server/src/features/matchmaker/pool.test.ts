import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../shared/clock.ts';
import { parseQuery } from '../../shared/query/query.ts';
import { MatchmakerPool, type PoolTicket } from './pool.ts';

interface TicketSpec {
  query?: string;
  min?: number;
  max?: number;
  multiple?: number;
  strings?: Record<string, string>;
  numbers?: Record<string, number>;
  sessions?: string[];
}

let counter = 0;
function ticket(id: string, spec: TicketSpec = {}): PoolTicket {
  return {
    id,
    sessionIds: spec.sessions ?? [`s-${id}-${++counter}`],
    minCount: spec.min ?? 2,
    maxCount: spec.max ?? 2,
    countMultiple: spec.multiple ?? 1,
    query: parseQuery(spec.query ?? '*'),
    stringProperties: spec.strings ?? {},
    numericProperties: spec.numbers ?? {},
  };
}

function pool(maxIntervals = 1, maxCandidatesPerTicket?: number) {
  return new MatchmakerPool<PoolTicket>({ maxIntervals, maxCandidatesPerTicket, clock: new ManualClock() });
}

const ids = (groups: PoolTicket[][]) => groups.map((g) => g.map((t) => t.id));

describe('MatchmakerPool: mutual matching', () => {
  it('matches two tickets whose queries each hold for the other (nakama-js "basic match")', () => {
    const p = pool();
    p.add(ticket('a', { query: 'properties.a3:bar', strings: { a3: 'baz' } }));
    p.add(ticket('b', { query: 'properties.a3:baz', strings: { a3: 'bar' } }));
    expect(ids(p.process())).toEqual([['a', 'b']]);
    expect(p.size).toBe(0);
  });

  it('does not match when only one side is satisfied', () => {
    const p = pool();
    p.add(ticket('casual', { query: '+properties.mode:ranked', strings: { mode: 'casual' } }));
    p.add(ticket('ranked', { query: '+properties.mode:ranked', strings: { mode: 'ranked' } }));
    expect(p.process()).toEqual([]);
    expect(p.size).toBe(2);
  });

  it('does not match when neither query holds (nakama-js "add but not match")', () => {
    const p = pool();
    p.add(ticket('a', { query: 'properties.a5:bar', strings: { a5: 'baz' } }));
    p.add(ticket('b', { query: 'properties.a5:bar', strings: { a5: 'baz' } }));
    expect(p.process()).toEqual([]);
  });

  it('requires one of several should clauses when there is no must clause', () => {
    const p = pool();
    const q = 'properties.region:eu properties.region:us';
    p.add(ticket('asia', { query: q, strings: { region: 'asia' } }));
    p.add(ticket('eu', { query: q, strings: { region: 'eu' } }));
    expect(p.process()).toEqual([]);
    p.add(ticket('us', { query: q, strings: { region: 'us' } }));
    expect(ids(p.process())).toEqual([['eu', 'us']]);
  });

  it('matches on numeric ranges both ways, not when one value is out of range', () => {
    const q = '+properties.b1:>=10 +properties.b1:<=20';
    const inRange = pool();
    inRange.add(ticket('a', { query: q, numbers: { b1: 15 } }));
    inRange.add(ticket('b', { query: q, numbers: { b1: 15 } }));
    expect(inRange.process()).toHaveLength(1);
    const outOfRange = pool();
    outOfRange.add(ticket('a', { query: q, numbers: { b1: 25 } }));
    outOfRange.add(ticket('b', { query: q, numbers: { b1: 15 } }));
    expect(outOfRange.process()).toEqual([]);
  });

  it('keeps must-not clauses out of the group, for every pair', () => {
    const p = pool();
    p.add(ticket('a', { query: '-properties.region:us', strings: { region: 'eu' }, max: 3, min: 3 }));
    p.add(ticket('b', { query: '*', strings: { region: 'us' }, max: 3, min: 3 }));
    p.add(ticket('c', { query: '*', strings: { region: 'eu' }, max: 3, min: 3 }));
    p.add(ticket('d', { query: '*', strings: { region: 'asia' }, max: 3, min: 3 }));
    expect(ids(p.process())).toEqual([['a', 'c', 'd']]);
  });

  it('checks mutual matching between every pair, not just against the oldest ticket', () => {
    const p = pool();
    p.add(ticket('a', { query: '*', strings: { team: 'x' }, min: 3, max: 3 }));
    p.add(ticket('b', { query: '-properties.team:y', strings: { team: 'x' }, min: 3, max: 3 }));
    p.add(ticket('c', { query: '*', strings: { team: 'y' }, min: 3, max: 3 }));
    p.add(ticket('d', { query: '*', strings: { team: 'z' }, min: 3, max: 3 }));
    expect(ids(p.process())).toEqual([['a', 'b', 'd']]);
  });
});

describe('MatchmakerPool: sizes and order', () => {
  it('groups the oldest tickets first: 3 tickets for 2 slots leave the newest', () => {
    const p = pool();
    for (const id of ['t1', 't2', 't3'])
      p.add(ticket(id, { query: '+properties.id:x', strings: { id: 'x' } }));
    expect(ids(p.process())).toEqual([['t1', 't2']]);
    expect([...p.tickets()].map((t) => t.id)).toEqual(['t3']);
  });

  it('insists on max_count for max_intervals intervals, then accepts min_count', () => {
    const p = pool(2);
    for (const id of ['a', 'b', 'c']) p.add(ticket(id, { min: 2, max: 4 }));
    expect(p.process()).toEqual([]);
    expect(p.intervalsOf('a')).toBe(1);
    expect(ids(p.process())).toEqual([['a', 'b', 'c']]);
  });

  it('fills up to max_count at once when enough tickets wait', () => {
    const p = pool(3);
    for (const id of ['a', 'b', 'c', 'd', 'e']) p.add(ticket(id, { min: 2, max: 4 }));
    expect(ids(p.process())).toEqual([['a', 'b', 'c', 'd']]);
  });

  it('respects count_multiple: 3 patient-no-more tickets of multiple 2 give a match of 2', () => {
    const p = pool(1);
    for (const id of ['a', 'b', 'c']) p.add(ticket(id, { min: 2, max: 4, multiple: 2 }));
    expect(ids(p.process())).toEqual([['a', 'b']]);
    expect(p.process()).toEqual([]);
    p.add(ticket('d', { min: 2, max: 4, multiple: 2 }));
    expect(ids(p.process())).toEqual([['c', 'd']]);
  });

  it("takes every member's count_multiple into account", () => {
    const p = pool(1);
    p.add(ticket('a', { min: 2, max: 6, multiple: 3 }));
    p.add(ticket('b', { min: 2, max: 6, multiple: 2 }));
    for (const id of ['c', 'd', 'e', 'f']) p.add(ticket(id, { min: 2, max: 6 }));
    expect(ids(p.process())).toEqual([['a', 'b', 'c', 'd', 'e', 'f']]);
    const q = pool(1);
    q.add(ticket('a', { min: 2, max: 6, multiple: 3 }));
    q.add(ticket('b', { min: 2, max: 6, multiple: 2 }));
    for (const id of ['c', 'd', 'e']) q.add(ticket(id, { min: 2, max: 6 }));
    expect(q.process()).toEqual([]);
  });

  it('does not force a patient ticket into a smaller match than its max_count', () => {
    const p = pool(2);
    p.add(ticket('big', { min: 2, max: 4 }));
    p.add(ticket('pair1', { min: 2, max: 2 }));
    p.add(ticket('pair2', { min: 2, max: 2 }));
    expect(ids(p.process())).toEqual([['pair1', 'pair2']]);
    expect(p.get('big')).toBeDefined();
  });

  it('counts a party ticket as all its members and never groups a session twice', () => {
    const p = pool();
    p.add(ticket('party', { sessions: ['p1', 'p2'], min: 3, max: 3 }));
    p.add(ticket('solo-of-p1', { sessions: ['p1'], min: 3, max: 3 }));
    p.add(ticket('solo', { sessions: ['x'], min: 3, max: 3 }));
    expect(ids(p.process())).toEqual([['party', 'solo']]);
    expect(p.get('solo-of-p1')).toBeDefined();
  });

  it('never matches a session with itself', () => {
    const p = pool();
    p.add(ticket('one', { sessions: ['same'] }));
    p.add(ticket('two', { sessions: ['same'] }));
    expect(p.process()).toEqual([]);
  });

  it('skips tickets the caller marks unusable', () => {
    const p = pool();
    for (const id of ['a', 'gone', 'b']) p.add(ticket(id));
    expect(ids(p.process((t) => t.id !== 'gone'))).toEqual([['a', 'b']]);
    expect(p.get('gone')).toBeDefined();
  });
});

describe('MatchmakerPool: cost', () => {
  it('examines few candidates per ticket for selective queries (index, not a full scan)', () => {
    const p = pool();
    const n = 3000;
    for (let i = 0; i < n; i++) {
      const skill = (i * 7919) % n;
      p.add(
        ticket(`t${i}`, {
          query: `+properties.mode:m${i % 30} +properties.skill:>=${skill - 40} +properties.skill:<=${skill + 40}`,
          strings: { mode: `m${i % 30}` },
          numbers: { skill },
        }),
      );
    }
    const started = performance.now();
    const groups = p.process();
    const elapsed = performance.now() - started;
    expect(groups.length).toBeGreaterThan(n / 4);
    // A full scan would examine about n²/2 = 4.5 M candidates.
    expect(p.stats.candidatesExamined).toBeLessThan(n * 30);
    expect(elapsed).toBeLessThan(5000);
  });

  it('caps the candidates examined per ticket when nothing is indexable', () => {
    const p = pool(1, 10);
    for (let i = 0; i < 500; i++) p.add(ticket(`t${i}`, { query: '-properties.g:*', strings: { g: 'x' } }));
    expect(p.process()).toEqual([]);
    expect(p.stats.candidatesExamined).toBeLessThanOrEqual(500 * 10);
  });

  it('finds nothing to examine when no ticket has the required value', () => {
    const p = pool();
    for (let i = 0; i < 1000; i++) p.add(ticket(`t${i}`, { query: 'properties.x:1', strings: { x: '2' } }));
    expect(p.process()).toEqual([]);
    expect(p.stats.candidatesExamined).toBe(0);
  });
});
