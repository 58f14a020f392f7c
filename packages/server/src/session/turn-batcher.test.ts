import { describe, expect, it } from 'vitest';
import { TurnBatcher } from './turn-batcher.ts';

/** Queues a closure as a flushable target. */
const defer = (batcher: TurnBatcher, fn: () => void) => batcher.add({ flush: fn });

describe('TurnBatcher', () => {
  it('schedules once per turn, runs work in request order, and defers work added during a run', () => {
    const scheduled: (() => void)[] = [];
    const batcher = new TurnBatcher((fn) => scheduled.push(fn));
    const ran: string[] = [];
    defer(batcher, () => ran.push('a'));
    defer(batcher, () => {
      ran.push('b');
      defer(batcher, () => ran.push('late'));
    });
    defer(batcher, () => {
      throw new Error('one bad flush');
    });
    defer(batcher, () => ran.push('c'));
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
    defer(batcher, () => ran.push('fn'));
    batcher.add(target('y'));
    expect(scheduled).toHaveLength(1);
    scheduled.shift()!();
    expect(ran).toEqual(['x', 'fn', 'y']);
  });
});
