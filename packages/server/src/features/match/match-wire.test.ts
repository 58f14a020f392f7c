import {
  decodeBase64,
  decodeEnvelopePb,
  encodeClientEnvelopePb,
  encodeEnvelopePb,
  MatchDataSendBytes,
  type UserPresence,
} from '@tether/protocol';
import { describe, expect, it } from 'vitest';
import { encodeProtobufFrame } from '../../presence/outbound.ts';
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
      const message = relayedDataMessage(relayedSender(sender, id), op, { data }, reliable);
      const reference = matchDataMessage(id, op, data, sender, reliable);
      expect(message.envelope).toEqual(reference.envelope);
      expect(message.text).toBe(JSON.stringify(reference.envelope));
      expect(message.type).toBe('match_data');
    },
  );

  it.each(cases)(
    'writes the protobuf bytes of matchDataMessage (%s)',
    (_, id, sender, op, data, reliable) => {
      const reference = Array.from(
        encodeEnvelopePb(matchDataMessage(id, op, data, sender, reliable).envelope),
      );
      const from = relayedSender(sender, id);
      // From a JSON sender (base64), twice (the sender's protobuf head is kept), and from a protobuf
      // sender (the payload as received, its base64 never made).
      for (let i = 0; i < 2; i++) {
        const message = relayedDataMessage(from, op, { data }, reliable);
        expect(Array.from(message.bytes('protobuf', encodeProtobufFrame))).toEqual(reference);
      }
      const bytes = decodeBase64(data)!;
      const untouched = {
        bytes,
        get data(): string {
          throw new Error('base64 made for a protobuf recipient');
        },
      };
      // (A negative op code, which the relay refuses, takes the generic encoder, which reads the text.)
      if (op < 0) return;
      const message = relayedDataMessage(from, op, untouched, reliable);
      expect(Array.from(message.bytes('protobuf', encodeProtobufFrame))).toEqual(reference);
    },
  );

  it('gives a JSON recipient the base64 of a payload kept as bytes', () => {
    const frame = encodeClientEnvelopePb({
      match_data_send: { match_id: 'm.', op_code: 3, data: Uint8Array.from([0, 1, 2, 255]) },
    });
    const body = decodeEnvelopePb(frame, { keepBytes: true }).body as MatchDataSendBytes;
    expect(body).toBeInstanceOf(MatchDataSendBytes);
    const message = relayedDataMessage(relayedSender(alice, 'm.'), 3, body, false);
    const reference = matchDataMessage('m.', 3, 'AAEC/w==', alice, false);
    expect(message.text).toBe(JSON.stringify(reference.envelope));
    expect(Array.from(message.bytes('protobuf', encodeProtobufFrame))).toEqual(
      Array.from(encodeEnvelopePb(reference.envelope)),
    );
  });
});

describe('matchDataMessage', () => {
  it('leaves out empty data and an unset reliable, keeps op code 0', () => {
    expect(matchDataMessage('m.node', 0, '', undefined, false).envelope).toEqual({
      match_data: { match_id: 'm.node', op_code: '0' },
    });
  });
});
