import { describe, expect, it } from 'vitest';
import { isUuid, uuidV7Time } from './ids.ts';
import { MonotonicUuidV7 } from './monotonic-uuid.ts';

describe('MonotonicUuidV7', () => {
  it('increases strictly within a millisecond, across counter overflow and when the clock steps back', () => {
    const gen = new MonotonicUuidV7();
    const t = Date.UTC(2025, 2, 1);
    const ids = [
      ...Array.from({ length: 5000 }, () => gen.next(t)),
      gen.next(t - 10_000),
      gen.next(t + 5),
      gen.next(t + 5),
    ];
    for (const id of ids) expect(isUuid(id)).toBe(true);
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);
    expect(uuidV7Time(ids[0]!)).toBe(t);
    // 5000 ids overflow the 12-bit counter once: the timestamp borrows the next millisecond.
    expect(uuidV7Time(ids[4999]!)).toBe(t + 1);
    expect(uuidV7Time(ids.at(-1)!)).toBe(t + 5);
  });
});
