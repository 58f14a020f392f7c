import { randomInt } from 'node:crypto';
import { invalid } from '../../shared/domain-error.ts';
import { isUuid } from '../../shared/ids.ts';

/**
 * Input rules of the account API. Lengths and messages follow Nakama (`api_authenticate.go`,
 * `api_account.go`) where Nakama has a rule; lengths are in UTF-8 bytes unless stated. Each check
 * throws an INVALID_ARGUMENT DomainError whose message names the field and the rule.
 */

/** Whitespace or control characters, which no identifier may contain (Nakama's rule). */
const SPACE_OR_CONTROL = /[\s\p{Cc}]/u;

/**
 * Usernames: 1-128 characters from a safe ASCII set. Narrower than Nakama (any non-space UTF-8), on
 * purpose: usernames appear in token claims that nakama-js 2.8.0 decodes with plain base64, in chat
 * and in presence lists; ASCII rules out look-alike names, and uniqueness is case-insensitive.
 */
const USERNAME = /^[A-Za-z0-9._@+-]{1,128}$/;
const USERNAME_RULE = "use 1-128 characters from A-Z, a-z, 0-9 and '.', '_', '-', '@', '+'";

/**
 * A lone UTF-16 surrogate: JSON escapes (`"\ud800"`) bring them in through valid UTF-8 bodies, and
 * they become U+FFFD on their way to storage, so two different ids would name one account.
 */
const LONE_SURROGATE = /\p{Cs}/u;

const EMAIL_FORMAT = /^.+@.+\..+$/;

/** Most `vars` entries a session may carry; they travel inside every token. */
export const MAX_VARS = 32;
/** Largest account metadata, bytes of JSON. */
export const MAX_METADATA_BYTES = 16 * 1024;
/** Most ids plus usernames in one `GET /v2/user`. */
export const MAX_USERS_PER_REQUEST = 100;
/** Most users one ban or unban call may name (larger moderation jobs go in batches). */
export const MAX_USERS_PER_BAN = 1000;

function bytes(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** A device id: 10-128 bytes, no spaces or control characters. */
export function checkDeviceId(id: string | undefined): string {
  if (!id) throw invalid('Device ID is required.');
  if (SPACE_OR_CONTROL.test(id)) throw invalid('Device ID invalid, no spaces or control characters allowed.');
  if (LONE_SURROGATE.test(id)) throw invalid('Device ID invalid, must be valid UTF-8.');
  if (bytes(id) < 10 || bytes(id) > 128) throw invalid('Device ID invalid, must be 10-128 bytes.');
  return id;
}

/** A custom id: 6-128 bytes, no spaces or control characters. */
export function checkCustomId(id: string | undefined): string {
  if (!id) throw invalid('Custom ID is required.');
  if (SPACE_OR_CONTROL.test(id)) throw invalid('Custom ID invalid, no spaces or control characters allowed.');
  if (LONE_SURROGATE.test(id)) throw invalid('Custom ID invalid, must be valid UTF-8.');
  if (bytes(id) < 6 || bytes(id) > 128) throw invalid('Custom ID invalid, must be 6-128 bytes.');
  return id;
}

/** An email and password; returns the email lower-cased (emails are matched case-insensitively). */
export function checkEmailLogin(
  email: string | undefined,
  password: string | undefined,
): { email: string; password: string } {
  if (!email || !password) throw invalid('Email address and password is required.');
  if (SPACE_OR_CONTROL.test(email))
    throw invalid('Invalid email address, no spaces or control characters allowed.');
  if (LONE_SURROGATE.test(email) || LONE_SURROGATE.test(password))
    throw invalid('Email address and password must be valid UTF-8.');
  if (!EMAIL_FORMAT.test(email)) throw invalid('Invalid email address format.');
  if (bytes(email) < 10 || bytes(email) > 255) throw invalid('Invalid email address, must be 10-255 bytes.');
  if (bytes(password) < 8) throw invalid('Password must be at least 8 bytes long.');
  // Bounds the work an attacker can make us hash; far above any real passphrase.
  if (bytes(password) > 1024) throw invalid('Password must be at most 1024 bytes long.');
  return { email: email.toLowerCase(), password };
}

/** A custom id to link (Nakama's `LinkCustom` wording): 6-128 bytes, no spaces or control characters. */
export function checkLinkCustomId(id: string | undefined): string {
  if (!id) throw invalid('Custom ID is required.');
  if (SPACE_OR_CONTROL.test(id)) throw invalid('Invalid custom ID, no spaces or control characters allowed.');
  if (LONE_SURROGATE.test(id)) throw invalid('Invalid custom ID, must be valid UTF-8.');
  if (bytes(id) < 6 || bytes(id) > 128) throw invalid('Invalid custom ID, must be 6-128 bytes.');
  return id;
}

/**
 * An email and password to link, checked in Nakama's `LinkEmail` order and wording; returns the email
 * lower-cased. Passwords are 8-1024 bytes, as for authentication.
 */
export function checkLinkEmail(
  email: string | undefined,
  password: string | undefined,
): { email: string; password: string } {
  if (!email || !password) throw invalid('Email address and password is required.');
  if (SPACE_OR_CONTROL.test(email))
    throw invalid('Invalid email address, no spaces or control characters allowed.');
  if (LONE_SURROGATE.test(email) || LONE_SURROGATE.test(password))
    throw invalid('Email address and password must be valid UTF-8.');
  if (bytes(password) < 8) throw invalid('Password must be at least 8 characters long.');
  if (bytes(password) > 1024) throw invalid('Password must be at most 1024 bytes long.');
  if (!EMAIL_FORMAT.test(email)) throw invalid('Invalid email address format.');
  if (bytes(email) < 10 || bytes(email) > 255) throw invalid('Invalid email address, must be 10-255 bytes.');
  return { email: email.toLowerCase(), password };
}

/** A username chosen by the client. */
export function checkUsername(username: string): string {
  if (!USERNAME.test(username)) {
    if (username.length === 0 || username.length > 128)
      throw invalid('Username invalid, must be 1-128 characters.');
    throw invalid(`Username invalid: ${USERNAME_RULE}.`);
  }
  return username;
}

/** A random username for an account created without one: 10 letters, as Nakama generates. */
export function generateUsername(): string {
  const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
  let name = '';
  for (let i = 0; i < 10; i++) name += letters[randomInt(letters.length)];
  return name;
}

/** Session vars (`vrs` claim): string to string, at most 32 entries, keys 1-128 and values up to 1024 bytes. */
export function checkVars(vars: Record<string, string> | undefined): Record<string, string> {
  if (!vars) return {};
  const entries = Object.entries(vars);
  if (entries.length > MAX_VARS) throw invalid(`Vars invalid, at most ${MAX_VARS} entries allowed.`);
  for (const [k, v] of entries) {
    if (bytes(k) < 1 || bytes(k) > 128) throw invalid('Vars invalid, keys must be 1-128 bytes.');
    if (bytes(v) > 1024) throw invalid(`Vars invalid, value of '${k}' exceeds 1024 bytes.`);
  }
  return vars;
}

/** An optional profile text field: `''` clears it (null), otherwise at most `max` characters. */
export function checkProfileText(
  field: string,
  value: string | undefined,
  max: number,
): string | null | undefined {
  if (value === undefined) return undefined;
  if (value === '') return null;
  if ([...value].length > max) throw invalid(`${field} invalid, must be at most ${max} characters.`);
  if (/\p{Cc}/u.test(value)) throw invalid(`${field} invalid, no control characters allowed.`);
  return value;
}

/** Account metadata: a JSON object (given as the object or as its JSON text), at most 16 KiB. */
export function checkMetadata(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  let parsed: unknown = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      throw invalid('Metadata invalid, must be a JSON object.');
    }
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw invalid('Metadata invalid, must be a JSON object.');
  }
  const text = JSON.stringify(parsed);
  if (bytes(text) > MAX_METADATA_BYTES)
    throw invalid(`Metadata invalid, must be at most ${MAX_METADATA_BYTES} bytes.`);
  return text;
}

/** `GET /v2/user` arguments: ids must be UUIDs; at most 100 ids plus usernames. */
export function checkUserLookup(ids: readonly string[], usernames: readonly string[]): void {
  if (ids.length + usernames.length > MAX_USERS_PER_REQUEST) {
    throw invalid(`Too many users requested, at most ${MAX_USERS_PER_REQUEST} ids and usernames together.`);
  }
  for (const id of ids) {
    if (!isUuid(id)) throw invalid(`ID '${id.slice(0, 64)}' is not a valid system ID.`);
  }
}

/**
 * The users of a ban or unban: an array of at most {@link MAX_USERS_PER_BAN} UUIDs. Returns them
 * lower-cased, each once. Server code passes these, so the type is checked at run time too.
 */
export function checkBanUserIds(ids: readonly string[]): string[] {
  if (!Array.isArray(ids)) throw invalid('User IDs must be an array of user ID strings.');
  if (ids.length > MAX_USERS_PER_BAN) {
    throw invalid(`Too many user IDs, at most ${MAX_USERS_PER_BAN} per call.`);
  }
  for (const id of ids) {
    if (typeof id !== 'string' || !isUuid(id))
      throw invalid(`Invalid user ID: '${String(id).slice(0, 64)}'.`);
  }
  return [...new Set(ids.map((id) => id.toLowerCase()))];
}

/** Usernames to look up (server code): an array of at most {@link MAX_USERS_PER_BAN} strings. */
export function checkUsernameList(usernames: readonly string[]): readonly string[] {
  if (!Array.isArray(usernames) || usernames.some((u) => typeof u !== 'string')) {
    throw invalid('Usernames must be an array of strings.');
  }
  if (usernames.length > MAX_USERS_PER_BAN) {
    throw invalid(`Too many usernames, at most ${MAX_USERS_PER_BAN} per call.`);
  }
  return usernames;
}
