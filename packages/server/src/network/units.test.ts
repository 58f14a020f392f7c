import { describe, expect, it } from 'vitest';
import { EventQueue } from './event-queue.ts';
import { IdPool } from './socket-ids.ts';

describe('IdPool', () => {
  it('hands out small ids and reuses the one released longest ago', () => {
    const ids = new IdPool();
    expect([ids.take(), ids.take(), ids.take()]).toEqual([0, 1, 2]);
    ids.release(1);
    ids.release(0);
    expect([ids.take(), ids.take(), ids.take()]).toEqual([1, 0, 3]);
  });
});

describe('EventQueue', () => {
  it('is FIFO, refuses past its limit, and accepts forced items', () => {
    const q = new EventQueue<number>(2);
    expect([q.push(1), q.push(2), q.push(3)]).toEqual([true, true, false]);
    expect(q.push(4, true)).toBe(true);
    expect([q.shift(), q.shift(), q.shift(), q.shift()]).toEqual([1, 2, 4, undefined]);
  });

  it('stays FIFO across compaction', () => {
    const q = new EventQueue<number>(5000);
    for (let i = 0; i < 3000; i++) q.push(i);
    const out: number[] = [];
    for (let i = 0; i < 2000; i++) out.push(q.shift()!);
    for (let i = 3000; i < 4000; i++) q.push(i);
    while (q.length) out.push(q.shift()!);
    expect(out).toEqual(Array.from({ length: 4000 }, (_, i) => i));
  });
});
