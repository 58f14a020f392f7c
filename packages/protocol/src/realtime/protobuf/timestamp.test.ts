import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatTimestamp, parseTimestamp } from './timestamp.ts';

describe('RFC 3339 ↔ Timestamp', () => {
  it.each([
    ['1970-01-01T00:00:00Z', 0, 0],
    ['2024-01-02T03:04:05.5Z', 1704164645, 500_000_000],
    ['2024-01-02T03:04:05.000001Z', 1704164645, 1000],
    ['2024-01-02T03:04:05.123456789Z', 1704164645, 123_456_789],
    ['2024-01-02T04:34:05+01:30', 1704164645, 0],
    ['2024-01-01T22:04:05-05:00', 1704164645, 0],
    ['0001-01-01T00:00:00Z', -62135596800, 0],
    ['9999-12-31T23:59:59.999999999Z', 253402300799, 999_999_999],
    ['2024-02-29t12:00:00z', 1709208000, 0],
  ])('parses %s', (text, seconds, nanos) => {
    expect(parseTimestamp(text)).toEqual({ seconds, nanos });
  });

  it.each([
    '2023-02-29T00:00:00Z',
    '2024-13-01T00:00:00Z',
    '2024-01-01T24:00:00Z',
    '2024-01-01T00:00:60Z',
    '2024-01-01T00:00:00',
    '2024-01-01 00:00:00Z',
    '2024-01-01T00:00:00.1234567891Z',
    '0001-01-01T00:00:00+00:01',
    '',
  ])('rejects %s', (text) => {
    expect(parseTimestamp(text)).toBeUndefined();
  });

  it('formats with 0, 3, 6 or 9 fractional digits, as proto3 JSON does', () => {
    expect(formatTimestamp(1704164645, 0)).toBe('2024-01-02T03:04:05Z');
    expect(formatTimestamp(1704164645, 500_000_000)).toBe('2024-01-02T03:04:05.500Z');
    expect(formatTimestamp(1704164645, 1000)).toBe('2024-01-02T03:04:05.000001Z');
    expect(formatTimestamp(1704164645, 7)).toBe('2024-01-02T03:04:05.000000007Z');
    expect(formatTimestamp(-62135596800, 0)).toBe('0001-01-01T00:00:00Z');
    expect(formatTimestamp(253402300800, 0)).toBeUndefined();
    expect(formatTimestamp(0, 1_000_000_000)).toBeUndefined();
    expect(formatTimestamp(0, -1)).toBeUndefined();
  });

  it('round-trips every valid Timestamp', () => {
    const ts = fc.record({
      seconds: fc.integer({ min: -62135596800, max: 253402300799 }),
      nanos: fc.integer({ min: 0, max: 999_999_999 }),
    });
    fc.assert(
      fc.property(ts, ({ seconds, nanos }) => {
        expect(parseTimestamp(formatTimestamp(seconds, nanos)!)).toEqual({ seconds, nanos });
      }),
    );
  });
});
