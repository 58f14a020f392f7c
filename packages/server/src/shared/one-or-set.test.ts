import { describe, expect, it } from 'vitest';
import { addTo, holds, type OneOrSet, removeFrom, sizeOf, valuesOf } from './one-or-set.ts';

describe('OneOrSet multimap helpers', () => {
  it('keeps one value as it is, a Set from the second, and drops the key when empty', () => {
    const map = new Map<string, OneOrSet<string>>();
    addTo(map, 'k', 'a');
    addTo(map, 'k', 'a');
    expect(map.get('k')).toBe('a');
    expect(sizeOf(map.get('k'))).toBe(1);
    addTo(map, 'k', 'b');
    expect(map.get('k')).toBeInstanceOf(Set);
    expect(valuesOf(map.get('k'))).toEqual(['a', 'b']);
    expect(holds(map.get('k'), 'b')).toBe(true);
    expect(removeFrom(map, 'k', 'c')).toBe(false);
    expect(removeFrom(map, 'k', 'a')).toBe(true);
    expect(valuesOf(map.get('k'))).toEqual(['b']);
    expect(removeFrom(map, 'k', 'b')).toBe(true);
    expect(map.has('k')).toBe(false);
    addTo(map, 'j', 'x');
    expect(removeFrom(map, 'j', 'y')).toBe(false);
    expect(removeFrom(map, 'j', 'x')).toBe(true);
    expect(map.size).toBe(0);
    expect(sizeOf(map.get('j'))).toBe(0);
    expect(holds(map.get('j'), 'x')).toBe(false);
    expect(valuesOf(map.get('j'))).toEqual([]);
  });
});
