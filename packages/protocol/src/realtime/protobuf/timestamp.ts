/**
 * `google.protobuf.Timestamp` ↔ RFC 3339 text, the two forms of `create_time` / `update_time`:
 * Nakama's JSON writes `"2025-01-02T03:04:05Z"` (0, 3, 6 or 9 fractional digits, always UTC), its
 * protobuf writes `{seconds: int64, nanos: int32}`.
 *
 * @packageDocumentation
 */

/** A Timestamp's two fields, `seconds` since the Unix epoch and `nanos` within that second. */
export interface PbTimestamp {
  seconds: number;
  nanos: number;
}

/** The Timestamp range proto3 allows: 0001-01-01T00:00:00Z … 9999-12-31T23:59:59Z. */
const MIN_SECONDS = -62135596800;
const MAX_SECONDS = 253402300799;

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

/**
 * Parses RFC 3339 text (any offset, up to nanosecond precision) into Timestamp fields.
 *
 * @param text - e.g. `2025-01-02T03:04:05.678Z`
 * @returns the fields, or `undefined` if the text is not a valid date-time in the proto3 range
 */
export function parseTimestamp(text: string): PbTimestamp | undefined {
  const m = RFC3339.exec(text);
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  // Date.UTC maps years 0–99 to 1900–1999; setUTCFullYear does not.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  // Out-of-range parts (month 13, 31 February, hour 24, second 60) roll over: reject them.
  if (
    date.getUTCFullYear() !== year ||
    date.getUTCMonth() !== month - 1 ||
    date.getUTCDate() !== day ||
    date.getUTCHours() !== hour ||
    date.getUTCMinutes() !== minute ||
    date.getUTCSeconds() !== second
  ) {
    return undefined;
  }
  let seconds = date.getTime() / 1000;
  if (m[8] !== undefined) {
    const offset = Number(m[9]) * 3600 + Number(m[10]) * 60;
    seconds -= m[8] === '+' ? offset : -offset;
  }
  if (seconds < MIN_SECONDS || seconds > MAX_SECONDS) return undefined;
  const nanos = m[7] === undefined ? 0 : Number(m[7].padEnd(9, '0'));
  return { seconds, nanos };
}

/**
 * Formats Timestamp fields as RFC 3339 UTC text the way proto3 JSON does: `Z`, and 0, 3, 6 or 9
 * fractional digits, whichever is the shortest exact form.
 *
 * @param seconds - seconds since the Unix epoch (a safe integer)
 * @param nanos - 0 … 999 999 999
 * @returns the text, or `undefined` if either field is out of the proto3 range
 */
export function formatTimestamp(seconds: number, nanos: number): string | undefined {
  if (!Number.isSafeInteger(seconds) || seconds < MIN_SECONDS || seconds > MAX_SECONDS) return undefined;
  if (!Number.isInteger(nanos) || nanos < 0 || nanos > 999_999_999) return undefined;
  const base = new Date(seconds * 1000).toISOString().slice(0, 19);
  if (nanos === 0) return `${base}Z`;
  const digits = String(nanos).padStart(9, '0');
  const fraction =
    nanos % 1_000_000 === 0 ? digits.slice(0, 3) : nanos % 1000 === 0 ? digits.slice(0, 6) : digits;
  return `${base}.${fraction}Z`;
}
