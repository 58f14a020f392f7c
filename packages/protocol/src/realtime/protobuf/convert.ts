/**
 * The one place where Nakama's JSON and protobuf forms of a message differ, driven by the schema.
 *
 * Tether builds and validates messages in their proto3 JSON shape (snake_case keys, int64 as decimal
 * text, `bytes` as base64, wrappers as bare values, timestamps as RFC 3339 text, defaults omitted).
 * protobufjs reads and writes the same keys, so most fields pass through untouched; only these kinds
 * are converted, per field, by converters compiled once from the reflected schema:
 *
 * | proto type | JSON shape | protobufjs shape |
 * |---|---|---|
 * | `int64` | `"7"`, or `7` within ±2^53 (decoding gives the number then) | number, or a `Long` on decode |
 * | `bytes` | standard base64 (a `Uint8Array` is accepted on encode) | `Uint8Array` |
 * | `BoolValue` / `Int32Value` / `StringValue` | bare value | `{value}`; present-but-default is `{}` |
 * | `Timestamp` | RFC 3339 text (a `Date` is accepted on encode) | `{seconds, nanos}` |
 *
 * Decoding also normalises to what protojson would print: a scalar at its default, an empty list and
 * an empty map are left out; a oneof member and a present wrapper are kept even when at default.
 *
 * @packageDocumentation
 */

import type { Field, Type } from 'protobufjs/light.js';
import { decodeBase64, encodeBase64 } from '../base64.ts';
import { RealtimeError, RealtimeErrorCode } from '../error-codes.ts';
import { formatTimestamp, type PbTimestamp, parseTimestamp } from './timestamp.ts';

/** An object with string keys: a JSON-shaped body, or a protobufjs message. */
export type Fields = Record<string, unknown>;
/** Turns a JSON-shaped body into what protobufjs encodes (the input itself when nothing changes). */
export type ToPb = (body: Fields) => Fields;
/** Turns a decoded protobufjs message into a new JSON-shaped body. */
export type FromPb = (message: Fields) => Fields;

/**
 * How decoding renders `int64` and `bytes`: `json` as proto3 JSON (decimal text, base64), `native`
 * as a JS number (safe range, else an error) and the raw `Uint8Array`, for client SDKs that hand
 * match and party data straight to games.
 */
export type ScalarStyle = 'json' | 'native';

/** What protobufjs gives for an `int64`: a number, or a `Long` (two's-complement halves) when long.js is loaded. */
export interface LongLike {
  low: number;
  high: number;
}

const WRAPPERS: Readonly<Record<string, 'bool' | 'int32' | 'string'>> = {
  '.google.protobuf.BoolValue': 'bool',
  '.google.protobuf.Int32Value': 'int32',
  '.google.protobuf.StringValue': 'string',
};
const TIMESTAMP = '.google.protobuf.Timestamp';
/** Decimal integers certainly within the safe range; longer ones go through `BigInt`. */
const SMALL_INTEGER = /^-?(?:0|[1-9]\d{0,14})$/;
const INTEGER = /^-?(?:0|[1-9]\d*)$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function cannotEncode(field: Field, why: string): RealtimeError {
  return new RealtimeError(
    RealtimeErrorCode.RUNTIME_EXCEPTION,
    `Cannot encode ${field.parent?.name}.${field.name} as protobuf: ${why}`,
  );
}

/** A decoded value that has no JSON form; the decoders prefix the text with what was being decoded. */
function malformed(field: Field, why: string): RealtimeError {
  return new RealtimeError(
    RealtimeErrorCode.UNRECOGNIZED_PAYLOAD,
    `${field.parent?.name}.${field.name} ${why}`,
  );
}

/**
 * A decoded int64 in a form proto3 JSON input accepts: a number when it is a safe integer (cheaper to
 * validate than text), else decimal text.
 */
export function int64Json(v: number | LongLike): number | string {
  const n = int64Number(v);
  if (n !== undefined) return n;
  if (typeof v === 'number') return String(v);
  return String(BigInt.asIntN(64, (BigInt(v.high) << 32n) | BigInt(v.low >>> 0)));
}

/** A decoded int64 as a JS number, or `undefined` outside the safe-integer range. */
export function int64Number(v: number | LongLike): number | undefined {
  // high * 2^32 + low is exact whenever the result is a safe integer; larger results are not safe.
  const n = typeof v === 'number' ? v : v.high * 4294967296 + (v.low >>> 0);
  return Number.isSafeInteger(n) ? n : undefined;
}

function int64ToPb(field: Field, v: unknown): unknown {
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v)) return v;
  } else if (typeof v === 'string') {
    if (SMALL_INTEGER.test(v)) return Number(v);
    // protobufjs parses longer decimal text itself (through long.js).
    if (INTEGER.test(v) && BigInt(v) >= INT64_MIN && BigInt(v) <= INT64_MAX) return v;
  }
  throw cannotEncode(field, 'expected an int64 (a safe integer or decimal text)');
}

function bytesToPb(field: Field, v: unknown): unknown {
  if (v instanceof Uint8Array) return v;
  const bytes = typeof v === 'string' ? decodeBase64(v) : undefined;
  if (bytes === undefined) throw cannotEncode(field, 'expected base64 text or a Uint8Array');
  return bytes;
}

function timestampToPb(field: Field, v: unknown): PbTimestamp {
  if (v instanceof Date && !Number.isNaN(v.getTime())) {
    const ms = v.getTime();
    const seconds = Math.floor(ms / 1000);
    return { seconds, nanos: (ms - seconds * 1000) * 1_000_000 };
  }
  const ts = typeof v === 'string' ? parseTimestamp(v) : undefined;
  if (ts === undefined) throw cannotEncode(field, 'expected RFC 3339 text or a Date');
  return ts;
}

function wrapperToPb(field: Field, inner: 'bool' | 'int32' | 'string', v: unknown): { value: unknown } {
  const ok =
    inner === 'bool'
      ? typeof v === 'boolean'
      : inner === 'string'
        ? typeof v === 'string'
        : typeof v === 'number' && Number.isInteger(v) && v >= -2147483648 && v <= 2147483647;
  if (!ok) throw cannotEncode(field, `expected a bare ${inner}`);
  return { value: v };
}

function isFields(v: unknown): v is Fields {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function hasKeys(v: object): boolean {
  return Object.keys(v).length > 0;
}

/**
 * Compiles the converters for every message type reachable from the roots. Each type is compiled
 * once; the returned functions are pure and share nothing mutable.
 */
export class Converters {
  readonly #toPb = new Map<Type, ToPb>();
  readonly #fromPb = new Map<string, FromPb>();

  /** The JSON → protobufjs converter of `type`. */
  toPb(type: Type): ToPb {
    let fn = this.#toPb.get(type);
    if (fn === undefined) {
      fn = this.#compileToPb(type);
      this.#toPb.set(type, fn);
    }
    return fn;
  }

  /** The protobufjs → JSON converter of `type`, rendering int64 and bytes in `style`. */
  fromPb(type: Type, style: ScalarStyle = 'json'): FromPb {
    const key = `${style}${type.fullName}`;
    let fn = this.#fromPb.get(key);
    if (fn === undefined) {
      fn = this.#compileFromPb(type, style);
      this.#fromPb.set(key, fn);
    }
    return fn;
  }

  #compileToPb(type: Type): ToPb {
    const steps: [string, (v: unknown) => unknown][] = [];
    for (const field of type.fieldsArray) {
      const convert = this.#fieldToPb(field);
      if (convert !== undefined) steps.push([field.name, convert]);
    }
    if (steps.length === 0) return (body) => body;
    return (body) => {
      let out = body;
      for (const [name, convert] of steps) {
        const v = body[name];
        if (v === undefined || v === null) continue;
        const converted = convert(v);
        if (converted === v) continue;
        if (out === body) out = { ...body };
        out[name] = converted;
      }
      return out;
    };
  }

  /** The conversion of one field's value, or `undefined` when the value passes through as it is. */
  #fieldToPb(field: Field): ((v: unknown) => unknown) | undefined {
    const type = field.resolvedType as Type | null;
    let one: ((v: unknown) => unknown) | undefined;
    if (type === null) {
      if (field.map) return undefined; // every map on the socket has scalar values
      if (field.type === 'int64') one = (v) => int64ToPb(field, v);
      else if (field.type === 'bytes') one = (v) => bytesToPb(field, v);
      else return undefined;
    } else if (type.fullName in WRAPPERS) {
      const inner = WRAPPERS[type.fullName]!;
      one = (v) => wrapperToPb(field, inner, v);
    } else if (type.fullName === TIMESTAMP) {
      one = (v) => timestampToPb(field, v);
    } else {
      const sub = this.toPb(type);
      one = (v) => {
        if (!isFields(v)) throw cannotEncode(field, 'expected an object');
        return sub(v);
      };
    }
    if (!field.repeated) return one;
    const each = one;
    return (v) => {
      if (!Array.isArray(v)) throw cannotEncode(field, 'expected an array');
      let out: unknown[] = v;
      for (let i = 0; i < v.length; i++) {
        const converted = each(v[i]);
        if (converted === v[i]) continue;
        if (out === v) out = v.slice();
        out[i] = converted;
      }
      return out;
    };
  }

  #compileFromPb(type: Type, style: ScalarStyle): FromPb {
    const steps = type.fieldsArray.map((field) => [field.name, this.#fieldFromPb(field, style)] as const);
    return (message) => {
      const out: Fields = {};
      for (const [name, convert] of steps) {
        if (!Object.hasOwn(message, name)) continue;
        const v = convert(message[name]);
        if (v !== undefined) out[name] = v;
      }
      return out;
    };
  }

  /** The conversion of one decoded field; `undefined` from it means "leave the key out". */
  #fieldFromPb(field: Field, style: ScalarStyle): (v: unknown) => unknown {
    if (field.map) return (v) => (hasKeys(v as object) ? v : undefined);
    const type = field.resolvedType as Type | null;
    let one: (v: unknown) => unknown;
    if (type === null) {
      if (field.type === 'int64') {
        one =
          style === 'json'
            ? (v) => int64Json(v as number | LongLike)
            : (v) => {
                const n = int64Number(v as number | LongLike);
                if (n === undefined) throw malformed(field, 'is not an integer in the safe range');
                return n;
              };
      } else if (field.type === 'bytes' && style === 'json') {
        one = (v) => ((v as Uint8Array).length > 0 ? encodeBase64(v as Uint8Array) : undefined);
      } else one = (v) => v;
    } else if (type.fullName in WRAPPERS) {
      one = (v) => (v as { value: unknown }).value;
    } else if (type.fullName === TIMESTAMP) {
      one = (v) => {
        const { seconds, nanos } = v as { seconds: number | LongLike; nanos: number };
        const n = int64Number(seconds);
        const text = n === undefined ? undefined : formatTimestamp(n, nanos);
        if (text === undefined) throw malformed(field, 'is not a valid timestamp');
        return text;
      };
    } else {
      one = this.fromPb(type, style) as (v: unknown) => unknown;
    }
    if (!field.repeated) return one;
    const each = one;
    return (v) => ((v as unknown[]).length > 0 ? (v as unknown[]).map(each) : undefined);
  }
}
