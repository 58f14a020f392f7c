/**
 * A scanner for the one JSON envelope a relayed game sends 20–60 times a second per player:
 * `{"match_data_send":{"match_id":"…","op_code":"1","data":"…","presences":[]}}`. It reads the
 * fields straight off the text, without `JSON.parse` building an object tree and without the base64
 * regular expression, which were the largest inbound costs left in the relay benchmark's profile.
 *
 * It accepts only a strict subset of JSON — the compact shape clients write: no whitespace, no
 * `cid`, no escapes in strings, known body fields each at most once, `presences` empty — and returns
 * exactly what `decodeEnvelope`'s generic path returns for the same text. Anything else (including
 * every malformed or invalid message) gives `undefined`, and the generic path decides, so errors
 * and edge cases stay in one place.
 *
 * @packageDocumentation
 */

import type { FastMatchDataSend } from './protobuf/fast.ts';

const PREFIX = '{"match_data_send":{';
const QUOTE = 0x22;
const COMMA = 0x2c;
const RBRACE = 0x7d;
const BACKSLASH = 0x5c;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;
const EQUALS = 0x3d;
/** The char codes of `s`, for {@link at} (which V8 inlines; `startsWith` is a call per use). */
function codes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
const PREFIX_CODES = codes(PREFIX);
const MATCH_ID_KEY = codes('"match_id":');
const OP_CODE_KEY = codes('"op_code":');
const DATA_KEY = codes('"data":');
const PRESENCES_EMPTY = codes('"presences":[]');
const RELIABLE_KEY = codes('"reliable":');
const TRUE = codes('true');
const FALSE = codes('false');

/** True when `text` has the (ASCII) characters `expected` at `start`. */
function at(text: string, start: number, expected: Uint8Array): boolean {
  if (start + expected.length > text.length) return false;
  for (let k = 0; k < expected.length; k++) {
    if (text.charCodeAt(start + k) !== expected[k]) return false;
  }
  return true;
}

/** Most digits of an op code read here: every such integer is a safe integer. */
const MAX_DIGITS = 15;

/** `A–Z a–z 0–9 + /` by char code: the standard base64 alphabet, padding excluded. */
const BASE64_CHAR: Uint8Array = (() => {
  const table = new Uint8Array(128);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let i = 0; i < alphabet.length; i++) table[alphabet.charCodeAt(i)] = 1;
  return table;
})();

/**
 * Index of the closing quote of the JSON string starting at `start` (a quote), or -1 when it is not
 * a plain string: one with an escape or a control character (which `JSON.parse` would refuse) before
 * its end. A plain string's value is the text between the quotes.
 */
function plainStringEnd(text: string, start: number): number {
  if (text.charCodeAt(start) !== QUOTE) return -1;
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) return i;
    if (c === BACKSLASH || c < 0x20) return -1;
  }
  return -1;
}

/**
 * Index of the closing quote of the JSON string at `start` when its value is canonical base64
 * (standard alphabet, length a multiple of 4, `=` padding only at the end), else -1.
 */
function base64StringEnd(text: string, start: number): number {
  if (text.charCodeAt(start) !== QUOTE) return -1;
  let i = start + 1;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || BASE64_CHAR[c] !== 1) break;
  }
  const body = i - start - 1;
  let padding = 0;
  while (padding < 2 && text.charCodeAt(i) === EQUALS) {
    i++;
    padding++;
  }
  if (text.charCodeAt(i) !== QUOTE || (body + padding) % 4 !== 0) return -1;
  return i;
}

/** Reads `-?(0|[1-9]\d{0,14})` at `start`; the value and the index after it, or undefined. */
function smallInteger(text: string, start: number): { value: number; end: number } | undefined {
  let i = start;
  const negative = text.charCodeAt(i) === MINUS;
  if (negative) i++;
  const first = i;
  let value = 0;
  for (; i < text.length && i - first < MAX_DIGITS + 1; i++) {
    const c = text.charCodeAt(i);
    if (c < ZERO || c > NINE) break;
    value = value * 10 + (c - ZERO);
  }
  const digits = i - first;
  const next = text.charCodeAt(i);
  if (digits === 0 || digits > MAX_DIGITS || (next >= ZERO && next <= NINE)) return undefined;
  if (digits > 1 && text.charCodeAt(first) === ZERO) return undefined;
  return { value: negative ? -value : value, end: i };
}

/**
 * Decodes a compact `match_data_send` envelope without `JSON.parse`; `undefined` means "not the
 * plain shape: let the generic decoder decide". The size limit is the caller's to check first.
 *
 * @param text - the envelope's text as received
 * @returns the body `validateClientMessage` would return for the same text
 */
export function fastMatchDataSendText(text: string): FastMatchDataSend | undefined {
  if (!at(text, 0, PREFIX_CODES)) return undefined;
  let match_id: string | undefined;
  let op_code: number | undefined;
  let data: string | undefined;
  let reliable: boolean | undefined;
  let presences = false;
  let i = PREFIX.length;
  if (text.charCodeAt(i) !== RBRACE) {
    for (;;) {
      // A key, then its value; each key at most once (JSON.parse would keep the last of duplicates).
      if (text.charCodeAt(i) !== QUOTE) return undefined;
      const key = text.charCodeAt(i + 1);
      if (key === 0x6d /* m */ && match_id === undefined && at(text, i, MATCH_ID_KEY)) {
        i += 11;
        const end = plainStringEnd(text, i);
        if (end < 0) return undefined;
        match_id = text.slice(i + 1, end);
        i = end + 1;
      } else if (key === 0x6f /* o */ && op_code === undefined && at(text, i, OP_CODE_KEY)) {
        i += 10;
        const quoted = text.charCodeAt(i) === QUOTE;
        const n = smallInteger(text, quoted ? i + 1 : i);
        if (n === undefined || (quoted && text.charCodeAt(n.end) !== QUOTE)) return undefined;
        op_code = n.value;
        i = quoted ? n.end + 1 : n.end;
      } else if (key === 0x64 /* d */ && data === undefined && at(text, i, DATA_KEY)) {
        i += 7;
        const end = base64StringEnd(text, i);
        if (end < 0) return undefined;
        data = text.slice(i + 1, end);
        i = end + 1;
      } else if (key === 0x70 /* p */ && !presences && at(text, i, PRESENCES_EMPTY)) {
        presences = true;
        i += 14;
      } else if (key === 0x72 /* r */ && reliable === undefined && at(text, i, RELIABLE_KEY)) {
        i += 11;
        if (at(text, i, TRUE)) {
          reliable = true;
          i += 4;
        } else if (at(text, i, FALSE)) {
          reliable = false;
          i += 5;
        } else return undefined;
      } else return undefined;
      const c = text.charCodeAt(i);
      if (c === RBRACE) break;
      if (c !== COMMA) return undefined;
      i++;
    }
  }
  // The body's `}`, then the envelope's, then nothing (not even the NUL GameMaker appends).
  if (text.charCodeAt(i + 1) !== RBRACE || i + 2 !== text.length) return undefined;
  return {
    match_id: match_id ?? '',
    op_code: op_code ?? 0,
    data: data ?? '',
    presences: [],
    reliable: reliable ?? false,
  };
}
