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

// Text checks without zod live in text.ts, so code that needs only them (the client SDK) stays free
// of the schema library; they are re-exported here for the schemas.
export { hasControlChars, isJsonObjectText, isWellFormed, utf8ByteLength } from './text.ts';
