/**
 * A `google.protobuf.Timestamp` as Nakama's JSON API and socket write it: UTC, whole seconds, `Z`
 * (`2025-03-01T12:00:00Z`). Sub-second precision is dropped, as Nakama does.
 *
 * Years 1000–9999 are formatted by arithmetic (a page of records formats hundreds of times, and
 * this is about three times cheaper than `toISOString`); other years, and invalid dates (which
 * throw `RangeError`), go through `toISOString`, so the output is the same for every input.
 */
export function formatTimestamp(time: Date | number): string {
  const ms = typeof time === 'number' ? time : time.getTime();
  // 1000-01-01T00:00:00Z and 10000-01-01T00:00:00Z in Unix milliseconds.
  if (!(ms >= -30_610_224_000_000 && ms < 253_402_300_800_000)) return isoSeconds(time);
  const secs = Math.floor(ms / 1000);
  const days = Math.floor(secs / 86_400);
  const sod = secs - days * 86_400;
  // Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's civil_from_days).
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const hour = Math.floor(sod / 3600);
  const minute = Math.floor((sod - hour * 3600) / 60);
  const second = sod - hour * 3600 - minute * 60;
  return `${year}-${two(month)}-${two(day)}T${two(hour)}:${two(minute)}:${two(second)}Z`;
}

function isoSeconds(time: Date | number): string {
  const iso = (typeof time === 'number' ? new Date(time) : time).toISOString();
  return `${iso.slice(0, 19)}Z`;
}

function two(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}
