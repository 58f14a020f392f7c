import { describe, expect, it } from 'vitest';
import { TurnBatcher } from './turn-batcher.ts';

describe('TurnBatcher', () => {
  it('schedules once per turn, runs work in request order, and defers work added during a run', () => {
    const scheduled: (() => void)[] = [];
    const batcher = new TurnBatcher((fn) => scheduled.push(fn));
    const ran: string[] = [];
    batcher.defer(() => ran.push('a'));
    batcher.defer(() => {
      ran.push('b');
      batcher.defer(() => ran.push('late'));
    });
    batcher.defer(() => {
      throw new Error('one bad flush');
    });
    batcher.defer(() => ran.push('c'));
    expect(scheduled).toHaveLength(1);
    scheduled.shift()!();
    expect(ran).toEqual(['a', 'b', 'c']);
    expect(scheduled).toHaveLength(1);
    scheduled.shift()!();
    expect(ran).toEqual(['a', 'b', 'c', 'late']);
  });

  it('flushes added targets with their own flush, in order, with deferred work', () => {
    const scheduled: (() => void)[] = [];
    const batcher = new TurnBatcher((fn) => scheduled.push(fn));
    const ran: string[] = [];
    const target = (name: string) => ({ flush: () => ran.push(name) });
    batcher.add(target('x'));
    batcher.defer(() => ran.push('fn'));
    batcher.add(target('y'));
    expect(scheduled).toHaveLength(1);
    scheduled.shift()!();
    expect(ran).toEqual(['x', 'fn', 'y']);
  });
});
