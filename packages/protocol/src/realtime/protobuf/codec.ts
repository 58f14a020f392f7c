/**
 * The protobuf realtime codec (`/ws?format=protobuf`): one binary WebSocket message carries one
 * serialized `nakama.realtime.Envelope`, with no length prefix and no batching.
 *
 * It works on the same JSON-shaped envelopes as the JSON codec, so the server builds every message
 * once and only the last step differs:
 * - {@link encodeEnvelopePb} takes the object the server would `JSON.stringify` (`{cid, match_data:
 *   {…}}`) and returns Envelope bytes;
 * - {@link decodeEnvelopePb} returns exactly what `decodeEnvelope` returns for the same message, after
 *   the same schema validation, with the same errors;
 * - {@link encodeClientEnvelopePb} and {@link decodeServerEnvelopePb} are the client SDK's pair, the
 *   mirror of `server-envelope.ts`.
 *
 * Error policy of {@link decodeEnvelopePb} (the JSON decoder's, where the cases match):
 *
 * | Input | Code | Fatal |
 * |---|---|---|
 * | over `maxBytes` | 3 BAD_INPUT "Message too large…" | yes, close 1009 |
 * | not a valid Envelope (truncated, bad wire type, invalid UTF-8, nesting over 100) | 1 UNRECOGNIZED_PAYLOAD "Malformed protobuf: …" | no |
 * | no oneof member (empty frame, or only `cid`) | 2 MISSING_PAYLOAD "Missing message." | no |
 * | an unknown member number (52+), or a member with the wrong wire type | 1 UNRECOGNIZED_PAYLOAD | no |
 * | a server-to-client member such as `match` | 1 UNRECOGNIZED_PAYLOAD | no |
 * | a body that fails its schema | 3 BAD_INPUT, same text as JSON | no |
 *
 * Unlike JSON, two members in one frame are not an error: protobuf keeps the last one on the wire,
 * as Nakama does. Unknown fields inside a body are skipped, as unknown JSON keys are stripped.
 *
 * @packageDocumentation
 */

import { type INamespace, Reader, Root, type Type, Writer } from 'protobufjs/light.js';
import { validateClientMessage } from '../client-message.ts';
import type { DecodedEnvelope, DecodeOptions } from '../envelope.ts';
import { messageTooLarge, RealtimeError, RealtimeErrorCode } from '../error-codes.ts';
import { CLIENT_MESSAGE_KEYS, type ClientMessageKey, SERVER_MESSAGE_KEYS } from '../messages.ts';
import type { DecodedServerEnvelope, KnownServerEnvelope } from '../server-envelope.ts';
import { Converters, type Fields, type FromPb, type ToPb } from './convert.ts';
import { fastMatchDataSendPb, fastPartyDataSendPb } from './fast.ts';
import { type PartyNumbering, realtimeDescriptor } from './schema.ts';

/** Options of the protobuf encoders and of {@link decodeServerEnvelopePb}. */
export interface ProtobufOptions {
  /**
   * `Party` field numbers (see {@link PartyNumbering}); default {@link DEFAULT_PARTY_NUMBERING}. Only
   * the `party` message differs; every other message encodes the same either way.
   */
  partyNumbering?: PartyNumbering;
}

/**
 * The default `Party` numbering: `legacy`, the one nakama-js-protobuf 1.4.0 (the protobuf adapter of
 * nakama-js 2.8.0) decodes. Nakama ≥ 3.28 and nakama-cpp builds from its current schema use `current`.
 */
export const DEFAULT_PARTY_NUMBERING: PartyNumbering = 'legacy';

/** One `Envelope` oneof member with its compiled converters. */
interface Member {
  readonly name: string;
  /** Tag of the length-delimited member field: `number << 3 | 2`. */
  readonly tag: number;
  readonly type: Type;
  readonly toPb: ToPb;
  readonly fromPb: FromPb;
  /** `fromPb` with int64 as numbers and bytes as `Uint8Array` (match and party data for clients). */
  readonly fromPbNative: FromPb;
}

/** A compiled schema: the Envelope's members by name and by field number. Immutable once built. */
interface Codec {
  readonly members: ReadonlyMap<string, Member>;
  /** Members by field number (index = number; `undefined` for 0, 1 and unknown numbers). */
  readonly byNumber: readonly (Member | undefined)[];
}

function buildCodec(numbering: PartyNumbering): Codec {
  const root = Root.fromJSON(realtimeDescriptor(numbering) as INamespace);
  root.resolveAll();
  const envelope = root.lookupType('nakama.realtime.Envelope');
  const converters = new Converters();
  const members = new Map<string, Member>();
  const byNumber: (Member | undefined)[] = [];
  for (const field of envelope.fieldsArray) {
    if (field.name === 'cid') continue;
    const type = field.resolvedType as Type;
    const member: Member = Object.freeze({
      name: field.name,
      tag: ((field.id << 3) | 2) >>> 0,
      type,
      toPb: converters.toPb(type),
      fromPb: converters.fromPb(type, 'json'),
      fromPbNative: converters.fromPb(type, 'native'),
    });
    members.set(field.name, member);
    byNumber[field.id] = member;
  }
  return Object.freeze({ members, byNumber: Object.freeze(byNumber) });
}

/** Both numberings, compiled once at load; nothing here changes afterwards. */
const CODECS: Readonly<Record<PartyNumbering, Codec>> = Object.freeze({
  legacy: buildCodec('legacy'),
  current: buildCodec('current'),
});

/** Client messages that have a protobuf form (all but Tether's `authenticate` extension). */
const CLIENT_PB_KEYS: ReadonlySet<string> = new Set(CLIENT_MESSAGE_KEYS.filter((k) => k !== 'authenticate'));
const SERVER_KEYS: ReadonlySet<string> = new Set<string>(SERVER_MESSAGE_KEYS);
/** Error text prefixes: a server decoding a client frame, a client decoding a server frame. */
const CLIENT_MALFORMED = 'Malformed protobuf';
const SERVER_MALFORMED = 'Malformed server message';

/**
 * protobufjs returns Node `Buffer`s for `bytes` fields when it reads a `Buffer`; a plain view of the
 * same memory makes the output the same everywhere (no copy).
 */
function plainView(bytes: Uint8Array | ArrayBuffer): Uint8Array {
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  return bytes.constructor === Uint8Array
    ? bytes
    : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
}

function detailOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** An Envelope read from the wire: its cid, its (last) member, and where that member's body is. */
interface Frame {
  cid: string | undefined;
  member: Member | undefined;
  /** The last member's body bytes (a view of the frame). */
  body: Uint8Array | undefined;
  /** The first top-level field other than `cid` that is not a member (unknown number, wrong wire type). */
  stray: number | undefined;
}

/** The error for bytes that are not an Envelope; `prefix` says which side was decoding. */
function malformed(prefix: string, e: unknown, cid: string | undefined): RealtimeError {
  return new RealtimeError(RealtimeErrorCode.UNRECOGNIZED_PAYLOAD, `${prefix}: ${detailOf(e)}`, {
    cid,
    cause: e,
  });
}

/**
 * Reads the Envelope's own fields (the cid, and where the member's body is); the body is decoded
 * afterwards, by {@link decodeBody} or a fast reader. The Envelope is not decoded by protobufjs: with
 * 50 oneof members its generated decoder deletes the 49 others from every new message, which made a
 * `match_data_send` decode several times slower (bench/protobuf-codec.ts). Proto rules apply: the
 * last cid and the last member on the wire win; unknown fields are skipped.
 */
function readEnvelope(view: Uint8Array, codec: Codec, prefix: string): Frame {
  const frame: Frame = { cid: undefined, member: undefined, body: undefined, stray: undefined };
  try {
    const reader = Reader.create(view);
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      const number = tag >>> 3;
      const wireType = tag & 7;
      if (number === 0) throw new Error('invalid field number 0');
      if (number === 1 && wireType === 2) {
        frame.cid = reader.stringVerify() || undefined;
        continue;
      }
      const member = wireType === 2 ? codec.byNumber[number] : undefined;
      if (member === undefined) {
        // A cid of the wrong wire type is skipped like any unknown field, as protobuf-go does.
        if (number !== 1) frame.stray ??= number;
        reader.skipType(wireType);
        continue;
      }
      const length = reader.uint32();
      const start = reader.pos;
      reader.skip(length);
      frame.body = view.subarray(start, reader.pos);
      frame.member = member;
    }
  } catch (e) {
    throw malformed(prefix, e, frame.cid);
  }
  return frame;
}

/** Decodes the member body of a frame with protobufjs. */
function decodeBody(frame: Frame, prefix: string): Fields {
  try {
    return frame.member!.type.decode(frame.body!) as unknown as Fields;
  } catch (e) {
    throw malformed(prefix, e, frame.cid);
  }
}

function cannotEncode(why: string, cause?: unknown): RealtimeError {
  return new RealtimeError(
    RealtimeErrorCode.RUNTIME_EXCEPTION,
    `Cannot encode envelope as protobuf: ${why}`,
    {
      cause,
    },
  );
}

/** Shared by both encoders; `allowed` limits the members (client side), `undefined` allows all. */
function encode(envelope: object, codec: Codec, allowed: ReadonlySet<string> | undefined): Uint8Array {
  const env = envelope as Fields;
  let cid: string | undefined;
  let member: Member | undefined;
  let body: unknown;
  for (const key of Object.keys(env)) {
    const value = env[key];
    if (key === 'cid') {
      if (value !== undefined && value !== null && typeof value !== 'string')
        throw cannotEncode('cid is not a string');
      cid = value || undefined;
      continue;
    }
    if (value === undefined || value === null) continue;
    const m = codec.members.get(key);
    if (m === undefined || (allowed !== undefined && !allowed.has(key))) {
      throw cannotEncode(`'${key}' has no protobuf form${allowed ? ' a client can send' : ''}`);
    }
    if (member !== undefined) throw cannotEncode(`more than one message (${member.name}, ${key})`);
    if (typeof value !== 'object' || Array.isArray(value)) throw cannotEncode(`${key} is not an object`);
    member = m;
    body = value;
  }
  const writer = Writer.create();
  if (cid !== undefined) writer.uint32(0x0a).string(cid);
  if (member !== undefined) {
    try {
      member.type.encode(member.toPb(body as Fields), writer.uint32(member.tag).fork()).ldelim();
    } catch (e) {
      if (e instanceof RealtimeError) throw e;
      throw cannotEncode(`${member.name}: ${detailOf(e)}`, e);
    }
  }
  return writer.finish();
}

/**
 * Encodes a server-to-client envelope (a reply, a push, an error, or a bare `{cid}` reply) as
 * Envelope bytes. The input is the JSON-shaped object the JSON transport would stringify: at most one
 * member key besides `cid`; `null` and `undefined` members are ignored; keys the schema does not have
 * inside a body (such as nakama-js's `node`) are dropped. `{}` encodes to a zero-length frame.
 *
 * @param envelope - e.g. `{ match_data: { match_id, op_code: '1', data: 'AQI=', presence } }`; `int64`
 *   may also be a number, `bytes` a `Uint8Array`, timestamps a `Date`
 * @param options - `partyNumbering` for the `party` message
 * @returns the serialized Envelope (a `Buffer` under Node)
 * @throws {@link RealtimeError} RUNTIME_EXCEPTION when the object has no protobuf form (an unknown or
 *   Tether-only member such as `session`, two members, or a field of the wrong kind)
 */
export function encodeEnvelopePb(envelope: object, options?: ProtobufOptions): Uint8Array {
  return encode(envelope, CODECS[options?.partyNumbering ?? DEFAULT_PARTY_NUMBERING], undefined);
}

/**
 * Encodes a client-to-server envelope, for client SDKs: the JSON-shaped object a JSON client would
 * send (`{cid: '2', channel_join: {…}}`). Same rules as {@link encodeEnvelopePb}, but only members a
 * client may send are accepted.
 *
 * @param envelope - e.g. `{ match_data_send: { match_id, op_code: 1, data: bytes } }`
 * @throws {@link RealtimeError} RUNTIME_EXCEPTION for a member a client cannot send over protobuf
 *   (including Tether's `authenticate`, which only framed carriers use)
 */
export function encodeClientEnvelopePb(envelope: object): Uint8Array {
  return encode(envelope, CODECS[DEFAULT_PARTY_NUMBERING], CLIENT_PB_KEYS);
}

/**
 * Decodes and validates one client binary frame. The result, and every error, is what
 * `decodeEnvelope` gives for the same message in JSON: bodies are validated by the same schemas.
 *
 * @param bytes - the frame as received
 * @param options - optional size limit in bytes
 * @throws {@link RealtimeError} and nothing else (see the table above); `err.cid` is set when the cid
 *   could be read
 */
export function decodeEnvelopePb(bytes: Uint8Array, options?: DecodeOptions): DecodedEnvelope {
  const maxBytes = options?.maxBytes;
  if (maxBytes !== undefined && bytes.length > maxBytes) throw messageTooLarge(bytes.length, maxBytes);
  const frame = readEnvelope(plainView(bytes), CODECS[DEFAULT_PARTY_NUMBERING], CLIENT_MALFORMED);
  const { cid, member, stray } = frame;
  if (member === undefined) {
    if (stray === undefined)
      throw new RealtimeError(RealtimeErrorCode.MISSING_PAYLOAD, 'Missing message.', { cid });
    throw new RealtimeError(RealtimeErrorCode.UNRECOGNIZED_PAYLOAD, `Unrecognized message: field ${stray}`, {
      cid,
      context: { message: `field ${stray}` },
    });
  }
  const key = member.name;
  if (!CLIENT_PB_KEYS.has(key)) {
    throw new RealtimeError(
      RealtimeErrorCode.UNRECOGNIZED_PAYLOAD,
      `Unrecognized message: ${key} (server-to-client message)`,
      { cid, context: { message: key } },
    );
  }
  const fast =
    key === 'match_data_send'
      ? fastMatchDataSendPb(frame.body!, options?.keepBytes === true)
      : key === 'party_data_send'
        ? fastPartyDataSendPb(frame.body!)
        : undefined;
  if (fast !== undefined) {
    const decoded = { type: key, body: fast } as DecodedEnvelope;
    if (cid !== undefined) decoded.cid = cid;
    return decoded;
  }
  const body = member.fromPb(decodeBody(frame, CLIENT_MALFORMED));
  return validateClientMessage(key as ClientMessageKey, body, cid);
}

/**
 * Decodes one server binary frame, for client SDKs: the protobuf mirror of `decodeServerEnvelope`,
 * with the same result type. Bodies come out in proto3 JSON shape (timestamps as RFC 3339 text,
 * wrappers as bare values, defaults omitted), except `match_data` and `party_data`, whose `op_code`
 * is a number (0 when absent) and `data` a `Uint8Array` (empty when absent; a view of `bytes`).
 *
 * @param bytes - the frame (a browser WebSocket with `binaryType = "arraybuffer"` gives an ArrayBuffer)
 * @param options - `partyNumbering` the server uses for `party`
 * @returns the message, `type: 'empty'` for a bare `{cid}` reply or a zero-length frame, or
 *   `type: 'unknown'` for a member this version does not know (`key` is `field_<number>` when the
 *   number is not in the schema either; `body` is then `undefined`)
 * @throws {@link RealtimeError} UNRECOGNIZED_PAYLOAD "Malformed server message: …" for bytes that are
 *   not an Envelope or values with no JSON form (an op code beyond ±2^53, an invalid timestamp)
 */
export function decodeServerEnvelopePb(
  bytes: Uint8Array | ArrayBuffer,
  options?: ProtobufOptions,
): DecodedServerEnvelope {
  const codec = CODECS[options?.partyNumbering ?? DEFAULT_PARTY_NUMBERING];
  const frame = readEnvelope(plainView(bytes), codec, SERVER_MALFORMED);
  const { cid, member, stray } = frame;
  const withCid = <T extends object>(env: T): T => (cid === undefined ? env : { cid, ...env });
  if (member === undefined) {
    if (stray === undefined) return withCid({ type: 'empty', body: undefined });
    return withCid({ type: 'unknown', key: `field_${stray}`, body: undefined });
  }
  const key = member.name;
  const raw = decodeBody(frame, SERVER_MALFORMED);
  try {
    if (!SERVER_KEYS.has(key)) return withCid({ type: 'unknown', key, body: member.fromPb(raw) });
    if (key === 'match_data' || key === 'party_data') {
      const body = member.fromPbNative(raw);
      body.op_code ??= 0;
      body.data ??= new Uint8Array(0);
      return withCid({ type: key, body } as unknown as KnownServerEnvelope);
    }
    return withCid({ type: key, body: member.fromPb(raw) } as KnownServerEnvelope);
  } catch (e) {
    if (!(e instanceof RealtimeError)) throw e;
    throw new RealtimeError(
      RealtimeErrorCode.UNRECOGNIZED_PAYLOAD,
      `Malformed server message: ${e.message}`,
      {
        cid,
      },
    );
  }
}
