/**
 * Zod building blocks for proto3 JSON fields, shared by every client-to-server message schema.
 *
 * Decoding follows proto3 JSON rules so that any Nakama client works, not just nakama-js:
 * - an absent field or `null` means the zero value (`""`, `0`, `false`, `[]`, `{}`), and the decoded
 *   body always has it, so server code never checks for `undefined` on plain fields;
 * - wrapper types (`StringValue`, `BoolValue`, `Int32Value`) stay `undefined` when absent, because
 *   "absent" means something there (e.g. `status_update` without `status` means "appear offline");
 * - int32/int64/double accept a JSON number or a numeric string (protojson accepts both);
 * - unknown keys are stripped, never rejected (see `messages.ts`).
 *
 * Field-level failures are reported as zod issues with `params.reason`; `envelope.ts` turns them into
 * "Invalid <message>.<field>: <reason>" texts. Checks that have a fixed Nakama message use that exact
 * text instead.
 *
 * @packageDocumentation
 */

import * as z from 'zod';
import { normalizeBase64 } from './base64.ts';

/** Adds a field issue whose text `envelope.ts` builds from the path and `reason`. */
function fail(ctx: z.core.$RefinementCtx, input: unknown, reason: string): typeof z.NEVER {
  ctx.issues.push({ code: 'custom', input, params: { reason } });
  return z.NEVER;
}

/** JSON number syntax (also what protojson accepts inside quotes for numeric fields). */
const NUMERIC_TEXT = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** Reads a JSON number or numeric string; `undefined` if it is neither. */
function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && NUMERIC_TEXT.test(value)) return Number(value);
  return undefined;
}

/**
 * An integer field in `[min, max]`, given as a number or an integer-valued numeric string (`7`, `"7"`,
 * `"7.0"`). Absent or null decodes to `zero` (pass `undefined` for wrapper types).
 */
function integer<Z extends number | undefined>(min: number, max: number, zero: Z) {
  // `.optional()` marks the key as optional-in for zod's object parser, which otherwise reports an
  // absent key as missing before this transform can substitute the zero value.
  return z
    .unknown()
    .optional()
    .transform((value, ctx): number | Z => {
      if (value === undefined || value === null) return zero;
      const n = toNumber(value);
      if (n === undefined || !Number.isInteger(n)) {
        return fail(ctx, value, 'must be an integer (a JSON number or a decimal string)');
      }
      if (n < min || n > max) return fail(ctx, value, `must be between ${min} and ${max}`);
      return n;
    });
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** proto3 `int32`: number or numeric string; absent means 0. */
export const int32 = integer(INT32_MIN, INT32_MAX, 0);

/**
 * `google.protobuf.Int32Value`: like {@link int32}, but absent stays `undefined`. Wrapper helpers end
 * in `.optional()` so the decoded type has an optional key (`count_multiple?: number`).
 */
export const optionalInt32 = integer(INT32_MIN, INT32_MAX, undefined).optional();

/**
 * proto3 `int64` (`op_code`): decoded to a JS number, so it is limited to the safe-integer range
 * (±2^53−1). nakama-js itself turns received op codes into numbers with `parseInt`, so larger values
 * could never round-trip through it anyway. Absent means 0.
 */
export const int64 = integer(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 0);

/** A finite proto3 `double` (map values in matchmaker properties): number or numeric string. */
export const double = z.unknown().transform((value, ctx): number => {
  const n = toNumber(value);
  if (n === undefined || !Number.isFinite(n)) return fail(ctx, value, 'must be a finite number');
  return n;
});

/** proto3 `string`: absent or null means `""`. */
export const string = z.preprocess((v) => v ?? '', z.string());

/** `google.protobuf.StringValue`: a bare string, `undefined` when absent or null. */
export const optionalString = z
  .string()
  .nullish()
  .transform((v) => v ?? undefined)
  .optional();

/** proto3 `bool`: JSON `true`/`false` only (as protojson); absent or null means `false`. */
export const bool = z.preprocess((v) => v ?? false, z.boolean());

/** `google.protobuf.BoolValue`: a bare boolean, `undefined` when absent or null. */
export const optionalBool = z
  .boolean()
  .nullish()
  .transform((v) => v ?? undefined)
  .optional();

/**
 * proto3 `bytes`: base64 text (standard or URL-safe, padding optional), decoded to canonical standard
 * padded base64 so it can be relayed to nakama-js as is. Absent means `""` (no data).
 */
export const bytes = z
  .unknown()
  .optional()
  .transform((value, ctx): string => {
    if (value === undefined || value === null) return '';
    if (typeof value !== 'string') return fail(ctx, value, 'must be a base64 string');
    const canonical = normalizeBase64(value);
    return canonical ?? fail(ctx, value, 'must be valid base64');
  });

/** proto3 `repeated` field: a JSON array; absent or null means `[]`. */
export function repeated<T extends z.ZodType>(item: T) {
  return z.preprocess((v) => v ?? [], z.array(item));
}

/** proto3 `map<string, string>`: a JSON object of strings; absent or null means `{}`. */
export const stringMap = z.preprocess((v) => v ?? {}, z.record(z.string(), z.string()));

/** proto3 `map<string, double>`: a JSON object of finite numbers; absent or null means `{}`. */
export const doubleMap = z.preprocess((v) => v ?? {}, z.record(z.string(), double));

/**
 * UTF-8 length of a string in bytes, without allocating (no `TextEncoder`). Nakama measures limits
 * such as "Status must be 2048 characters or less" with Go's `len()`, which counts bytes, so Tether
 * does too. A lone surrogate counts 3 bytes, as it becomes U+FFFD when encoded.
 */
export function utf8ByteLength(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * True if the string has no lone surrogates, i.e. it encodes to valid UTF-8. JSON text can smuggle
 * lone surrogates in through `\ud800` escapes; Go would reject them as invalid UTF-8.
 */
export function isWellFormed(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) return false;
  }
  return true;
}

/** True if the string contains an ASCII control character (POSIX `[[:cntrl:]]`: U+0000–U+001F, U+007F). */
export function hasControlChars(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/** True if the text parses as a JSON object (not an array, not `null`). */
export function isJsonObjectText(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}
