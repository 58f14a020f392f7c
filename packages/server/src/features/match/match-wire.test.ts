import type { UserPresence } from '@tether/protocol';
import { describe, expect, it } from 'vitest';
import { matchDataMessage } from './match-wire.ts';

const alice: UserPresence = { user_id: 'u-1', session_id: 's-1', username: 'alice' };
const quoted: UserPresence = {
  user_id: 'u-2',
  session_id: 's-2',
  username: 'bob "the builder" \\ é 😀',
  persistence: true,
  status: 'busy\n',
};

describe('matchDataMessage', () => {
  const cases: [string, Parameters<typeof matchDataMessage>][] = [
    ['sender, data, reliable', ['m.', 7, 'AAEC', alice, true]],
    ['sender JSON given', ['m.', 0, 'AAEC', alice, false, JSON.stringify(alice)]],
    ['no data, no sender', ['m.node', 12, '', undefined, false]],
    [
      'escaped sender fields',
      ['id"\\', Number.MAX_SAFE_INTEGER, 'QQ==', quoted, true, JSON.stringify(quoted)],
    ],
    ['sender without its JSON', ['m.', 3, 'QUI=', quoted, false]],
  ];
  it.each(cases)('writes the same text as JSON.stringify of its envelope (%s)', (_, args) => {
    const message = matchDataMessage(...args);
    expect(message.text).toBe(JSON.stringify(message.envelope));
    expect(JSON.parse(message.text)).toEqual(message.envelope);
    expect(message.type).toBe('match_data');
  });
});
