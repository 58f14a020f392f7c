/**
 * A generic keyset-pagination cursor codec. A cursor carries a position in a listing's sort order (an
 * ordered tuple of sort values, e.g. `(create time, id)` or `(score, subscore, owner id)`) and a
 * check bound to the query it belongs to (the listing's name and its filter values: channel, user,
 * direction, ...). Decoding validates every field and refuses a cursor of another query.
 *
 * Format: base64url (no padding) of the JSON array `[version, check, ...position]`, where `check` is
 * 72 bits of SHA-256 over the version, listing name, filter values and position. Cursors are opaque to
 * clients but not secret, and the check is not a MAC: it catches a cursor reused with another query,
 * corruption and casual edits, while a deliberately forged cursor still only passes the per-field
 * validation and can only select rows the caller could list anyway. No SQL here.
 */
import { digestBase64url } from '../shared/digest.ts';
import { isUuid } from '../shared/ids.ts';

/** Thrown by a list query for a cursor that is malformed or belongs to another listing. */
export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
  constructor(message = 'Cursor is invalid or expired.') {
    super(message);
  }
}

/** Version tag of the format; a later format bumps it and old cursors are refused cleanly. */
const CURSOR_FORMAT = 1;
/** Longest cursor encoded or accepted. */
export const MAX_CURSOR_LENGTH = 1024;
const CHECK_LENGTH = 12;

/** A JSON-safe value written into a cursor. */
type Raw = string | number | boolean;

/** How one sort value is written into a cursor, and validated when read back. */
export interface CursorField<T> {
  /** Returns the JSON form; throws RangeError for a value that cannot be a position (a bug). */
  write(value: T): Raw;
  /** Returns the value, or undefined when `raw` is not a valid one (the cursor is refused). */
  read(raw: unknown): T | undefined;
}

/** A filter value a cursor is bound to: the query's parameters. */
export type CursorFilterValue = string | number | boolean | null;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** The field types positions are made of. */
export const cursorFields = {
  /** A safe integer. */
  int: {
    write(v: number) {
      if (!Number.isSafeInteger(v)) throw new RangeError(`cursor int must be a safe integer, got ${v}`);
      return v === 0 ? 0 : v; // JSON has no -0
    },
    read: (raw: unknown) => (typeof raw === 'number' && Number.isSafeInteger(raw) ? raw : undefined),
  } satisfies CursorField<number>,
  /** A 64-bit signed integer (leaderboard scores), written as decimal text so no precision is lost. */
  int64: {
    write(v: bigint) {
      if (v < INT64_MIN || v > INT64_MAX) throw new RangeError(`cursor int64 out of range: ${v}`);
      return v.toString();
    },
    read(raw: unknown) {
      if (typeof raw !== 'string' || !/^(0|-?[1-9][0-9]{0,18})$/.test(raw)) return undefined;
      const v = BigInt(raw);
      return v >= INT64_MIN && v <= INT64_MAX ? v : undefined;
    },
  } satisfies CursorField<bigint>,
  /** A time, kept to the millisecond (as stored). */
  time: {
    write(v: Date) {
      const ms = v.getTime();
      if (!Number.isSafeInteger(ms)) throw new RangeError('cursor time must be a valid date');
      return ms;
    },
    read: (raw: unknown) =>
      typeof raw === 'number' && Number.isSafeInteger(raw) && Math.abs(raw) <= 8.64e15
        ? new Date(raw)
        : undefined,
  } satisfies CursorField<Date>,
  /** A lower-case UUID, as ids are stored. */
  uuid: {
    write(v: string) {
      if (!isLowerUuid(v)) throw new RangeError(`cursor uuid must be a lower-case UUID, got ${v}`);
      return v;
    },
    read: (raw: unknown) => (isLowerUuid(raw) ? raw : undefined),
  } satisfies CursorField<string>,
  bool: {
    write: (v: boolean) => v,
    read: (raw: unknown) => (typeof raw === 'boolean' ? raw : undefined),
  } satisfies CursorField<boolean>,
  /** Text of at most `maxLength` UTF-16 code units (names, keys). */
  text(maxLength = 256): CursorField<string> {
    return {
      write(v: string) {
        if (v.length > maxLength) throw new RangeError(`cursor text longer than ${maxLength}`);
        return v;
      },
      read: (raw: unknown) => (typeof raw === 'string' && raw.length <= maxLength ? raw : undefined),
    };
  },
} as const;

/** The position tuple described by a list of fields. */
export type CursorPosition<F extends readonly CursorField<unknown>[]> = {
  readonly [K in keyof F]: F[K] extends CursorField<infer T> ? T : never;
};

/**
 * Encodes and decodes the cursors of one listing. A `null` position is the start of the listing
 * ("nothing seen yet"): useful as a cacheable cursor of an empty page.
 */
export interface CursorCodec<P extends readonly unknown[]> {
  readonly listing: string;
  /** Throws RangeError for a position that does not fit the fields (a bug, not bad input). */
  encode(position: P | null, filter?: readonly CursorFilterValue[]): string;
  /** Throws {@link InvalidCursorError} for garbage, a tampered cursor or one of another query. */
  decode(cursor: string, filter?: readonly CursorFilterValue[]): P | null;
}

/**
 * Defines the cursor of one listing: `listing` names it (`notifications`, `chat.history`, ...) so two
 * listings with the same filter values never accept each other's cursors.
 */
export function defineCursor<const F extends readonly CursorField<unknown>[]>(
  listing: string,
  fields: F,
): CursorCodec<CursorPosition<F>> {
  if (listing === '' || fields.length === 0) throw new RangeError('a cursor needs a listing name and fields');
  type P = CursorPosition<F>;
  const check = (raw: readonly Raw[], filter: readonly CursorFilterValue[]) =>
    digestBase64url('sha256', JSON.stringify([CURSOR_FORMAT, listing, filter, raw])).slice(0, CHECK_LENGTH);
  return {
    listing,
    encode(position, filter = []) {
      assertFilter(filter);
      let raw: Raw[] = [];
      if (position !== null) {
        if (position.length !== fields.length) {
          throw new RangeError(`${listing} cursor needs ${fields.length} values, got ${position.length}`);
        }
        raw = fields.map((f, i) => f.write(position[i]));
      }
      const text = Buffer.from(JSON.stringify([CURSOR_FORMAT, check(raw, filter), ...raw])).toString(
        'base64url',
      );
      if (text.length > MAX_CURSOR_LENGTH)
        throw new RangeError(`${listing} cursor longer than ${MAX_CURSOR_LENGTH}`);
      return text;
    },
    decode(cursor, filter = []) {
      assertFilter(filter);
      const value = parse(cursor);
      if (value[0] !== CURSOR_FORMAT || typeof value[1] !== 'string') throw new InvalidCursorError();
      const raw = value.slice(2);
      if (raw.length !== 0 && raw.length !== fields.length) throw new InvalidCursorError();
      const position: unknown[] = [];
      for (const [i, r] of raw.entries()) {
        const v = fields[i]!.read(r);
        if (v === undefined) throw new InvalidCursorError();
        position.push(v);
      }
      if (value[1] !== check(raw as Raw[], filter)) throw new InvalidCursorError();
      return raw.length === 0 ? null : (position as unknown as P);
    },
  };
}

/** The JSON array inside a cursor, accepted only in the exact form `encode` writes. */
function parse(cursor: unknown): unknown[] {
  if (typeof cursor !== 'string' || cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH) {
    throw new InvalidCursorError();
  }
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw new InvalidCursorError();
  const bytes = Buffer.from(cursor, 'base64url');
  // Non-canonical base64 (stray low bits in the last character) would decode to the same bytes.
  if (bytes.toString('base64url') !== cursor) throw new InvalidCursorError();
  const json = bytes.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new InvalidCursorError();
  }
  // Only the canonical text: no padding, escapes or number spellings that mean the same values.
  if (!Array.isArray(value) || JSON.stringify(value) !== json) throw new InvalidCursorError();
  return value;
}

function assertFilter(filter: readonly CursorFilterValue[]): void {
  for (const v of filter) {
    if (typeof v === 'number' && !Number.isFinite(v))
      throw new RangeError('cursor filter numbers must be finite');
  }
}

function isLowerUuid(v: unknown): v is string {
  return typeof v === 'string' && isUuid(v) && v === v.toLowerCase();
}
