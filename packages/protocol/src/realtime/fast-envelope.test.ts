import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateClientMessage } from './client-message.ts';
import { decodeEnvelope } from './envelope.ts';
import { RealtimeError } from './error-codes.ts';
import { fastMatchDataSendText } from './fast-envelope.ts';

/**
 * The generic path for a text the scanner accepted: JSON.parse, then the body's validation. The
 * scanner only accepts envelopes whose one key is `match_data_send`, so this is all the generic
 * decoder would do with them.
 */
function generic(text: string) {
  const envelope = JSON.parse(text) as Record<string, unknown>;
  expect(Object.keys(envelope)).toEqual(['match_data_send']);
  return validateClientMessage('match_data_send', envelope.match_data_send, undefined);
}

/** What decodeEnvelope gives: the envelope, or the error's code, message, cid and fatality. */
function outcome(text: string, maxBytes?: number) {
  try {
    return { ok: decodeEnvelope(text, maxBytes === undefined ? {} : { maxBytes }) };
  } catch (err) {
    if (!(err instanceof RealtimeError)) throw err;
    return { code: err.code, message: err.message, cid: err.cid, fatal: err.fatal };
  }
}

/**
 * decodeEnvelope with the scanner out of the way: a trailing NUL (GameMaker's string end), which the
 * scanner declines and the generic path strips before parsing, so it reads the very same JSON.
 */
function withoutFastPath(text: string, maxBytes?: number) {
  return outcome(`${text}\u0000`, maxBytes === undefined ? undefined : maxBytes + 1);
}

const ID = '3f1b0c5e-8a7d-4c2b-9e6f-1a2b3c4d5e6f.';

describe('fastMatchDataSendText', () => {
  it('reads the envelope nakama-js and the relay benchmark send', () => {
    const text = `{"match_data_send":{"match_id":"${ID}","op_code":"1","data":"aGVsbG8=","presences":[]}}`;
    expect(fastMatchDataSendText(text)).toEqual({
      match_id: ID,
      op_code: 1,
      data: 'aGVsbG8=',
      presences: [],
      reliable: false,
    });
    expect(decodeEnvelope(text)).toEqual(generic(text));
    const reordered = `{"match_data_send":{"reliable":true,"data":"","op_code":42,"match_id":"x"}}`;
    expect(fastMatchDataSendText(reordered)).toEqual(generic(reordered).body);
    expect(fastMatchDataSendText('{"match_data_send":{}}')).toEqual(generic('{"match_data_send":{}}').body);
  });

  it('leaves everything but the compact plain shape to the generic decoder', () => {
    const declined = [
      // whitespace, cid, framing
      `{ "match_data_send":{"match_id":"${ID}"}}`,
      `{"match_data_send": {"match_id":"${ID}"}}`,
      `{"match_data_send":{"match_id": "${ID}"}}`,
      `{"cid":"1","match_data_send":{"match_id":"${ID}"}}`,
      `{"match_data_send":{"match_id":"${ID}"},"cid":"1"}`,
      `\ufeff{"match_data_send":{"match_id":"${ID}"}}`,
      `{"match_data_send":{"match_id":"${ID}"}}\u0000`,
      `{"match_data_send":{"match_id":"${ID}"}} `,
      // escapes and control characters
      `{"match_data_send":{"match_id":"a\\u002eb"}}`,
      `{"match_data_send":{"match_id":"a\\"b"}}`,
      `{"match_data_send":{"match_id":"a\tb"}}`,
      `{"match_data_send":{"data":"ab\\/c"}}`,
      `{"match_data_send":{"match\\u005fid":"x"}}`,
      // wrong types and values
      `{"match_data_send":{"match_id":7}}`,
      `{"match_data_send":{"match_id":null}}`,
      `{"match_data_send":{"op_code":"01"}}`,
      `{"match_data_send":{"op_code":1.5}}`,
      `{"match_data_send":{"op_code":1e3}}`,
      `{"match_data_send":{"op_code":"9007199254740993"}}`,
      `{"match_data_send":{"op_code":1234567890123456}}`,
      `{"match_data_send":{"op_code":"-"}}`,
      `{"match_data_send":{"op_code":true}}`,
      `{"match_data_send":{"data":"aGk"}}`,
      `{"match_data_send":{"data":"aG=k"}}`,
      `{"match_data_send":{"data":"a==="}}`,
      `{"match_data_send":{"data":"aGk-"}}`,
      `{"match_data_send":{"data":5}}`,
      `{"match_data_send":{"reliable":"true"}}`,
      `{"match_data_send":{"reliable":null}}`,
      `{"match_data_send":{"presences":null}}`,
      `{"match_data_send":{"presences":[{"session_id":"s"}]}}`,
      `{"match_data_send":{"presences":[ ]}}`,
      // duplicate and unknown keys, malformed JSON
      `{"match_data_send":{"match_id":"a","match_id":"b"}}`,
      `{"match_data_send":{"node":"x"}}`,
      `{"match_data_send":{"match_id":"a",}}`,
      `{"match_data_send":{"match_id":"a"}`,
      `{"match_data_send":{"match_id":"a}}`,
      `{"match_data_send":{"match_id":"a"}}}`,
      `{"match_data_send":{"op_code":"1}}`,
      `{"match_data_send":null}`,
      `{"match_data_send":[]}`,
      `{"match_data_send":{}`,
      `{"match_data_send":`,
    ];
    for (const text of declined) {
      expect(fastMatchDataSendText(text), text).toBeUndefined();
    }
  });

  it('gives decodeEnvelope the same results and errors as without it', () => {
    const texts = [
      `{"match_data_send":{"match_id":"${ID}","op_code":"1","data":"aGVsbG8=","presences":[]}}`,
      `{"match_data_send":{"op_code":-0}}`,
      `{"match_data_send":{"op_code":"-5","reliable":false}}`,
      `{"match_data_send":{"data":"aGk"}}`,
      `{"match_data_send":{"op_code":1.5}}`,
      `{"match_data_send":{"match_id":7}}`,
      `{"match_data_send":{"match_id":"a",}}`,
      `{"match_data_send":{"match_id":"a"}`,
      `{"match_data_send":{"reliable":"yes"}}`,
      `{"match_data_send":{"presences":[{"session_id":7}]}}`,
    ];
    for (const text of texts) expect(outcome(text), text).toEqual(withoutFastPath(text));
    // Oversized: the limit is checked before the scanner looks at the text.
    const big = `{"match_data_send":{"data":"${'A'.repeat(4096)}"}}`;
    expect(outcome(big, 4096)).toMatchObject({ code: 3, fatal: true });
    expect(fastMatchDataSendText(big)).toBeDefined();
  });

  const stringValue = fc.oneof(
    fc.string(),
    fc.string({ unit: 'grapheme' }),
    fc.base64String(),
    fc.constantFrom(ID, '', '=', 'aGk=', 'a\\b', '"', '\u0000', '\ud800'),
  );
  const value = fc.oneof(
    stringValue,
    fc.integer(),
    fc.integer({ min: -(2 ** 53) - 10, max: 2 ** 53 + 10 }),
    fc.double(),
    fc.stringMatching(/^-?\d{1,17}$/),
    fc.boolean(),
    fc.constant(null),
    fc.constant([]),
    fc.array(fc.record({ session_id: fc.string() }), { maxLength: 2 }),
  );
  const entries = fc.uniqueArray(
    fc.tuple(fc.constantFrom('match_id', 'op_code', 'data', 'presences', 'reliable', 'node'), value),
    { selector: ([key]) => key, maxLength: 6 },
  );
  /** A compact envelope as JSON.stringify writes it, sometimes with a duplicated key. */
  const texts = fc
    .tuple(entries, fc.option(fc.tuple(fc.constantFrom('match_id', 'op_code', 'data'), value)))
    .map(([list, dup]) => {
      const parts = list.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`);
      if (dup) parts.push(`${JSON.stringify(dup[0])}:${JSON.stringify(dup[1])}`);
      return `{"match_data_send":{${parts.join(',')}}}`;
    });

  it('agrees with the generic decoder whenever it answers (generated envelopes)', () => {
    let answered = 0;
    fc.assert(
      fc.property(texts, (text) => {
        const fast = fastMatchDataSendText(text);
        if (fast !== undefined) {
          answered++;
          expect(fast).toEqual(generic(text).body);
        }
        expect(outcome(text)).toEqual(withoutFastPath(text));
      }),
      { numRuns: 3000 },
    );
    // Both sides of the comparison are exercised.
    expect(answered).toBeGreaterThan(100);
    expect(answered).toBeLessThan(2900);
  });

  it('agrees with the generic decoder whenever it answers (damaged envelopes)', () => {
    const base = `{"match_data_send":{"match_id":"${ID}","op_code":"1","data":"aGVsbG8=","presences":[],"reliable":true}}`;
    const damaged = fc
      .tuple(fc.nat({ max: base.length }), fc.nat({ max: 3 }), fc.string({ maxLength: 3 }))
      .map(([at, cut, insert]) => base.slice(0, at) + insert + base.slice(Math.min(base.length, at + cut)));
    fc.assert(
      fc.property(damaged, (text) => {
        const fast = fastMatchDataSendText(text);
        if (fast !== undefined) expect(fast).toEqual(generic(text).body);
        expect(outcome(text)).toEqual(withoutFastPath(text));
      }),
      { numRuns: 3000 },
    );
  });
});
