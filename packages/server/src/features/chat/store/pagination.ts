/**
 * Keyset pagination of chat history, shared by both backends: cursor encoding and page assembly.
 * Backends supply one primitive (a bounded, ordered scan after a `(create time, id)` position) and
 * {@link listChatPage} turns it into pages and cursors, so SQLite and PostgreSQL hand out identical,
 * interchangeable cursors. No SQL here.
 *
 * The cursor format predates `defineCursor` (db/cursor.ts) and stays as it is: clients keep
 * cacheable cursors, and `chat-store.test.ts` checks that cursors written before the move still
 * work. Its twin for notifications lives in that feature; each feature owns its wire format.
 */
import { InvalidCursorError } from '../../../db/cursor.ts';
import { isUuid } from '../../../shared/ids.ts';
import {
  type ChatHistoryPage,
  type ChatHistoryQuery,
  type ChatMessageRecord,
  MAX_PAGE_LIMIT,
} from './chat-store.ts';

/** A position in a `(create time, id)` ordering; scans start strictly after (or before) it. */
export interface SortKey {
  /** Create time, Unix milliseconds. */
  readonly time: number;
  readonly id: string;
}

/**
 * Reads up to `limit` messages of a channel strictly after `from` in ascending order, or strictly
 * before it in descending order; from the start (or the end) when `from` is null.
 */
export type ChatScan = (
  channelId: string,
  from: SortKey | null,
  order: 'asc' | 'desc',
  limit: number,
) => Promise<ChatMessageRecord[]>;

/** Version tag inside cursors, so a later format can refuse old cursors cleanly. */
const CURSOR_VERSION = 1;

/** A decoded chat cursor: where it points, in which channel, for which direction, and which way. */
interface ChatCursor extends SortKey {
  readonly channelId: string;
  /** The direction of the listing that produced it (a cursor only works in that direction). */
  readonly forward: boolean;
  /** True: continue in the listing's direction. False: go back toward its start. */
  readonly next: boolean;
}

/**
 * One page of a channel's history. Semantics follow Nakama's `ChannelMessagesList`: without a cursor
 * a forward listing starts at the oldest message and a backward one at the newest; `nextCursor`
 * continues in the same direction, `prevCursor` (only on pages reached through a cursor) walks back,
 * and a page reached through `prevCursor` is still returned in the listing's direction. Throws
 * RangeError unless the limit is an integer in 1–{@link MAX_PAGE_LIMIT}: every page is bounded.
 */
export async function listChatPage(
  scan: ChatScan,
  channelId: string,
  query: ChatHistoryQuery,
): Promise<ChatHistoryPage> {
  const { limit, forward } = query;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) {
    throw new RangeError(`page limit must be an integer from 1 to ${MAX_PAGE_LIMIT}, got ${limit}`);
  }
  const cursor = query.cursor ? decodeChatCursor(query.cursor) : null;
  if (cursor && (cursor.channelId !== channelId || cursor.forward !== forward)) {
    throw new InvalidCursorError();
  }
  // Forward+next and backward+previous both walk toward newer messages.
  const ascending = cursor ? forward === cursor.next : forward;
  const rows = await scan(channelId, cursor, ascending ? 'asc' : 'desc', limit + 1);
  const page = rows.slice(0, limit);
  const at = (m: ChatMessageRecord, next: boolean): ChatCursor => ({
    ...keyOf(m),
    channelId,
    forward,
    next,
  });
  let next = rows.length > limit ? at(page[page.length - 1]!, true) : null;
  let prev = cursor && page.length > 0 ? at(page[0]!, false) : null;
  if (cursor && !cursor.next) {
    // A walk back reads away from the cursor; show it in the listing's order and swap the cursors.
    page.reverse();
    [next, prev] = [prev && { ...prev, next: true }, next && { ...next, next: false }];
  }
  let cacheable: ChatCursor | null = null;
  const newest = forward ? page[page.length - 1] : page[0];
  if (newest) cacheable = { ...keyOf(newest), channelId, forward: true, next: true };
  else if (cursor) cacheable = { ...cursor, forward: true, next: true };
  return {
    messages: page,
    nextCursor: next && encodeChatCursor(next),
    prevCursor: prev && encodeChatCursor(prev),
    cacheableCursor: cacheable && encodeChatCursor(cacheable),
  };
}

function keyOf(r: { readonly createTime: Date; readonly id: string }): SortKey {
  return { time: r.createTime.getTime(), id: r.id };
}

// Cursors are base64url JSON arrays `[version, channel id, time, id, forward, next]`: compact,
// URL-safe without escaping, and validated field by field on the way in (they come from clients).
// They are opaque to clients, not secret: a forged cursor can only select rows the caller could list
// anyway.

function encodeChatCursor(c: ChatCursor): string {
  const value = [CURSOR_VERSION, c.channelId, c.time, c.id, c.forward ? 1 : 0, c.next ? 1 : 0];
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/** Longest cursor accepted: room names are at most 64 bytes, so real cursors stay far below. */
const MAX_CURSOR_CHARS = 512;

function decodeChatCursor(text: string): ChatCursor {
  const v = decodeArray(text);
  if (
    v.length !== 6 ||
    v[0] !== CURSOR_VERSION ||
    typeof v[1] !== 'string' ||
    !isTime(v[2]) ||
    !isId(v[3]) ||
    !isFlag(v[4]) ||
    !isFlag(v[5])
  ) {
    throw new InvalidCursorError();
  }
  return { channelId: v[1], time: v[2], id: v[3], forward: v[4] === 1, next: v[5] === 1 };
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

function isFlag(v: unknown): v is 0 | 1 {
  return v === 0 || v === 1;
}
