/**
 * Keyset pagination of a user's notifications, shared by both backends: cursor encoding and page
 * assembly. Backends supply one primitive (a bounded scan after a `(create time, id)` position) and
 * {@link listNotificationPage} turns it into pages, so SQLite and PostgreSQL hand out identical,
 * interchangeable cursors. No SQL here.
 *
 * The cursor format predates `defineCursor` (db/cursor.ts) and stays as it is: clients keep
 * cacheable cursors, and `notification-store.test.ts` checks that cursors written before the move
 * still work. Its twin for chat history lives in that feature; each feature owns its wire format.
 */
import { InvalidCursorError } from '../../../db/cursor.ts';
import { isUuid } from '../../../shared/ids.ts';
import { MAX_PAGE_LIMIT, type NotificationPage, type NotificationRecord } from './notification-store.ts';

/** A position in a `(create time, id)` ordering; scans start strictly after it. */
export interface SortKey {
  /** Create time, Unix milliseconds. */
  readonly time: number;
  readonly id: string;
}

/** Reads up to `limit` of a user's notifications strictly after `from` (from the start when null), ascending. */
export type NotificationScan = (
  userId: string,
  from: SortKey | null,
  limit: number,
) => Promise<NotificationRecord[]>;

/** Version tag inside cursors, so a later format can refuse old cursors cleanly. */
const CURSOR_VERSION = 1;

/**
 * One page of a user's notifications, oldest first, after the cursor's position. The cursor marks
 * "everything up to here was seen", so it stays valid while new notifications arrive. Throws
 * RangeError unless the limit is an integer in 1–{@link MAX_PAGE_LIMIT}: every page is bounded.
 */
export async function listNotificationPage(
  scan: NotificationScan,
  userId: string,
  query: { readonly limit: number; readonly cursor?: string | undefined },
): Promise<NotificationPage> {
  const { limit } = query;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) {
    throw new RangeError(`page limit must be an integer from 1 to ${MAX_PAGE_LIMIT}, got ${limit}`);
  }
  const from = query.cursor ? decodeNotificationCursor(query.cursor) : null;
  const notifications = await scan(userId, from, limit);
  const last = notifications[notifications.length - 1];
  const position = last ? { time: last.createTime.getTime(), id: last.id } : from;
  return { notifications, cacheableCursor: encodeNotificationCursor(position) };
}

// Cursors are base64url JSON arrays, `[version, time, id]` or `[version]` for the start: compact,
// URL-safe without escaping, and validated field by field on the way in (they come from clients).
// They are opaque to clients, not secret: a forged cursor can only select rows the caller could list
// anyway.

function encodeNotificationCursor(key: SortKey | null): string {
  const value = key ? [CURSOR_VERSION, key.time, key.id] : [CURSOR_VERSION];
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/** Longest cursor accepted; real ones are about 80 characters. */
const MAX_CURSOR_CHARS = 512;

function decodeNotificationCursor(text: string): SortKey | null {
  const v = decodeArray(text);
  if (v.length === 1 && v[0] === CURSOR_VERSION) return null;
  if (v.length !== 3 || v[0] !== CURSOR_VERSION || !isTime(v[1]) || !isId(v[2])) {
    throw new InvalidCursorError();
  }
  return { time: v[1], id: v[2] };
}

function decodeArray(text: string): unknown[] {
  if (text.length > MAX_CURSOR_CHARS || !/^[A-Za-z0-9_-]+={0,2}$/.test(text)) throw new InvalidCursorError();
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Array.isArray(value)) return value;
  } catch {
    // Fall through: not JSON.
  }
  throw new InvalidCursorError();
}

function isTime(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** Stored ids are lower-case UUIDs; anything else in a cursor is forged or corrupt. */
function isId(v: unknown): v is string {
  return typeof v === 'string' && isUuid(v) && v === v.toLowerCase();
}
