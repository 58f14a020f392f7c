import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newUuidV7 } from '../shared/ids.ts';
import {
  type CursorFilterValue,
  cursorFields,
  defineCursor,
  InvalidCursorError,
  MAX_CURSOR_LENGTH,
} from './cursor.ts';

/** A leaderboard-like listing: every field kind at once. */
const RECORD_FIELDS = [
  cursorFields.int64,
  cursorFields.int,
  cursorFields.time,
  cursorFields.uuid,
  cursorFields.text(64),
  cursorFields.bool,
] as const;
const records = defineCursor('leaderboard.records', RECORD_FIELDS);
const notifications = defineCursor('notifications', [cursorFields.time, cursorFields.uuid]);

const position = fc.tuple(
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
  fc.integer({ min: -8.64e15, max: 8.64e15 }).map((ms) => new Date(ms)),
  fc.uuid().map((u) => u.toLowerCase()),
  fc.string({ maxLength: 64, unit: 'grapheme' }).filter((s) => s.length <= 64),
  fc.boolean(),
);
const filterValue: fc.Arbitrary<CursorFilterValue> = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
);
const filter = fc.array(filterValue, { maxLength: 4 });

const refused = (fn: () => unknown) => expect(fn).toThrow(InvalidCursorError);

describe('cursor codec', () => {
  it('round-trips every position and filter', () => {
    fc.assert(
      fc.property(position, filter, (p, f) => {
        const cursor = records.encode(p, f);
        expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
        expect(records.decode(cursor, f)).toEqual(p);
      }),
    );
  });

  it('reads a cursor written by an earlier release (the check is computed the same way)', () => {
    // Encoded by the release that hashed with createHash; clients may hold such cursors.
    const earlier =
      'WzEsIk9pSzVOUW9Ldll4dyIsMTcwMDAwMDAwMDEyMywiMDE5MGExYjItYzNkNC03ZTVmLThhOWItMGMxZDJlM2Y0YTViIl0';
    const f = ['user-1', 7, true, null];
    const p = [new Date(1_700_000_000_123), '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b'] as const;
    expect(notifications.decode(earlier, f)).toEqual(p);
    expect(notifications.encode(p, f)).toBe(earlier);
  });

  it('encodes the start of a listing (no position) as its own cursor', () => {
    const user = newUuidV7(0);
    const start = notifications.encode(null, [user]);
    expect(notifications.decode(start, [user])).toBeNull();
    refused(() => notifications.decode(start, [newUuidV7(0)]));
  });

  it('refuses a cursor of another query: other filter values or another listing', () => {
    const other = defineCursor('leaderboard.other', RECORD_FIELDS);
    fc.assert(
      fc.property(position, filter, filter, (p, f, g) => {
        fc.pre(JSON.stringify(f) !== JSON.stringify(g));
        const cursor = records.encode(p, f);
        refused(() => records.decode(cursor, g));
        refused(() => other.decode(cursor, f));
      }),
    );
  });

  it('refuses a cursor with any one character changed, or cut short', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    fc.assert(
      fc.property(position, filter, fc.nat(), fc.nat({ max: 63 }), (p, f, at, replacement) => {
        const cursor = records.encode(p, f);
        const i = at % cursor.length;
        const changed = cursor.slice(0, i) + alphabet[replacement] + cursor.slice(i + 1);
        fc.pre(changed !== cursor);
        refused(() => records.decode(changed, f));
        refused(() => records.decode(cursor.slice(0, i), f));
      }),
    );
  });

  it('refuses garbage', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.base64String(), fc.string({ unit: 'binary' })), (text) => {
        refused(() => records.decode(text));
      }),
    );
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const uuid = newUuidV7(5);
    const cursor = notifications.encode([new Date(5), uuid]);
    const [version, check, time, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as unknown[];
    for (const bad of [
      '',
      '%%%',
      'x'.repeat(MAX_CURSOR_LENGTH + 1),
      b64({ not: 'an array' }),
      b64([2, check, time, id]), // another format version
      b64([version, check, time]), // too few values
      b64([version, check, time, id, 'extra']),
      b64([version, check, String(time), id]), // wrong types
      b64([version, check, time, String(id).toUpperCase()]),
      `${cursor}=`, // padding is not part of the format
      Buffer.from(JSON.stringify([version, check, time, id], null, 1)).toString('base64url'), // not canonical
    ]) {
      refused(() => notifications.decode(bad));
    }
    // The cursor the bad ones were made from is fine.
    expect(notifications.decode(cursor)).toEqual([new Date(5), uuid]);
  });

  it('refuses to encode a position that does not fit its fields (a bug, not bad input)', () => {
    expect(() => notifications.encode([new Date(Number.NaN), newUuidV7(0)])).toThrow(RangeError);
    expect(() => notifications.encode([new Date(0), 'NOT-A-UUID'])).toThrow(RangeError);
    expect(() => records.encode([2n ** 63n, 0, new Date(0), newUuidV7(0), '', true])).toThrow(RangeError);
    expect(() => records.encode([0n, 0.5, new Date(0), newUuidV7(0), '', true])).toThrow(RangeError);
    expect(() => records.encode([0n, 0, new Date(0), newUuidV7(0), 'x'.repeat(65), true])).toThrow(
      RangeError,
    );
    expect(() => notifications.encode([new Date(0), newUuidV7(0)], [Number.NaN])).toThrow(RangeError);
  });
});
