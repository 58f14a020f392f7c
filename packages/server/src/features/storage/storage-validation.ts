import { digestHex } from '../../shared/digest.ts';
import { invalid } from '../../shared/domain-error.ts';
import { isUuid } from '../../shared/ids.ts';
import {
  type ReadPermission,
  SYSTEM_USER_ID,
  type WriteCondition,
  type WritePermission,
} from './store/storage-store.ts';

/**
 * Input rules of storage objects, for clients and server code alike. Messages are Nakama's where
 * Nakama has the rule (`api_storage.go`); the rules Tether adds (lengths, sizes, batch sizes) say
 * what was wrong in the same style. Each check throws an INVALID_ARGUMENT DomainError.
 */

/** Longest collection or key, in characters (Nakama's column size). */
export const MAX_NAME_CHARS = 128;
/** Most objects one client request may write, read or delete. */
export const MAX_CLIENT_BATCH = 100;
/** Most objects one server-code call may write, read or delete. */
export const MAX_SERVER_BATCH = 1000;

const NAMES_REQUIRED = 'Invalid collection or key value supplied. They must be set.';
const INVALID_USER_ID = 'Invalid user ID - make sure user ID is a valid UUID.';

/** A write as a client or server code sends it, before validation. */
export interface WriteInput {
  readonly collection?: string | undefined;
  readonly key?: string | undefined;
  /** Server code only: the owner (absent or null: the system). Clients always write their own. */
  readonly userId?: string | null | undefined;
  /** JSON text of an object. */
  readonly value?: string | undefined;
  /** `''` or absent: last write wins; `*`: create only; anything else: only over that version. */
  readonly version?: string | undefined;
  /** 0, 1 or 2; 1 when absent. */
  readonly permissionRead?: number | undefined;
  /** 0 or 1; 1 when absent. */
  readonly permissionWrite?: number | undefined;
}

/** An object address as a client or server code sends it, before validation. */
export interface ObjectIdInput {
  readonly collection?: string | undefined;
  readonly key?: string | undefined;
  /** The owner; absent, null or `''` means the system. */
  readonly userId?: string | null | undefined;
  /** Deletes only: delete only this version. */
  readonly version?: string | undefined;
}

/** A write, checked: names, owner, value and its version, permissions, condition. */
export interface CheckedWrite {
  readonly collection: string;
  readonly key: string;
  readonly userId: string;
  readonly value: string;
  readonly version: string;
  readonly permissionRead: ReadPermission;
  readonly permissionWrite: WritePermission;
  readonly condition: WriteCondition;
}

/** Refuses a batch larger than `max`; an absent list is an empty one. */
export function checkBatch<T>(items: readonly T[] | undefined, max: number, what: string): readonly T[] {
  const list = items ?? [];
  if (!Array.isArray(list)) throw invalid(`Storage ${what} must be a list of objects.`);
  if (list.length > max)
    throw invalid(`Too many storage objects: at most ${max} per request, got ${list.length}.`);
  return list;
}

/** A collection and key: set, strings, at most {@link MAX_NAME_CHARS} characters. */
export function checkNames(collection: unknown, key: unknown): { collection: string; key: string } {
  if (typeof collection !== 'string' || typeof key !== 'string' || collection === '' || key === '') {
    throw invalid(NAMES_REQUIRED);
  }
  if (tooLong(collection) || tooLong(key)) {
    throw invalid(
      `Invalid collection or key value supplied. They must be at most ${MAX_NAME_CHARS} characters.`,
    );
  }
  return { collection, key };
}

/** A listing's collection: set, a string, at most {@link MAX_NAME_CHARS} characters. */
export function checkCollection(collection: unknown): string {
  if (typeof collection !== 'string' || collection === '') {
    throw invalid('Invalid collection value supplied. It must be set.');
  }
  if (tooLong(collection)) {
    throw invalid(`Invalid collection value supplied. It must be at most ${MAX_NAME_CHARS} characters.`);
  }
  return collection;
}

/**
 * An owner named by a client read: absent or `''` is the system; otherwise a user's UUID. Naming the
 * nil UUID itself is refused, as Nakama does (omit the id to read system objects).
 */
export function checkReadOwner(userId: string | null | undefined): string {
  if (userId === undefined || userId === null || userId === '') return SYSTEM_USER_ID;
  if (typeof userId !== 'string' || !isUuid(userId) || userId === SYSTEM_USER_ID) {
    throw invalid(INVALID_USER_ID);
  }
  return userId.toLowerCase();
}

/**
 * An owner named by server code or a listing: absent, null or `''` is `fallback`; otherwise any UUID
 * (the nil UUID is the system).
 */
export function checkOwner<F extends string | null>(
  userId: string | null | undefined,
  fallback: F,
): string | F {
  if (userId === undefined || userId === null || userId === '') return fallback;
  if (typeof userId !== 'string' || !isUuid(userId)) throw invalid(INVALID_USER_ID);
  return userId.toLowerCase();
}

/**
 * A write: everything but the owner, which the caller decides (the client itself, or what server
 * code named). `maxValueBytes` bounds the value's UTF-8 size.
 */
export function checkWrite(input: WriteInput, userId: string, maxValueBytes: number): CheckedWrite {
  const { collection, key } = checkNames(input.collection, input.key);
  const value = input.value;
  if (typeof value !== 'string' || value === '') throw invalid(NAMES_REQUIRED);
  const permissionRead = checkPermission(
    input.permissionRead,
    2,
    'Read',
    'either 0, 1 or 2',
  ) as ReadPermission;
  const permissionWrite = checkPermission(
    input.permissionWrite,
    1,
    'Write',
    'either 0 or 1',
  ) as WritePermission;
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > maxValueBytes) {
    throw invalid(`Value too large: at most ${maxValueBytes} bytes of JSON, got ${bytes}.`);
  }
  if (!isJsonObject(value)) throw invalid('Value must be a JSON object.');
  const version = input.version ?? '';
  if (typeof version !== 'string') throw invalid('Version must be a string.');
  return {
    collection,
    key,
    userId,
    value,
    version: md5(value),
    permissionRead,
    permissionWrite,
    condition:
      version === '' ? { kind: 'any' } : version === '*' ? { kind: 'absent' } : { kind: 'version', version },
  };
}

/** Nakama's version of a value: the MD5 (lower-case hex) of its text as written (UTF-8). */
export function md5(value: string): string {
  return digestHex('md5', value);
}

/** Sorts a batch by (collection, key, owner), stably, keeping each item's index in the request. */
export function sortedBatch<T extends { collection: string; key: string; userId: string }>(
  items: readonly T[],
): { item: T; index: number }[] {
  return items
    .map((item, index) => ({ item, index }))
    .sort(
      (a, b) =>
        compare(a.item.collection, b.item.collection) ||
        compare(a.item.key, b.item.key) ||
        compare(a.item.userId, b.item.userId) ||
        a.index - b.index,
    );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function checkPermission(value: number | undefined, max: number, which: string, rule: string): number {
  if (value === undefined || value === null) return 1;
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw invalid(`Invalid ${which} permission supplied. It must be ${rule}.`);
  }
  return value;
}

function isJsonObject(text: string): boolean {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return false;
  }
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
}

/** More than {@link MAX_NAME_CHARS} characters (code points, as a VARCHAR counts them)? */
function tooLong(s: string): boolean {
  // A code point is one or two UTF-16 units, so only longer strings need counting.
  return s.length > MAX_NAME_CHARS && [...s].length > MAX_NAME_CHARS;
}
