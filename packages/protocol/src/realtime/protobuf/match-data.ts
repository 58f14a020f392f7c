/**
 * The protobuf `match_data` push written from pieces, the outbound half of the relay hot path: a
 * relayed match's sender is the same for many messages (its match id and presence), so the bytes of
 * those two fields are encoded once per sender ({@link matchDataHeadPb}) and each push is that head
 * plus the op code, the data and `reliable` ({@link encodeMatchDataPb}). The result is byte for byte
 * what {@link encodeEnvelopePb} writes for the same `match_data` envelope (fields in number order,
 * each left out at its default value: `op_code` 0, empty `data`, `reliable` false), without the
 * JSON-shape conversion, the base64 decode of `data` and protobufjs's writer per message.
 *
 * @packageDocumentation
 */

import type { UserPresence } from '../presence.ts';
import { encodeEnvelopePb } from './codec.ts';

/** The Envelope tag of `match_data` (field number and wire type, as a varint). */
const MATCH_DATA_TAG: Uint8Array = (() => {
  // `{match_data: {}}` encodes as the tag then a zero length.
  const empty = encodeEnvelopePb({ match_data: {} });
  return Uint8Array.from(empty.subarray(0, empty.length - 1));
})();

const OP_CODE = 0x18; // 3, varint
const DATA = 0x22; // 4, length-delimited
const RELIABLE = 0x28; // 5, varint

/**
 * The first fields of a `match_data` body, `match_id` and the sender's `presence`, as
 * {@link encodeEnvelopePb} writes them (it writes them here, so they cannot differ).
 *
 * @param matchId - the match id as the push names it
 * @param presence - the sender's presence in wire form (as in the JSON envelope)
 */
export function matchDataHeadPb(matchId: string, presence: UserPresence): Uint8Array {
  const envelope = encodeEnvelopePb({ match_data: { match_id: matchId, presence } });
  let i = MATCH_DATA_TAG.length;
  while (envelope[i]! >= 0x80) i++;
  return Uint8Array.from(envelope.subarray(i + 1));
}

function varintLength(n: number): number {
  let length = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    length++;
  }
  return length;
}

function writeVarint(out: Uint8Array, at: number, n: number): number {
  while (n >= 128) {
    out[at++] = (n % 128) | 0x80;
    n = Math.floor(n / 128);
  }
  out[at++] = n;
  return at;
}

/**
 * A `match_data` push Envelope (no cid) from its parts, byte-identical to
 * `encodeEnvelopePb({ match_data: { match_id, presence, op_code: String(opCode), data, reliable } })`
 * with `data` as base64 (left out when empty) and `reliable` only when true. Like that encoder, it
 * leaves out the fields at their default (op code 0, empty data, `reliable` false).
 *
 * @param head - {@link matchDataHeadPb} of the match id and sender
 * @param opCode - a safe integer ≥ 0 (the relay checks it before)
 * @param data - the payload bytes
 * @param reliable - written only when true
 * @param alloc - makes the output array (e.g. `Buffer.allocUnsafe`, which takes small ones from a
 *   pool); every byte of it is written
 */
export function encodeMatchDataPb(
  head: Uint8Array,
  opCode: number,
  data: Uint8Array,
  reliable: boolean,
  alloc: (size: number) => Uint8Array = (size) => new Uint8Array(size),
): Uint8Array {
  if (!Number.isSafeInteger(opCode) || opCode < 0) throw new RangeError(`op code ${opCode} out of range`);
  const dataLength = data.length;
  const body =
    head.length +
    (opCode !== 0 ? 1 + varintLength(opCode) : 0) +
    (dataLength > 0 ? 1 + varintLength(dataLength) + dataLength : 0) +
    (reliable ? 2 : 0);
  const out = alloc(MATCH_DATA_TAG.length + varintLength(body) + body);
  out.set(MATCH_DATA_TAG, 0);
  let at = writeVarint(out, MATCH_DATA_TAG.length, body);
  out.set(head, at);
  at += head.length;
  if (opCode !== 0) {
    out[at++] = OP_CODE;
    at = writeVarint(out, at, opCode);
  }
  if (dataLength > 0) {
    out[at++] = DATA;
    at = writeVarint(out, at, dataLength);
    out.set(data, at);
    at += dataLength;
  }
  if (reliable) {
    out[at++] = RELIABLE;
    out[at++] = 1;
  }
  return out;
}
