/**
 * The sort key of one leaderboard record in a rank index, packed into eight 32-bit words so that
 * comparing two records is comparing two short runs of a `Uint32Array`, word by word, unsigned:
 *
 * | words | holds |
 * |---|---|
 * | 0, 1 | score: high word with its sign bit flipped, then low word |
 * | 2, 3 | subscore, the same way |
 * | 4–7 | owner id: the 16 bytes of the UUID, big-endian |
 *
 * This is Nakama's rank order (score, then subscore, then owner id as bytes, which for UUIDs in
 * canonical lowercase text is also text order). Flipping the sign bit makes unsigned word order equal
 * signed int64 order, so every int64 is exact: there is no separate BigInt path to keep fast. For a
 * descending board every word is complemented before it is stored ({@link DESCENDING_MASK}); the
 * index then always keeps keys ascending, and rank 1 is the smallest stored key in both orders.
 *
 * @packageDocumentation
 */
import { DomainError, ErrorKind } from '../../shared/domain-error.ts';

/** Words in one packed key. */
export const KEY_WORDS = 8;
/** XOR mask applied to every word of a key on a descending board. */
export const DESCENDING_MASK = 0xffffffff;

/** A score or subscore: a number when it is a safe integer, a bigint otherwise (int64 range). */
export type Int64 = number | bigint;

const TWO_32 = 4294967296;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Why a rank index refused an input. */
export const RankIndexFault = {
  INVALID_OWNER_ID: 'INVALID_OWNER_ID',
  INVALID_SCORE: 'INVALID_SCORE',
  INVALID_RANK: 'INVALID_RANK',
  UNSORTED_LOAD: 'UNSORTED_LOAD',
  DUPLICATE_OWNER: 'DUPLICATE_OWNER',
  INDEX_FULL: 'INDEX_FULL',
  INVALID_PERIOD: 'INVALID_PERIOD',
  ORDER_MISMATCH: 'ORDER_MISMATCH',
} as const;
export type RankIndexFault = (typeof RankIndexFault)[keyof typeof RankIndexFault];

/**
 * Bad input to a rank index. It is a {@link DomainError} (invalid argument, or resource exhausted for
 * a full index) so that one leaking past the leaderboard service still maps to a sensible status;
 * `fault` says which rule was broken.
 */
export class RankIndexError extends DomainError {
  readonly fault: RankIndexFault;

  constructor(fault: RankIndexFault, message: string) {
    super(
      fault === RankIndexFault.INDEX_FULL ? ErrorKind.RESOURCE_EXHAUSTED : ErrorKind.INVALID_ARGUMENT,
      message,
    );
    this.fault = fault;
  }
}

/**
 * Writes `value` as two words at `out[at]`, `out[at + 1]`, XORed with `mask`. Numbers must be safe
 * integers (a larger number has already lost its exact value, so it is refused, not rounded);
 * bigints must fit int64.
 */
export function encodeInt64(value: Int64, out: Uint32Array, at: number, mask: number, what: string): void {
  let hi: number;
  let lo: number;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      throw new RankIndexError(
        RankIndexFault.INVALID_SCORE,
        `${what} must be an integer within ±(2^53 - 1) or a bigint`,
      );
    }
    hi = Math.floor(value / TWO_32);
    lo = value - hi * TWO_32;
  } else if (typeof value === 'bigint') {
    if (value < INT64_MIN || value > INT64_MAX) {
      throw new RankIndexError(RankIndexFault.INVALID_SCORE, `${what} is outside the int64 range`);
    }
    hi = Number(BigInt.asIntN(32, value >> 32n));
    lo = Number(BigInt.asUintN(32, value));
  } else {
    throw new RankIndexError(RankIndexFault.INVALID_SCORE, `${what} must be a number or a bigint`);
  }
  out[at] = (hi ^ 0x80000000 ^ mask) >>> 0;
  out[at + 1] = (lo ^ mask) >>> 0;
}

/** Reads back what {@link encodeInt64} wrote with the same `mask`. */
export function decodeInt64(words: Uint32Array, at: number, mask: number): Int64 {
  const hi = (words[at]! ^ mask ^ 0x80000000) | 0;
  const lo = (words[at + 1]! ^ mask) >>> 0;
  const n = hi * TWO_32 + lo;
  // When hi is outside ±2^21 the sum is at least 2^53 in size, so the check cannot be fooled by rounding.
  if (Number.isSafeInteger(n)) return n;
  return (BigInt(hi) << 32n) + BigInt(lo);
}

/** Hex digit values by char code (-1 for anything else); a table beats range tests in this hot loop. */
const HEX_VALUES: Int8Array = (() => {
  const table = new Int8Array(128).fill(-1);
  for (let d = 0; d < 10; d++) table[48 + d] = d;
  for (let d = 0; d < 6; d++) {
    table[65 + d] = 10 + d;
    table[97 + d] = 10 + d;
  }
  return table;
})();

/**
 * Writes the 16 bytes of a UUID in canonical text form (8-4-4-4-12 hex digits, either case) as four
 * big-endian words at `out[at..at + 3]`, XORed with `mask`. Refuses anything else.
 */
export function encodeUuid(id: string, out: Uint32Array, at: number, mask: number): void {
  if (typeof id !== 'string' || id.length !== 36) throw invalidOwner(id);
  let word = 0;
  let digits = 0;
  let w = at;
  for (let i = 0; i < 36; i++) {
    const c = id.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 45) throw invalidOwner(id);
      continue;
    }
    const v = c < 128 ? HEX_VALUES[c]! : -1;
    if (v < 0) throw invalidOwner(id);
    word = (word << 4) | v;
    if (++digits === 8) {
      out[w++] = (word ^ mask) >>> 0;
      word = 0;
      digits = 0;
    }
  }
}

function invalidOwner(id: unknown): RankIndexError {
  const shown = typeof id === 'string' ? JSON.stringify(id.slice(0, 64)) : typeof id;
  return new RankIndexError(RankIndexFault.INVALID_OWNER_ID, `owner id must be a UUID, got ${shown}`);
}

const HEX_BYTES: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function hexWord(word: number): string {
  return (
    HEX_BYTES[word >>> 24]! +
    HEX_BYTES[(word >>> 16) & 0xff]! +
    HEX_BYTES[(word >>> 8) & 0xff]! +
    HEX_BYTES[word & 0xff]!
  );
}

/** The canonical lowercase text of the UUID that {@link encodeUuid} wrote with the same `mask`. */
export function decodeUuid(words: Uint32Array, at: number, mask: number): string {
  const a = hexWord((words[at]! ^ mask) >>> 0);
  const b = hexWord((words[at + 1]! ^ mask) >>> 0);
  const c = hexWord((words[at + 2]! ^ mask) >>> 0);
  const d = hexWord((words[at + 3]! ^ mask) >>> 0);
  return `${a}-${b.slice(0, 4)}-${b.slice(4)}-${c.slice(0, 4)}-${c.slice(4)}${d}`;
}

/** Compares the keys at `a[ai..]` and `b[bi..]`: negative, zero or positive, like a sort comparator. */
export function compareKeys(a: Uint32Array, ai: number, b: Uint32Array, bi: number): number {
  for (let w = 0; w < KEY_WORDS; w++) {
    const x = a[ai + w]!;
    const y = b[bi + w]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
