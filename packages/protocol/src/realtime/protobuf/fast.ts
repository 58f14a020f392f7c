/**
 * Hand-read protobuf bodies of the two per-frame game messages, `match_data_send` and
 * `party_data_send`, the protobuf counterpart of `../fast-decode.ts`: every player sends them 20–60
 * times a second, and reading their three or four scalar fields directly (`match_data_send` straight
 * off the bytes, `party_data_send` off protobufjs's `Reader`) skips building a message object, a
 * `Long` conversion layer and the schema pass. A fast reader
 * accepts only the plain shape (known scalar fields, no target presences, an op code in the safe
 * range) and returns exactly what schema validation would; for anything else, including damaged
 * bytes, it returns `undefined` and the generic path decides, so errors stay in one place.
 *
 * @packageDocumentation
 */

import { Reader } from 'protobufjs/light.js';
import { encodeBase64 } from '../base64.ts';
import { int64Number } from './convert.ts';

/** Tags (field number << 3 | wire type) of the fields read here. */
const ID = 0x0a; // 1, length-delimited: match_id / party_id
const OP_CODE = 0x10; // 2, varint
const DATA = 0x1a; // 3, length-delimited
const RELIABLE = 0x28; // 5, varint (match_data_send only)

/** The decoded `match_data_send` body, as `validateClientMessage` returns it for the same message. */
export interface FastMatchDataSend {
  match_id: string;
  op_code: number;
  data: string;
  presences: never[];
  reliable: boolean;
}

/**
 * A `match_data_send` read from a protobuf frame with its payload kept as the bytes received
 * (`decodeEnvelopePb`'s `keepBytes` option): `data`, the canonical base64 every other path holds, is made
 * from them only when something reads it (a JSON recipient's text, an authoritative match, the
 * cluster bus), so a relay between protobuf clients never round-trips the payload through base64.
 * Its fields read like {@link FastMatchDataSend}'s, but `data` is an accessor of the prototype: a
 * copy (`{...body}`) needs {@link plainClientBody} first, which is why the pipeline hands hooks the
 * plain form.
 */
export class MatchDataSendBytes implements FastMatchDataSend {
  readonly match_id: string;
  readonly op_code: number;
  readonly presences: never[] = [];
  readonly reliable: boolean;
  /** The payload as received (a view of the frame). */
  readonly bytes: Uint8Array;
  #data: string | undefined;

  constructor(matchId: string, opCode: number, bytes: Uint8Array, reliable: boolean) {
    this.match_id = matchId;
    this.op_code = opCode;
    this.bytes = bytes;
    this.reliable = reliable;
  }

  /** The payload as canonical base64 (`""` when empty), made once, on first read. */
  get data(): string {
    this.#data ??= this.bytes.length === 0 ? '' : encodeBase64(this.bytes);
    return this.#data;
  }

  /** The same body as a plain {@link FastMatchDataSend} (what the generic decoder returns). */
  toPlain(): FastMatchDataSend {
    const { match_id, op_code, data, reliable } = this;
    return { match_id, op_code, data, presences: [], reliable };
  }

  toJSON(): FastMatchDataSend {
    return this.toPlain();
  }
}

/**
 * A decoded client message body in plain form: a {@link MatchDataSendBytes} becomes the plain object
 * the generic decoder returns (with `data` as base64); any other body is returned as it is. For code
 * that copies or rewrites bodies (before hooks).
 */
export function plainClientBody<T>(body: T): T {
  return body instanceof MatchDataSendBytes ? (body.toPlain() as T) : body;
}

// The package compiles without DOM or Node types; TextDecoder is a WHATWG global in every runtime
// it targets (as in ../../gamemaker/utf8.ts). Stateless: `decode` without `stream` keeps nothing.
declare const TextDecoder: new (label: string) => { decode(input: Uint8Array): string };
const ASCII_DECODER = new TextDecoder('utf-8');

/** Longest match id read by {@link fastMatchDataSendPb} (ids are ~40 ASCII characters). */
const MAX_FAST_ID = 128;
/**
 * Most bytes of an op code varint read here: 7 bytes hold 49 bits, so every such value is a
 * non-negative safe integer (a negative int64 takes 10 bytes and goes the generic way).
 */
const MAX_FAST_VARINT = 7;

/**
 * Reads `match_data_send` body bytes straight off the array, without protobufjs's `Reader` (no
 * reader object, no `LongBits`): the plain shape only (an ASCII match id, an op code of at most 7
 * varint bytes, a bool written as one byte, no target presences, no other field). `undefined` means
 * "let the generic path decide". Fields repeated on the wire keep the last, as protobuf does.
 *
 * @param body - the member's body bytes
 * @param keepBytes - return a {@link MatchDataSendBytes} holding the payload as received (a view of
 *   `body`) instead of a plain body with `data` as base64
 */
export function fastMatchDataSendPb(
  body: Uint8Array,
  keepBytes = false,
): FastMatchDataSend | MatchDataSendBytes | undefined {
  const end = body.length;
  let match_id = '';
  let op_code = 0;
  let data: Uint8Array | undefined;
  let reliable = false;
  let i = 0;
  while (i < end) {
    const tag = body[i++]!;
    if (tag === RELIABLE) {
      // A bool is one varint byte as every encoder writes it; anything longer goes the generic way.
      const b = body[i++];
      if (b === undefined || b > 1) return undefined;
      reliable = b === 1;
    } else if (tag === OP_CODE) {
      let n = 0;
      let scale = 1;
      for (let k = 0; ; k++) {
        if (k === MAX_FAST_VARINT || i === end) return undefined;
        const b = body[i++]!;
        n += (b & 0x7f) * scale;
        if (b < 0x80) break;
        scale *= 128;
      }
      op_code = n;
    } else if (tag === ID || tag === DATA) {
      // A length below 2^14 (two varint bytes) covers every message under the default size limit.
      let length = body[i++];
      if (length === undefined) return undefined;
      if (length >= 0x80) {
        const b = body[i++];
        if (b === undefined || b >= 0x80) return undefined;
        length = (length & 0x7f) | (b << 7);
      }
      const start = i;
      i += length;
      if (i > end) return undefined;
      if (tag === DATA) data = body.subarray(start, i);
      else {
        if (length > MAX_FAST_ID) return undefined;
        for (let k = start; k < i; k++) if (body[k]! >= 0x80) return undefined;
        // ASCII, so any UTF-8 decoder gives what protobufjs's strict one does; the platform's is the
        // fastest way to make a short string from bytes (about 3× a loop of fromCharCode).
        match_id = ASCII_DECODER.decode(body.subarray(start, i));
      }
    } else return undefined;
  }
  const bytes = data ?? EMPTY;
  if (keepBytes) return new MatchDataSendBytes(match_id, op_code, bytes, reliable);
  return { match_id, op_code, data: bytes.length === 0 ? '' : encodeBase64(bytes), presences: [], reliable };
}

const EMPTY = new Uint8Array(0);

/** The decoded `party_data_send` body. */
export interface FastPartyDataSend {
  party_id: string;
  op_code: number;
  data: string;
}

/** Reads `party_data_send` body bytes; `undefined` means "let the generic path decide". */
export function fastPartyDataSendPb(body: Uint8Array): FastPartyDataSend | undefined {
  try {
    const reader = Reader.create(body);
    let party_id = '';
    let op_code = 0;
    let data = '';
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      if (tag === ID) party_id = reader.stringVerify();
      else if (tag === OP_CODE) {
        const n = int64Number(reader.int64());
        if (n === undefined) return undefined;
        op_code = n;
      } else if (tag === DATA) data = encodeBase64(reader.bytes());
      else return undefined;
    }
    return { party_id, op_code, data };
  } catch {
    return undefined;
  }
}

/** Longest cid {@link peekCidPb} reads (the JSON socket's cid peek uses the same bound). */
const MAX_PEEK_CID = 64;

/**
 * The cid of a client frame that will not be decoded (rate-limited, too large), read cheaply: only
 * when the frame starts with field 1 (`cid`, as every encoder writes it first) of at most 64 bytes.
 * `undefined` otherwise; nothing past the cid is looked at.
 *
 * @param bytes - the frame as received
 */
export function peekCidPb(bytes: Uint8Array): string | undefined {
  if (bytes.length < 3 || bytes[0] !== 0x0a) return undefined;
  const length = bytes[1]!;
  if (length === 0 || length > MAX_PEEK_CID || bytes.length < 2 + length) return undefined;
  try {
    const reader = Reader.create(bytes.subarray(1, 2 + length));
    return reader.stringVerify() || undefined;
  } catch {
    return undefined;
  }
}
