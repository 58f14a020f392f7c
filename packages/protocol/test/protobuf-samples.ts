/**
 * A few protobuf codec operations whose results are plain JSON, run both in Node and in Chromium by
 * protobuf-browser.test.ts to show the codec behaves the same in a browser.
 */
import {
  decodeEnvelopePb,
  decodeServerEnvelopePb,
  encodeClientEnvelopePb,
  encodeEnvelopePb,
  RealtimeError,
} from '../src/index.ts';

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/** Encodes and decodes a handful of envelopes; every value in the result is JSON. */
export function protobufSamples(): Record<string, unknown> {
  const presence = { user_id: 'u1', session_id: 's1', username: 'ünï', status: '' };
  const matchData = encodeEnvelopePb({
    match_data: { match_id: 'm.', presence, op_code: '-7', data: 'AAEC/w==' },
  });
  const decodedMatchData = decodeServerEnvelopePb(matchData);
  const message = {
    channel_id: '2...lobby',
    message_id: 'm',
    code: 0,
    content: '{"t":"🎲"}',
    create_time: '2024-01-02T03:04:05.123456Z',
    persistent: false,
  };
  let garbage: unknown;
  try {
    decodeEnvelopePb(Uint8Array.from([0x7a, 0x05, 0x0a, 0x09]));
  } catch (e) {
    garbage = e instanceof RealtimeError ? { code: e.code, message: e.message } : String(e);
  }
  return {
    pong: hex(encodeEnvelopePb({ cid: '1', pong: {} })),
    matchData: hex(matchData),
    matchDataBody: {
      ...(decodedMatchData.body as object),
      data: Array.from((decodedMatchData.body as { data: Uint8Array }).data),
      plainUint8Array: (decodedMatchData.body as { data: Uint8Array }).data.constructor === Uint8Array,
    },
    channelMessage: decodeServerEnvelopePb(encodeEnvelopePb({ cid: '4', channel_message: message })),
    matchDataSend: decodeEnvelopePb(
      encodeClientEnvelopePb({
        match_data_send: { match_id: 'm.', op_code: 2 ** 40, data: new Uint8Array([1, 2]) },
      }),
    ),
    garbage,
  };
}
