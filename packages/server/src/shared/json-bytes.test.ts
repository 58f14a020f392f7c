import { describe, expect, it } from 'vitest';
import { JsonBytes } from './json-bytes.ts';

describe('JsonBytes', () => {
  it('writes strings and numbers as JSON.stringify does, growing its scratch buffer', () => {
    const strings = ['', 'ascii', 'ü', '🎮', 'a"b\\c', '\u0000\u001f\u007f', '\ud800', 'x'.repeat(5000)];
    const numbers = [0, 7, 2 ** 53 - 1, 2 ** 53, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 1e21];
    const w = new JsonBytes(8);
    for (let round = 0; round < 2; round++) {
      w.reset().raw('[');
      for (const [i, s] of strings.entries()) (i === 0 ? w : w.raw(',')).string(s);
      for (const n of numbers) w.raw(',').number(n);
      for (const n of [0, 42, 2 ** 40]) w.raw(',').intString(n);
      const bigints = [0n, 1n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 63n - 1n, -5n];
      for (const b of bigints) w.raw(',').bigintString(b);
      w.raw(']');
      const expected = JSON.stringify([
        ...strings,
        ...numbers,
        '0',
        '42',
        String(2 ** 40),
        ...bigints.map(String),
      ]);
      expect(w.bytes().toString('utf8')).toBe(expected);
    }
  });
});
