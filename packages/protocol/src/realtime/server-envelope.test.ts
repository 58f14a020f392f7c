import { describe, expect, it } from 'vitest';
import { encodeBase64 } from './base64.ts';
import { encodeEnvelope, encodeError, encodeVoidReply } from './envelope.ts';
import { RealtimeError, RealtimeErrorCode } from './error-codes.ts';
import { decodeServerEnvelope } from './server-envelope.ts';

const self = { user_id: 'u1', session_id: 's1', username: 'ann' };

/** Runs the decoder and returns the RealtimeError it must throw. */
function decodeError(text: string): RealtimeError {
  try {
    decodeServerEnvelope(text);
  } catch (e) {
    expect(e).toBeInstanceOf(RealtimeError);
    return e as RealtimeError;
  }
  throw new Error(`expected decodeServerEnvelope(${JSON.stringify(text)}) to throw`);
}

describe('decodeServerEnvelope', () => {
  it('decodes a reply with its cid and a push without one', () => {
    const reply = decodeServerEnvelope(encodeEnvelope('7', 'match', { match_id: 'm.', size: 1, self }));
    expect(reply).toEqual({ cid: '7', type: 'match', body: { match_id: 'm.', size: 1, self } });
    const push = decodeServerEnvelope(encodeEnvelope(undefined, 'status_presence_event', { joins: [self] }));
    expect(push).toEqual({ type: 'status_presence_event', body: { joins: [self] } });
    expect('cid' in push).toBe(false);
  });

  it('decodes the empty reply, error replies and uncorrelated errors', () => {
    expect(decodeServerEnvelope(encodeVoidReply('3'))).toEqual({ cid: '3', type: 'empty', body: undefined });
    const err = new RealtimeError(RealtimeErrorCode.MATCH_NOT_FOUND, 'Match not found', {
      context: { match_id: 'x' },
    });
    expect(decodeServerEnvelope(encodeError('4', err))).toEqual({
      cid: '4',
      type: 'error',
      body: { code: 4, message: 'Match not found', context: { match_id: 'x' } },
    });
    expect(decodeServerEnvelope('{"error":{"code":1001,"message":"server shutting down"}}')).toEqual({
      type: 'error',
      body: { code: 1001, message: 'server shutting down' },
    });
  });

  it('turns match and party data into numbers and bytes (op code 0 included)', () => {
    const bytes = new Uint8Array([0, 1, 2, 250, 255]);
    const env = decodeServerEnvelope(
      encodeEnvelope(undefined, 'match_data', {
        match_id: 'm.',
        presence: self,
        op_code: '0',
        data: encodeBase64(bytes),
      }),
    );
    expect(env.type).toBe('match_data');
    if (env.type !== 'match_data') return;
    expect(env.body.op_code).toBe(0);
    expect(env.body.data).toEqual(bytes);
    expect(env.body.presence).toEqual(self);

    const party = decodeServerEnvelope('{"party_data":{"party_id":"p","presence":{},"op_code":"42"}}');
    expect(party.type === 'party_data' && party.body).toMatchObject({ op_code: 42, data: new Uint8Array(0) });
    // URL-safe base64 and a JSON number op code from a lenient server are accepted.
    const lenient = decodeServerEnvelope('{"match_data":{"match_id":"m","op_code":9,"data":"-_8"}}');
    expect(lenient.type === 'match_data' && lenient.body).toMatchObject({
      op_code: 9,
      data: new Uint8Array([0xfb, 0xff]),
    });
  });

  it('keeps unknown keys from a newer server instead of throwing, and ignores null members', () => {
    expect(decodeServerEnvelope('{"cid":"1","shiny_new":{"a":1}}')).toEqual({
      cid: '1',
      type: 'unknown',
      key: 'shiny_new',
      body: { a: 1 },
    });
    expect(decodeServerEnvelope('{"pong":{},"match":null,"cid":"2"}')).toEqual({
      cid: '2',
      type: 'pong',
      body: {},
    });
    expect(decodeServerEnvelope('{"cid":"5"}\0')).toEqual({ cid: '5', type: 'empty', body: undefined });
  });

  it('throws UNRECOGNIZED_PAYLOAD for frames no server should send, with the cid when readable', () => {
    expect(decodeError('[1,2]').message).toBe('Malformed server message: expected a JSON object');
    expect(decodeError('{"cid":').message).toMatch(/^Malformed server message: not JSON/);
    const two = decodeError('{"cid":"9","match":{},"channel":{}}');
    expect(two.cid).toBe('9');
    expect(two.message).toContain('more than one message');
    expect(decodeError('{"cid":"8","match":"x"}').cid).toBe('8');
    expect(decodeError('{"match_data":{"op_code":"1.5"}}').message).toContain('op_code');
    expect(decodeError('{"match_data":{"op_code":"1","data":"***"}}').message).toContain('base64');
    expect(decodeError('{"cid":{},"pong":{}}').code).toBe(RealtimeErrorCode.UNRECOGNIZED_PAYLOAD);
  });
});
