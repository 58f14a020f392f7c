import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fastMatchDataSend, fastPartyDataSend } from './fast-decode.ts';
import { clientMessageSchemas } from './messages.ts';

/** The fast decoders must agree with the schemas whenever they answer at all. */
describe('fast decoders', () => {
  const field = fc.oneof(
    fc.constant(undefined),
    fc.constant(null),
    fc.integer(),
    fc.double(),
    fc.string(),
    fc.stringMatching(/^-?\d{1,17}$/),
    fc.base64String(),
    fc.boolean(),
    fc.constant([]),
    fc.array(fc.record({ session_id: fc.string() }), { maxLength: 2 }),
  );
  const bodies = fc.record(
    {
      match_id: field,
      party_id: field,
      op_code: field,
      data: field,
      presences: field,
      reliable: field,
      node: field,
    },
    { requiredKeys: [] },
  );

  it('match_data_send: same result as the schema, or defers', () => {
    fc.assert(
      fc.property(bodies, (body) => {
        const fast = fastMatchDataSend(body);
        if (fast === undefined) return;
        const slow = clientMessageSchemas.match_data_send.safeParse(body);
        expect(slow.success).toBe(true);
        expect(fast).toEqual(slow.data);
      }),
      { numRuns: 2000 },
    );
  });

  it('party_data_send: same result as the schema, or defers', () => {
    fc.assert(
      fc.property(bodies, (body) => {
        const fast = fastPartyDataSend(body);
        if (fast === undefined) return;
        const slow = clientMessageSchemas.party_data_send.safeParse(body);
        expect(slow.success).toBe(true);
        expect(fast).toEqual(slow.data);
      }),
      { numRuns: 2000 },
    );
  });

  it('answers the shape nakama-js sends', () => {
    expect(fastMatchDataSend({ match_id: 'm.', op_code: '7', data: 'aGk=', presences: [] })).toEqual({
      match_id: 'm.',
      op_code: 7,
      data: 'aGk=',
      presences: [],
      reliable: false,
    });
    expect(fastMatchDataSend({ match_id: 'm.', op_code: '7', data: 'aGk', presences: [] })).toBeUndefined();
    expect(fastMatchDataSend({ match_id: 'm.', op_code: 1.5 })).toBeUndefined();
  });
});
