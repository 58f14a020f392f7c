/**
 * Property tests: whatever a client sends, decoding either succeeds or throws a RealtimeError, and the
 * base64 and UTF-8 helpers agree with the platform's own implementations.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBase64, encodeBase64, normalizeBase64 } from './base64.ts';
import { decodeEnvelope, encodeEnvelope } from './envelope.ts';
import { RealtimeError } from './error-codes.ts';
import { utf8ByteLength } from './fields.ts';
import { CLIENT_MESSAGE_KEYS } from './messages.ts';

/** Decodes and reports 'ok' or 'error'; anything thrown that is not a RealtimeError fails the property. */
function decodeOutcome(text: string): 'ok' | 'error' {
  try {
    decodeEnvelope(text, { maxBytes: 1 << 16 });
    return 'ok';
  } catch (e) {
    if (!(e instanceof RealtimeError)) throw e;
    expect(typeof e.code).toBe('number');
    expect(e.message.length).toBeGreaterThan(0);
    return 'error';
  }
}

/** Every field name used by a client schema, so random bodies hit real validation paths. */
const FIELD_NAMES = [
  'user_ids',
  'usernames',
  'status',
  'target',
  'type',
  'persistence',
  'hidden',
  'channel_id',
  'message_id',
  'content',
  'name',
  'match_id',
  'token',
  'metadata',
  'op_code',
  'data',
  'presences',
  'reliable',
  'min_count',
  'max_count',
  'query',
  'string_properties',
  'numeric_properties',
  'count_multiple',
  'ticket',
  'id',
  'payload',
  'http_key',
  'open',
  'max_size',
  'label',
  'party_id',
  'presence',
  'user_id',
  'session_id',
  'username',
  'node',
];

/** Values that look like what fields expect, plus junk. */
const fieldValue = fc.oneof(
  fc.jsonValue(),
  fc.integer({ min: -5, max: 300 }),
  fc.constantFrom('', '7', '-1', '1.5', 'aGk=', '-_8', '{}', '{"a":1}', 'lobby', '\u0000', '\ud800'),
  fc.array(
    fc.record({ user_id: fc.string(), session_id: fc.string(), username: fc.string(), node: fc.string() }),
  ),
);

const body = fc.oneof(fc.jsonValue(), fc.dictionary(fc.constantFrom(...FIELD_NAMES), fieldValue));

const envelope = fc.record(
  {
    cid: fc.oneof(fc.string(), fc.integer(), fc.jsonValue()),
    key: fc.oneof(
      fc.constantFrom(...CLIENT_MESSAGE_KEYS, 'match', 'error', 'constructor', '__proto__'),
      fc.string(),
    ),
    body,
    extra: fc.option(fc.dictionary(fc.string(), fc.jsonValue())),
  },
  { requiredKeys: ['key', 'body'] },
);

describe('decodeEnvelope never throws anything but RealtimeError', () => {
  it('for arbitrary strings', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' })),
        (text) => {
          decodeOutcome(text);
          decodeOutcome(`{${text}`);
          decodeOutcome(`${text}\0`);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('for arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.json(), (text) => void decodeOutcome(text)),
      { numRuns: 2000 },
    );
  });

  it('for envelope-shaped objects with random bodies', () => {
    fc.assert(
      fc.property(envelope, ({ cid, key, body, extra }) => {
        const value: Record<string, unknown> = { ...extra };
        if (cid !== undefined) value.cid = cid;
        value[key] = body;
        decodeOutcome(JSON.stringify(value));
      }),
      { numRuns: 5000 },
    );
  });

  it('marks only non-object text as fatal (size limit aside)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        try {
          decodeEnvelope(text);
        } catch (e) {
          if (!(e instanceof RealtimeError)) throw e;
          if (e.fatal) expect(/^\uFEFF?[ \t\n\r]*\{/.test(text)).toBe(false);
        }
      }),
    );
  });
});

describe('match data round trip', () => {
  it('keeps any safe-integer op code and any bytes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
        fc.uint8Array({ maxLength: 300 }),
        fc.boolean(),
        (opCode, bytes, asNumber) => {
          const text = encodeEnvelope(undefined, 'match_data_send', {
            match_id: 'm.',
            op_code: (asNumber ? opCode : String(opCode)) as string,
            data: encodeBase64(bytes),
          });
          const env = decodeEnvelope(text);
          if (env.type !== 'match_data_send') throw new Error('wrong type');
          expect(env.body.op_code).toBe(opCode);
          expect(decodeBase64(env.body.data)).toEqual(bytes);
        },
      ),
    );
  });
});

describe('base64', () => {
  /** The platform encoder (global btoa, as in browsers) as a reference. */
  const reference = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));

  it('encodes like btoa and decodes back', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const text = encodeBase64(bytes);
        expect(text).toBe(reference(bytes));
        expect(normalizeBase64(text)).toBe(text);
        expect(decodeBase64(text)).toEqual(bytes);
      }),
    );
  });

  it('accepts URL-safe and unpadded forms and normalises them', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const canonical = reference(bytes);
        const loose = canonical.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
        expect(normalizeBase64(loose)).toBe(canonical);
        expect(decodeBase64(loose)).toEqual(bytes);
      }),
    );
  });

  it('rejects what is not base64', () => {
    for (const bad of ['a', 'aGk=x', 'aG=k', 'aGk===', '====', 'ab cd', 'é===', 'aGk=\n', 'abcde']) {
      expect(normalizeBase64(bad)).toBeUndefined();
      expect(decodeBase64(bad)).toBeUndefined();
    }
    expect(decodeBase64('')).toEqual(new Uint8Array(0));
  });

  it('encodes only the view of a subarray (unlike nakama-js, which encodes the whole buffer)', () => {
    const whole = new Uint8Array([1, 2, 3, 4, 5]);
    expect(encodeBase64(whole.subarray(1, 3))).toBe(reference(new Uint8Array([2, 3])));
  });
});

describe('utf8ByteLength', () => {
  it('matches TextEncoder for any string, lone surrogates included', () => {
    const encoder = new TextEncoder();
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), fc.string()),
        (text) => {
          expect(utf8ByteLength(text)).toBe(encoder.encode(text).length);
        },
      ),
      { numRuns: 2000 },
    );
    expect(utf8ByteLength('a\ud800b\udc00')).toBe(8);
  });
});
