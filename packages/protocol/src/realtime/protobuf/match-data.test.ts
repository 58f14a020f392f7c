/**
 * The relay hot path's hand-written protobuf code against the generic codec it stands in for:
 * - `fastMatchDataSendPb` answers only with what the generic path (protobufjs decode, conversion,
 *   schema validation) gives for the same body, on generated and damaged bodies, in both forms;
 * - `encodeMatchDataPb` writes the bytes `encodeEnvelopePb` writes for the same `match_data`.
 */
import fc from 'fast-check';
import { type INamespace, Root, type Type } from 'protobufjs/light.js';
import { describe, expect, it } from 'vitest';
import { encodeBase64 } from '../base64.ts';
import { validateClientMessage } from '../client-message.ts';
import { RealtimeError } from '../error-codes.ts';
import type { UserPresence } from '../presence.ts';
import { decodeEnvelopePb, encodeClientEnvelopePb, encodeEnvelopePb } from './codec.ts';
import { Converters } from './convert.ts';
import { damagedFrames } from './damage.test-support.ts';
import { fastMatchDataSendPb, MatchDataSendBytes, plainClientBody } from './fast.ts';
import { encodeMatchDataPb, matchDataHeadPb } from './match-data.ts';
import { realtimeDescriptor } from './schema.ts';

const root = Root.fromJSON(realtimeDescriptor('legacy') as INamespace);
root.resolveAll();
const MATCH_DATA_SEND = root.lookupType('nakama.realtime.MatchDataSend') as Type;
const fromPb = new Converters().fromPb(MATCH_DATA_SEND, 'json');

/** The generic path's answer for a body: the decoded body, or the error's code and text. */
function generic(body: Uint8Array): unknown {
  try {
    const decoded = fromPb(MATCH_DATA_SEND.decode(body) as unknown as Record<string, unknown>);
    return { ok: validateClientMessage('match_data_send', decoded, undefined).body };
  } catch (e) {
    if (e instanceof RealtimeError) return { code: e.code, message: e.message };
    // protobufjs's own errors (truncated, bad wire type): the codec wraps them as malformed.
    return { malformed: true };
  }
}

/** Checks both forms of the fast reader against the generic path; true when the fast path answered. */
function agrees(body: Uint8Array): boolean {
  const plain = fastMatchDataSendPb(body);
  const kept = fastMatchDataSendPb(body, true);
  expect(kept === undefined).toBe(plain === undefined);
  if (plain === undefined) return false;
  expect({ ok: plain }).toEqual(generic(body));
  expect(kept).toBeInstanceOf(MatchDataSendBytes);
  const bytes = kept as MatchDataSendBytes;
  expect(bytes.toPlain()).toEqual(plain);
  expect(plainClientBody(bytes)).toEqual(plain);
  expect(JSON.parse(JSON.stringify(bytes))).toEqual(plain);
  expect(encodeBase64(bytes.bytes)).toBe(plain.data);
  expect(bytes.data).toBe(plain.data);
  return true;
}

/** The body bytes of a client `match_data_send` envelope (the envelope's tag and length cut off). */
function bodyOf(envelope: Uint8Array): Uint8Array {
  let i = 1;
  while (envelope[i]! >= 0x80) i++;
  // The member tag (field 13) is one byte; its length varint ends at i.
  return envelope.subarray(i + 1);
}

const ids = fc.oneof(
  fc.constantFrom('', 'a', '1c1f8f8e-9f6b-4e0e-9b1a-0c3a5b7d9e2f.', 'x'.repeat(128), 'x'.repeat(129), 'é'),
  fc.string({ maxLength: 50 }),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
);
const opCodes = fc.oneof(
  fc.constantFrom(0, 1, 127, 128, 2 ** 49 - 1, 2 ** 49, Number.MAX_SAFE_INTEGER, -1),
  fc.nat(),
  fc.maxSafeInteger(),
);
const sendBody = fc.record(
  {
    match_id: ids,
    op_code: opCodes,
    data: fc.uint8Array({ maxLength: 300 }),
    reliable: fc.boolean(),
    presences: fc.array(fc.record({ session_id: fc.constantFrom('s', '') }), { maxLength: 2 }),
  },
  { requiredKeys: [] },
);
const sendFrame = sendBody.map((b) => bodyOf(encodeClientEnvelopePb({ match_data_send: b })));

describe('fastMatchDataSendPb', () => {
  it('agrees with the generic path on generated bodies, and answers for the plain shape', () => {
    let answered = 0;
    fc.assert(
      fc.property(sendFrame, (body) => {
        if (agrees(body)) answered++;
      }),
      { numRuns: 3000 },
    );
    expect(answered).toBeGreaterThan(500);
  });

  it('agrees with the generic path on damaged bodies and on random bytes', () => {
    const damaged = damagedFrames(sendFrame);
    fc.assert(
      fc.property(damaged, (body) => {
        agrees(body);
      }),
      { numRuns: 5000 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (body) => {
        agrees(body);
      }),
      { numRuns: 3000 },
    );
  });

  it('leaves unusual encodings to the generic path, which still decodes them', () => {
    const cases: [string, number[]][] = [
      ['an op code in 8 varint bytes', [0x10, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]],
      ['a negative op code', [0x10, ...Array(9).fill(0xff), 0x01]],
      ['a bool in two bytes', [0x28, 0x81, 0x00]],
      ['a bool of 2', [0x28, 0x02]],
      ['a non-ASCII match id', [0x0a, 0x02, 0xc3, 0xa9]],
      ['target presences', [0x22, 0x03, 0x12, 0x01, 0x73]],
      ['an unknown field', [0x30, 0x01]],
      ['a length in three varint bytes', [0x1a, 0x80, 0x80, 0x00]],
    ];
    for (const [why, bytes] of cases) {
      const body = Uint8Array.from(bytes);
      expect(fastMatchDataSendPb(body), why).toBeUndefined();
      expect(generic(body), why).not.toEqual({ malformed: true });
    }
  });

  it('keeps the last of repeated fields, as protobuf does', () => {
    const body = Uint8Array.from([
      0x0a, 0x01, 0x61, 0x10, 0x05, 0x0a, 0x01, 0x62, 0x10, 0x07, 0x1a, 0x01, 0x09,
    ]);
    expect(agrees(body)).toBe(true);
    expect(fastMatchDataSendPb(body)).toMatchObject({ match_id: 'b', op_code: 7, data: 'CQ==' });
  });

  it('is what decodeEnvelopePb gives, with keepBytes a MatchDataSendBytes over the frame', () => {
    const data = Uint8Array.from([1, 2, 3, 250]);
    const frame = encodeClientEnvelopePb({ cid: '3', match_data_send: { match_id: 'm.', op_code: 9, data } });
    const plain = decodeEnvelopePb(frame);
    expect(plain).toEqual({
      cid: '3',
      type: 'match_data_send',
      body: { match_id: 'm.', op_code: 9, data: 'AQID+g==', presences: [], reliable: false },
    });
    const kept = decodeEnvelopePb(frame, { keepBytes: true });
    expect(kept.body).toBeInstanceOf(MatchDataSendBytes);
    expect(Array.from((kept.body as MatchDataSendBytes).bytes)).toEqual(Array.from(data));
    expect(plainClientBody(kept.body)).toEqual(plain.body);
    // Other messages are not affected.
    const rpc = encodeClientEnvelopePb({ rpc: { id: 'x' } });
    expect(decodeEnvelopePb(rpc, { keepBytes: true })).toEqual(decodeEnvelopePb(rpc));
  });
});

const presences: fc.Arbitrary<UserPresence> = fc.record(
  {
    user_id: fc.string({ maxLength: 40 }),
    session_id: fc.string({ maxLength: 40 }),
    username: fc.string({ unit: 'grapheme', maxLength: 20 }),
    persistence: fc.boolean(),
    status: fc.string({ maxLength: 10 }),
  },
  { requiredKeys: ['user_id', 'session_id', 'username'] },
);

describe('encodeMatchDataPb', () => {
  it('writes the bytes encodeEnvelopePb writes for the same match_data', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 60 }),
        presences,
        opCodes.filter((n) => n >= 0),
        fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ minLength: 100, maxLength: 20_000 })),
        fc.boolean(),
        (matchId, presence, opCode, data, reliable) => {
          const body: Record<string, unknown> = { match_id: matchId, op_code: String(opCode), presence };
          if (data.length > 0) body.data = encodeBase64(data);
          if (reliable) body.reliable = true;
          const expected = Array.from(encodeEnvelopePb({ match_data: body }));
          const head = matchDataHeadPb(matchId, presence);
          expect(Array.from(encodeMatchDataPb(head, opCode, data, reliable))).toEqual(expected);
          const pooled = encodeMatchDataPb(head, opCode, data, reliable, (n) => Buffer.allocUnsafe(n));
          expect(Array.from(pooled)).toEqual(expected);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('refuses an op code it cannot write as the generic encoder does', () => {
    const head = matchDataHeadPb('m', { user_id: 'u', session_id: 's', username: 'n' });
    for (const bad of [-1, 1.5, 2 ** 53, Number.NaN]) {
      expect(() => encodeMatchDataPb(head, bad, new Uint8Array(0), false)).toThrow(RangeError);
    }
  });
});
