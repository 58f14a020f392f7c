/**
 * Checks of group input, with Nakama's messages where Nakama has one. Server code passes these values
 * too, so types are checked at run time.
 */
import { invalid } from '../../shared/domain-error.ts';
import { isUuid } from '../../shared/ids.ts';

/** Most user ids one add, kick, ban, promote or demote may name. */
export const MAX_GROUP_TARGETS = 100;
/** Longest group name, description, avatar URL and language tag, in characters. */
export const GROUP_TEXT_LIMITS = { name: 255, description: 255, avatarUrl: 512, langTag: 18 } as const;
/** Largest group metadata, in bytes of JSON text. */
export const MAX_GROUP_METADATA_BYTES = 16 * 1024;
/** Members of a group created without `max_count` (Nakama's default). */
export const DEFAULT_MAX_COUNT = 100;
/** Largest `max_count` (an int32 in Nakama's API). */
export const MAX_MAX_COUNT = 2 ** 31 - 1;

/** A group id: returned lower-case; otherwise "Group ID must be a valid ID." */
export function checkGroupId(id: unknown): string {
  if (typeof id !== 'string' || id === '') throw invalid('Group ID must be set.');
  if (!isUuid(id)) throw invalid('Group ID must be a valid ID.');
  return id.toLowerCase();
}

/** A user id of a listing: returned lower-case. */
export function checkUserId(id: unknown): string {
  if (typeof id !== 'string' || !isUuid(id)) throw invalid('User ID must be a valid ID.');
  return id.toLowerCase();
}

/** The users of an add, kick, ban, promote or demote: lower-case, each once. */
export function checkUserIds(ids: unknown): string[] {
  if (!Array.isArray(ids)) throw invalid('User IDs must be an array of user IDs.');
  if (ids.length > MAX_GROUP_TARGETS) {
    throw invalid(`Too many user IDs: at most ${MAX_GROUP_TARGETS} per request.`);
  }
  return [...new Set(ids.map(checkUserId))];
}

/** A group name: 1–255 characters without control characters. */
export function checkName(name: unknown, emptyMessage: string): string {
  if (name === undefined || name === null || name === '') throw invalid(emptyMessage);
  if (typeof name !== 'string') throw invalid('Group name must be a string.');
  return checkText('Group name', name, GROUP_TEXT_LIMITS.name);
}

/** A language tag: 1–18 characters. */
export function checkLangTag(lang: unknown): string {
  if (lang === '') throw invalid('Group language cannot be empty.');
  if (typeof lang !== 'string') throw invalid('Group language must be a string.');
  return checkText('Group language', lang, GROUP_TEXT_LIMITS.langTag);
}

/** Description or avatar URL: "" clears it (null). */
export function checkOptionalText(
  field: 'description' | 'avatarUrl',
  value: unknown,
): string | null | undefined {
  if (value === undefined) return undefined;
  if (value === null || value === '') return null;
  const label = field === 'description' ? 'Group description' : 'Group avatar URL';
  if (typeof value !== 'string') throw invalid(`${label} must be a string.`);
  return checkText(label, value, GROUP_TEXT_LIMITS[field]);
}

/** `max_count` as a client or server code sets it; 0 (or absent) means the default on create. */
export function checkMaxCount(value: unknown): number | undefined {
  if (value === undefined || value === null || value === 0) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_MAX_COUNT) {
    throw invalid('Group max count must be >= 1 when set.');
  }
  return value;
}

/** Group metadata: a JSON object (the object or its JSON text), at most 16 KiB. */
export function checkGroupMetadata(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      throw invalid('Group metadata must be a JSON object.');
    }
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw invalid('Group metadata must be a JSON object.');
  }
  const text = JSON.stringify(parsed);
  if (Buffer.byteLength(text) > MAX_GROUP_METADATA_BYTES) {
    throw invalid(`Group metadata must be at most ${MAX_GROUP_METADATA_BYTES} bytes.`);
  }
  return text;
}

/** An optional boolean (`open`). */
export function checkBool(field: string, value: unknown): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw invalid(`${field} must be true or false.`);
  return value;
}

function checkText(label: string, value: string, max: number): string {
  if ([...value].length > max) throw invalid(`${label} must be at most ${max} characters.`);
  if (/\p{Cc}/u.test(value)) throw invalid(`${label} must not contain control characters.`);
  return value;
}
