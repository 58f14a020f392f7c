/**
 * Decoding and encoding of realtime envelopes: `{"cid":"<n>", "<message key>": {...}}`.
 *
 * Error policy of {@link decodeEnvelope} (Nakama closes the socket on every one of these; Tether keeps
 * it open where a reply can still help the developer, and closes only when the peer is clearly not
 * speaking this protocol):
 *
 * | Input | Code | Fatal |
 * |---|---|---|
 * | over `maxBytes` | 3 BAD_INPUT "Message too large…" | yes, close 1009 |
 * | not a JSON object at all (first character is not `{`: binary junk, arrays, numbers, empty text) | 1 UNRECOGNIZED_PAYLOAD | yes, close 1002 |
 * | starts with `{` but is not valid JSON | 1 UNRECOGNIZED_PAYLOAD "Malformed JSON: …" | no |
 * | `cid` that is not a string (or a safe integer, accepted as its decimal text) | 3 BAD_INPUT | no |
 * | no message key (only `cid`, or every key null) | 2 MISSING_PAYLOAD "Missing message." | no |
 * | unknown key, or a server-to-client key such as `match` | 1 UNRECOGNIZED_PAYLOAD | no |
 * | more than one message key | 3 BAD_INPUT | no |
 * | a body that fails its schema | 3 BAD_INPUT, Nakama's text where it has one | no |
 *
 * Unknown top-level keys next to one known message key are ignored, like unknown body fields.
 *
 * @packageDocumentation
 */

import { kindOf, SERVER_ONLY_KEYS, validateClientMessage } from './client-message.ts';
import { messageTooLarge, RealtimeError, RealtimeErrorCode } from './error-codes.ts';
import { fastMatchDataSendText } from './fast-envelope.ts';
import { utf8ByteLength } from './fields.ts';
import {
  type ClientMessageKey,
  clientMessageSchemas,
  type DecodedClientMessages,
  type EnvelopeBodies,
  type EnvelopeKey,
} from './messages.ts';

/**
 * A decoded client message. `type` discriminates the union, so `switch (env.type)` narrows `body`.
 * `cid` is absent for fire-and-forget messages (`match_data_send`, `party_data_send`) and when the
 * client sent `""`.
 */
export type DecodedEnvelope = {
  [K in ClientMessageKey]: { cid?: string; type: K; body: DecodedClientMessages[K] };
}[ClientMessageKey];

/** Options for {@link decodeEnvelope}. */
export interface DecodeOptions {
  /**
   * Largest accepted message in UTF-8 bytes (Nakama's default `max_message_size_bytes` is 4096).
   * Larger messages throw a fatal {@link messageTooLarge} error. No limit when omitted.
   */
  maxBytes?: number;
  /**
   * Protobuf frames only (JSON ignores it): a `match_data_send` read by the fast path keeps its
   * payload as the bytes received, a `MatchDataSendBytes` whose base64 `data` is made only when read
   * (a relay between protobuf clients then never converts it). Its `data` is an accessor, so code
   * that copies bodies takes `plainClientBody(body)` first.
   */
  keepBytes?: boolean;
}

/** JSON whitespace (RFC 8259): space, tab, line feed, carriage return. */
function isJsonSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/**
 * Removes a leading UTF-8 BOM and trailing NULs. GameMaker's `buffer_string` ends every string with a
 * NUL byte, and some editors and runtimes prepend a BOM; neither is valid JSON.
 */
function stripFraming(text: string): string {
  let start = 0;
  let end = text.length;
  if (end > 0 && text.charCodeAt(0) === 0xfeff) start = 1;
  while (end > start && text.charCodeAt(end - 1) === 0) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

/** Applies the optional size limit; counts UTF-8 bytes only when the UTF-16 length is inconclusive. */
function checkSize(text: string, maxBytes: number | undefined): void {
  if (maxBytes === undefined || text.length * 3 <= maxBytes) return;
  const size = utf8ByteLength(text);
  if (size > maxBytes) throw messageTooLarge(size, maxBytes);
}

/** Parses the text into a JSON object, or throws UNRECOGNIZED_PAYLOAD (fatal if not object-shaped). */
function parseObject(text: string): Record<string, unknown> {
  let i = 0;
  while (i < text.length && isJsonSpace(text.charCodeAt(i))) i++;
  if (text.charCodeAt(i) !== 0x7b /* { */) {
    throw new RealtimeError(
      RealtimeErrorCode.UNRECOGNIZED_PAYLOAD,
      'Malformed message: expected a JSON object',
      {
        fatal: true,
      },
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const detail = e instanceof Error ? e.message : String(e);
    throw new RealtimeError(RealtimeErrorCode.UNRECOGNIZED_PAYLOAD, `Malformed JSON: ${detail}`, {
      cause: e,
    });
  }
  // Text starting with '{' that parses is always an object; kept as a guard for the type system.
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RealtimeError(
      RealtimeErrorCode.UNRECOGNIZED_PAYLOAD,
      'Malformed message: expected a JSON object',
      {
        fatal: true,
      },
    );
  }
  return value as Record<string, unknown>;
}

/**
 * Reads `cid`. proto3 says string; a safe integer is accepted too (hand-written clients, e.g. GameMaker
 * `json_stringify` of a number) and answered with its decimal text. `""` and null mean no cid.
 */
function readCid(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  throw new RealtimeError(RealtimeErrorCode.BAD_INPUT, `Invalid cid: expected string, got ${kindOf(value)}`, {
    context: { field: 'cid' },
  });
}

/**
 * Decodes and validates one client text frame.
 *
 * @param text - the frame's text, as received (a trailing NUL and a leading BOM are tolerated)
 * @param options - optional size limit
 * @returns the message key, its validated body and the correlation id
 * @throws {@link RealtimeError} and nothing else; when the cid was readable it is set on the error, so
 *   the caller can answer with `encodeError(err.cid, err)` and close the socket if `err.fatal`
 */
export function decodeEnvelope(text: string, options?: DecodeOptions): DecodedEnvelope {
  checkSize(text, options?.maxBytes);
  // The relay hot path: a compact `match_data_send`, read without JSON.parse (same result).
  const fast = fastMatchDataSendText(text);
  if (fast !== undefined) return { type: 'match_data_send', body: fast };
  const envelope = parseObject(stripFraming(text));
  const cid = readCid(envelope.cid);

  let messageKey: ClientMessageKey | undefined;
  let serverOnlyKey: string | undefined;
  let unknownKey: string | undefined;
  let count = 0;
  for (const key of Object.keys(envelope)) {
    // proto3 JSON: null means "not set", for the oneof members too.
    if (key === 'cid' || envelope[key] === null) continue;
    if (Object.hasOwn(clientMessageSchemas, key)) {
      messageKey = key as ClientMessageKey;
      count++;
    } else if (Object.hasOwn(SERVER_ONLY_KEYS, key)) {
      serverOnlyKey = key;
      count++;
    } else unknownKey ??= key;
  }

  if (count > 1) {
    const keys = Object.keys(envelope).filter((k) => k !== 'cid' && envelope[k] !== null);
    throw new RealtimeError(
      RealtimeErrorCode.BAD_INPUT,
      `Envelope must contain exactly one message, got: ${keys.join(', ')}`,
      { cid },
    );
  }
  if (messageKey === undefined) {
    const key = serverOnlyKey ?? unknownKey;
    if (key === undefined)
      throw new RealtimeError(RealtimeErrorCode.MISSING_PAYLOAD, 'Missing message.', { cid });
    const why = serverOnlyKey === undefined ? '' : ' (server-to-client message)';
    throw new RealtimeError(RealtimeErrorCode.UNRECOGNIZED_PAYLOAD, `Unrecognized message: ${key}${why}`, {
      cid,
      context: { message: key },
    });
  }

  return validateClientMessage(messageKey, envelope[messageKey], cid);
}

/**
 * Encodes one envelope. This is the broadcast hot path: one object literal and one `JSON.stringify`,
 * no validation and no key filtering. Encode a broadcast once and send the same string to every
 * recipient (pushes carry no cid).
 *
 * Undefined fields are omitted by `JSON.stringify`. `node` is never emitted because no wire type has it
 * and decoded presences have it stripped; if a presence comes from elsewhere (a nakama-js object, a
 * server record with extra fields), pass it through `toUserPresence` first.
 *
 * @param cid - the request's cid for a reply; `undefined` or `""` for a push
 * @param type - the envelope key
 * @param body - the wire body for that key
 */
export function encodeEnvelope<K extends EnvelopeKey>(
  cid: string | undefined,
  type: K,
  body: EnvelopeBodies[K],
): string {
  // cid first, as protojson orders fields by number (cid is field 1).
  return cid ? JSON.stringify({ cid, [type]: body }) : JSON.stringify({ [type]: body });
}

/**
 * Encodes the reply to a request that returns nothing: `{"cid":"N"}`. With no cid (a
 * `party_data_send`, which Nakama still answers) it is `{}`, which nakama-js ignores.
 *
 * @param cid - the request's cid
 */
export function encodeVoidReply(cid: string | undefined): string {
  return cid ? JSON.stringify({ cid }) : '{}';
}

/**
 * Encodes an error frame: `{"cid":"N","error":{"code":3,"message":"…","context":{…}}}`. nakama-js
 * rejects the pending promise for that cid with the `error` object. `code` is always present, even 0.
 *
 * @param cid - the failed request's cid (usually `err.cid`); `undefined` for an uncorrelated error
 * @param err - the error to report
 */
export function encodeError(cid: string | undefined, err: RealtimeError): string {
  return encodeEnvelope(cid, 'error', err.toWire());
}
