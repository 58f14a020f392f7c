/**
 * Hand-read protobuf bodies of the two per-frame game messages, `match_data_send` and
 * `party_data_send`, the protobuf counterpart of `../fast-decode.ts`: every player sends them 20–60
 * times a second, and reading their three or four scalar fields straight off protobufjs's `Reader`
 * skips building a message object, a `Long` conversion layer and the schema pass. A fast reader
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

/** The decoded `party_data_send` body. */
export interface FastPartyDataSend {
  party_id: string;
  op_code: number;
  data: string;
}

/** Reads `match_data_send` body bytes; `undefined` means "let the generic path decide". */
export function fastMatchDataSendPb(body: Uint8Array): FastMatchDataSend | undefined {
  try {
    const reader = Reader.create(body);
    let match_id = '';
    let op_code = 0;
    let data = '';
    let reliable = false;
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      if (tag === ID) match_id = reader.stringVerify();
      else if (tag === OP_CODE) {
        const n = int64Number(reader.int64());
        if (n === undefined) return undefined;
        op_code = n;
      } else if (tag === DATA) data = encodeBase64(reader.bytes());
      else if (tag === RELIABLE) reliable = reader.bool();
      else return undefined;
    }
    return { match_id, op_code, data, presences: [], reliable };
  } catch {
    return undefined;
  }
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
