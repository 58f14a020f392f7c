import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatTimestamp } from './timestamp.ts';

/** The reference: `toISOString` cut to whole seconds. */
const reference = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;

describe('formatTimestamp', () => {
  it('writes whole-second UTC RFC 3339, from a Date or Unix milliseconds', () => {
    expect(formatTimestamp(new Date('2025-03-01T12:34:56.789Z'))).toBe('2025-03-01T12:34:56Z');
    expect(formatTimestamp(0)).toBe('1970-01-01T00:00:00Z');
    expect(formatTimestamp(-1)).toBe('1969-12-31T23:59:59Z');
    expect(formatTimestamp(951_782_400_000)).toBe('2000-02-29T00:00:00Z');
  });

  it('is the same as toISOString cut to seconds, at the range edges and beyond them', () => {
    for (const ms of [
      -30_610_224_000_001, -30_610_224_000_000, 253_402_300_799_999, 253_402_300_800_000, -62_198_755_200_000,
      8.64e15, -8.64e15,
    ]) {
      expect(formatTimestamp(ms)).toBe(reference(ms));
    }
    expect(() => formatTimestamp(Number.NaN)).toThrow(RangeError);
    expect(() => formatTimestamp(new Date(Number.NaN))).toThrow(RangeError);
  });

  it('is the same as toISOString cut to seconds for any valid time', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: -30_610_224_000_000, max: 253_402_300_799_999 }),
          fc.integer({ min: -8.64e15, max: 8.64e15 }),
        ),
        (ms) => {
          expect(formatTimestamp(ms)).toBe(reference(ms));
          expect(formatTimestamp(new Date(ms))).toBe(reference(ms));
        },
      ),
      { numRuns: 20_000 },
    );
  });
});
