/**
 * A `google.protobuf.Timestamp` as Nakama's JSON API and socket write it: UTC, whole seconds, `Z`
 * (`2025-03-01T12:00:00Z`). Sub-second precision is dropped, as Nakama does.
 */
export function formatTimestamp(time: Date | number): string {
  const iso = (typeof time === 'number' ? new Date(time) : time).toISOString();
  return `${iso.slice(0, 19)}Z`;
}
