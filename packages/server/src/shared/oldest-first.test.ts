import { describe, expect, it } from 'vitest';
import { OldestFirst } from './oldest-first.ts';

describe('OldestFirst', () => {
  it('evicts in insertion order, and undefined from an empty map', () => {
    const map = new Map([
      ['a', 1],
      ['b', 2],
    ]);
    const oldest = new OldestFirst(map);
    expect(oldest.evict()).toBe('a');
    map.set('c', 3);
    map.set('a', 4);
    expect(oldest.evict()).toBe('b');
    expect(oldest.evict()).toBe('c');
    expect(oldest.evict()).toBe('a');
    expect(oldest.evict()).toBeUndefined();
    map.set('d', 5);
    expect(oldest.evict()).toBe('d');
    expect(map.size).toBe(0);
  });

  it('evicts what map.keys().next() names, through deletes, re-inserts, clears and compactions', () => {
    // The same operations on two maps: one evicted the plain way, one with OldestFirst.
    const plain = new Map<number, number>();
    const fast = new Map<number, number>();
    const oldest = new OldestFirst(fast);
    const max = 500;
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    for (let i = 0; i < 50_000; i++) {
      const key = Math.floor(random() * 3000);
      const op = random();
      if (op < 0.1) {
        plain.delete(key);
        fast.delete(key);
      } else if (op < 0.1002) {
        plain.clear();
        fast.clear();
      } else {
        if (!plain.has(key) && plain.size >= max) {
          const expected = plain.keys().next().value;
          plain.delete(expected as number);
          expect(oldest.evict()).toBe(expected);
        }
        plain.set(key, i);
        fast.set(key, i);
      }
      if (i % 997 === 0) expect([...fast]).toEqual([...plain]);
    }
    expect([...fast]).toEqual([...plain]);
  });
});
