/**
 * Property tests of the protobuf codec:
 * - random client messages, generated from the schema itself, decode to the same result (or the same
 *   error) through `decodeEnvelopePb` as their JSON twins through `decodeEnvelope`;
 * - garbage and damaged frames never throw anything but a `RealtimeError`.
 */
import fc from 'fast-check';
import { type Field, type INamespace, Root, type Type } from 'protobufjs/light.js';
import { describe, expect, it } from 'vitest';
import { encodeBase64 } from '../base64.ts';
import { decodeEnvelope } from '../envelope.ts';
import { RealtimeError, RealtimeErrorCode } from '../error-codes.ts';
import { CLIENT_MESSAGE_KEYS } from '../messages.ts';
import {
  decodeEnvelopePb,
  decodeServerEnvelopePb,
  encodeClientEnvelopePb,
  encodeEnvelopePb,
} from './codec.ts';
import { damagedFrames } from './damage.test-support.ts';
import { realtimeDescriptor } from './schema.ts';

const root = Root.fromJSON(realtimeDescriptor('legacy') as INamespace);
root.resolveAll();
const ENVELOPE = root.lookupType('nakama.realtime.Envelope');

/** A generated value in both shapes: what a JSON client sends, and what a protobuf client passes. */
interface Twin {
  json: unknown;
  pb: unknown;
}
const same = (v: unknown): Twin => ({ json: v, pb: v });

/** Strings that hit validation paths (empty, JSON objects, ids) mixed with arbitrary well-formed text. */
const text = fc.oneof(
  fc.constantFrom('', '{}', '{"a":1}', 'lobby', '*', 'u1', '2...lobby', 'x'.repeat(70)),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
);
const INT32 = fc.integer({ min: -2147483648, max: 2147483647 });
const SMALL_INT = fc.oneof(fc.integer({ min: -3, max: 300 }), INT32);
/** Finite doubles; -0 is left out because JSON cannot carry its sign. */
const DOUBLE = fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Object.is(d, -0));
const MAP_KEY = fc.string({ unit: 'grapheme', maxLength: 6 }).filter((k) => k !== '__proto__');

/** An arbitrary for one value of `field` (not repeated), in both shapes. */
function scalarOrMessage(field: Field, depth: number): fc.Arbitrary<Twin> {
  const type = field.resolvedType as Type | null;
  if (type !== null) {
    if (type.fullName.startsWith('.google.protobuf.')) {
      const inner = type.fields.value!.type;
      return (inner === 'bool' ? fc.boolean() : inner === 'int32' ? SMALL_INT : text).map(same);
    }
    return message(type, depth + 1);
  }
  switch (field.type) {
    case 'string':
      return text.map(same);
    case 'bool':
      return fc.boolean().map(same);
    case 'int32':
      return SMALL_INT.map(same);
    case 'double':
      return DOUBLE.map(same);
    case 'int64':
      return fc.maxSafeInteger().map((n) => ({ json: String(n), pb: n }));
    case 'bytes':
      return fc.uint8Array({ maxLength: 40 }).map((b) => ({ json: encodeBase64(b), pb: b }));
    default:
      throw new Error(`no generator for ${field.type}`);
  }
}

/** An arbitrary message of `type` with any subset of its fields, at most one member per oneof. */
function message(type: Type, depth: number): fc.Arbitrary<Twin> {
  const oneofMembers = new Set(type.oneofsArray.flatMap((o) => o.oneof));
  const entries: [string, fc.Arbitrary<Twin>][] = [];
  for (const field of type.fieldsArray) {
    if (oneofMembers.has(field.name) || depth > 3) continue;
    if (field.map) {
      const value = scalarOrMessage(field, depth);
      const map = fc.dictionary(MAP_KEY, value, { maxKeys: 3 }).map((d) => ({
        json: Object.fromEntries(Object.entries(d).map(([k, v]) => [k, v.json])),
        pb: Object.fromEntries(Object.entries(d).map(([k, v]) => [k, v.pb])),
      }));
      entries.push([field.name, map]);
    } else if (field.repeated) {
      const list = fc.array(scalarOrMessage(field, depth), { maxLength: 3 });
      entries.push([field.name, list.map((a) => ({ json: a.map((t) => t.json), pb: a.map((t) => t.pb) }))]);
    } else entries.push([field.name, scalarOrMessage(field, depth)]);
  }
  const oneofs = type.oneofsArray.map((o) =>
    fc.option(
      fc
        .constantFrom(...o.oneof)
        .chain((name) => scalarOrMessage(type.fields[name]!, depth).map((v) => [name, v] as const)),
    ),
  );
  return fc
    .tuple(fc.record(Object.fromEntries(entries), { requiredKeys: [] }), fc.tuple(...oneofs))
    .map(([fields, chosen]) => {
      const all = Object.entries(fields as Record<string, Twin>);
      for (const member of chosen) if (member !== null) all.push([member[0], member[1]]);
      return {
        json: Object.fromEntries(all.map(([k, v]) => [k, v.json])),
        pb: Object.fromEntries(all.map(([k, v]) => [k, v.pb])),
      };
    });
}

const PB_CLIENT_KEYS = CLIENT_MESSAGE_KEYS.filter((k) => k !== 'authenticate');
const clientEnvelope = fc
  .tuple(
    fc.option(fc.constantFrom('', '1', '42', 'é')),
    fc
      .constantFrom(...PB_CLIENT_KEYS)
      .chain((key) => message(ENVELOPE.fields[key]!.resolvedType as Type, 0).map((b) => [key, b] as const)),
  )
  .map(([cid, [key, body]]) => {
    const head = cid === null ? {} : { cid };
    return { json: { ...head, [key]: body.json }, pb: { ...head, [key]: body.pb } };
  });

/** The result of a decode, or its error's observable parts; any other exception fails the test. */
function outcome(decode: () => unknown): unknown {
  try {
    return { ok: decode() };
  } catch (e) {
    if (!(e instanceof RealtimeError)) throw e;
    return { code: e.code, message: e.message, cid: e.cid, fatal: e.fatal, context: e.context };
  }
}

describe('JSON and protobuf decoding agree', () => {
  it('on random client messages generated from the schema', () => {
    fc.assert(
      fc.property(clientEnvelope, ({ json, pb }) => {
        const viaJson = outcome(() => decodeEnvelope(JSON.stringify(json)));
        const viaPb = outcome(() => decodeEnvelopePb(encodeClientEnvelopePb(pb)));
        expect(viaPb).toEqual(viaJson);
      }),
      { numRuns: 3000 },
    );
  });
});

/** Decodes with both decoders; only RealtimeErrors may escape (checked by `outcome`). */
function decodeBoth(bytes: Uint8Array): void {
  outcome(() => decodeEnvelopePb(bytes, { maxBytes: 4096 }));
  outcome(() => decodeServerEnvelopePb(bytes));
  outcome(() => decodeServerEnvelopePb(bytes, { partyNumbering: 'current' }));
}

/** Valid frames of many kinds, to damage. */
const validFrame = fc.oneof(
  clientEnvelope.map((e) => {
    try {
      return encodeClientEnvelopePb(e.pb);
    } catch {
      return new Uint8Array(0);
    }
  }),
  fc.constant(
    encodeEnvelopePb({
      channel_message: { channel_id: 'c', code: 1, create_time: '2024-01-02T03:04:05Z', persistent: true },
    }),
  ),
  fc.constant(
    encodeEnvelopePb({
      match_data: { match_id: 'm', presence: { user_id: 'u', status: 's' }, op_code: -5, data: 'AQI=' },
    }),
  ),
);

describe('garbage never throws anything but a RealtimeError', () => {
  it('random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => decodeBoth(bytes)),
      { numRuns: 5000 },
    );
  });

  it('valid frames with bytes flipped, cut or inserted', () => {
    const damaged = damagedFrames(validFrame);
    fc.assert(
      fc.property(damaged, (bytes) => decodeBoth(bytes)),
      { numRuns: 5000 },
    );
  });

  it('deeply nested groups and messages', () => {
    // 100 000 nested start-group tags in an unknown field, then the same inside a member.
    const groups = new Uint8Array(100_000).fill(0xa3); // field 20 (as a group), wire type 3
    const err = outcome(() => decodeEnvelopePb(groups));
    expect(err).toMatchObject({ code: RealtimeErrorCode.UNRECOGNIZED_PAYLOAD });
    const inMember = Uint8Array.from([
      0x0a,
      0x01,
      0x39,
      0x7a,
      0xff,
      0xff,
      0x03,
      ...groups.subarray(0, 65535),
    ]);
    expect(outcome(() => decodeEnvelopePb(inMember))).toMatchObject({
      code: RealtimeErrorCode.UNRECOGNIZED_PAYLOAD,
      cid: '9',
    });
  });

  it('invalid UTF-8 in a string field is malformed, with the cid when it was readable', () => {
    // cid "5", then match_leave{match_id: 0xc3 0x28}.
    const bytes = Uint8Array.from([0x0a, 0x01, 0x35, 0x8a, 0x01, 0x04, 0x0a, 0x02, 0xc3, 0x28]);
    expect(outcome(() => decodeEnvelopePb(bytes))).toEqual({
      code: RealtimeErrorCode.UNRECOGNIZED_PAYLOAD,
      message: 'Malformed protobuf: The encoded data was not valid for encoding utf-8',
      cid: '5',
      fatal: false,
      context: undefined,
    });
  });

  it('over maxBytes is fatal with close code 1009, before any parsing', () => {
    const err = outcome(() => decodeEnvelopePb(new Uint8Array(4097), { maxBytes: 4096 }));
    expect(err).toMatchObject({ code: RealtimeErrorCode.BAD_INPUT, fatal: true });
    try {
      decodeEnvelopePb(new Uint8Array(4097), { maxBytes: 4096 });
    } catch (e) {
      expect((e as RealtimeError).closeCode).toBe(1009);
    }
  });
});

describe('envelope-level errors', () => {
  const cases: [string, number[], object][] = [
    ['empty frame', [], { code: RealtimeErrorCode.MISSING_PAYLOAD, message: 'Missing message.' }],
    ['cid only', [0x0a, 0x01, 0x37], { code: RealtimeErrorCode.MISSING_PAYLOAD, cid: '7' }],
    [
      'unknown member 100',
      [0x0a, 0x01, 0x37, 0xa2, 0x06, 0x00],
      { code: RealtimeErrorCode.UNRECOGNIZED_PAYLOAD, message: 'Unrecognized message: field 100', cid: '7' },
    ],
    [
      'a member with the wrong wire type',
      [0x80, 0x02, 0x01],
      { code: RealtimeErrorCode.UNRECOGNIZED_PAYLOAD, message: 'Unrecognized message: field 32' },
    ],
    [
      'a server-to-client member',
      [0x62, 0x00],
      {
        code: RealtimeErrorCode.UNRECOGNIZED_PAYLOAD,
        message: 'Unrecognized message: match (server-to-client message)',
      },
    ],
    ['field number 0', [0x02, 0x00], { code: RealtimeErrorCode.UNRECOGNIZED_PAYLOAD }],
    [
      'a cid of the wrong wire type',
      [0x08, 0x01],
      { code: RealtimeErrorCode.MISSING_PAYLOAD, cid: undefined },
    ],
    [
      'a schema failure',
      [0x0a, 0x01, 0x33, 0xc2, 0x01, 0x00],
      { code: RealtimeErrorCode.BAD_INPUT, message: 'RPC ID must be set', cid: '3' },
    ],
  ];
  it.each(cases)('%s', (_, bytes, expected) => {
    expect(outcome(() => decodeEnvelopePb(Uint8Array.from(bytes)))).toMatchObject(expected);
  });

  it.each(['9223372036854775807', '-9223372036854775808', '9007199254740992', '-9007199254740993'])(
    'an op code of %s beyond ±2^53 fails as in JSON',
    (op) => {
      for (const key of ['match_data_send', 'party_data_send']) {
        const viaPb = outcome(() =>
          decodeEnvelopePb(encodeClientEnvelopePb({ cid: '1', [key]: { op_code: op } })),
        );
        expect(viaPb).toEqual(
          outcome(() => decodeEnvelope(JSON.stringify({ cid: '1', [key]: { op_code: op } }))),
        );
        expect(viaPb).toMatchObject({
          code: RealtimeErrorCode.BAD_INPUT,
          message: `Invalid ${key}.op_code: must be between -9007199254740991 and 9007199254740991`,
        });
      }
    },
  );

  it('keeps the last of two members, as protobuf does', () => {
    // ping (32) then pong (33): the pong wins.
    expect(decodeEnvelopePb(Uint8Array.from([0x82, 0x02, 0x00, 0x8a, 0x02, 0x00]))).toEqual({
      type: 'pong',
      body: {},
    });
  });

  it('reports empty and unknown server frames without throwing', () => {
    expect(decodeServerEnvelopePb(Uint8Array.from([0x0a, 0x01, 0x32]))).toEqual({
      cid: '2',
      type: 'empty',
      body: undefined,
    });
    expect(decodeServerEnvelopePb(new ArrayBuffer(0))).toEqual({ type: 'empty', body: undefined });
    expect(decodeServerEnvelopePb(Uint8Array.from([0xa2, 0x06, 0x00]))).toEqual({
      type: 'unknown',
      key: 'field_100',
      body: undefined,
    });
  });
});
