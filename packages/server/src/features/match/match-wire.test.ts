import type { UserPresence } from '@tether/protocol';
import { describe, expect, it } from 'vitest';
import { matchDataMessage, relayedDataMessage, relayedSender } from './match-wire.ts';

const alice: UserPresence = { user_id: 'u-1', session_id: 's-1', username: 'alice' };
const quoted: UserPresence = {
  user_id: 'u-2',
  session_id: 's-2',
  username: 'bob "the builder" \\ é 😀',
  persistence: true,
  status: 'busy\n',
};

describe('relayedDataMessage', () => {
  const cases: [string, string, UserPresence, number, string, boolean][] = [
    ['data, reliable', 'm.', alice, 7, 'AAEC', true],
    ['op code 0, not reliable', 'm.', alice, 0, 'AAEC', false],
    ['no data', 'm.', alice, 12, '', false],
    ['no data, reliable', 'm.', alice, 12, '', true],
    ['escaped id and sender fields', 'id"\\\u2028', quoted, Number.MAX_SAFE_INTEGER, 'QQ==', true],
    ['negative op code', 'm.', quoted, -3, 'QUI=', false],
  ];
  it.each(cases)(
    'writes the text and envelope of matchDataMessage (%s)',
    (_, id, sender, op, data, reliable) => {
      const message = relayedDataMessage(relayedSender(sender, id), op, data, reliable);
      const reference = matchDataMessage(id, op, data, sender, reliable);
      expect(message.envelope).toEqual(reference.envelope);
      expect(message.text).toBe(JSON.stringify(reference.envelope));
      expect(message.type).toBe('match_data');
    },
  );
});

describe('matchDataMessage', () => {
  it('leaves out empty data and an unset reliable, keeps op code 0', () => {
    expect(matchDataMessage('m.node', 0, '', undefined, false).envelope).toEqual({
      match_data: { match_id: 'm.node', op_code: '0' },
    });
  });
});
