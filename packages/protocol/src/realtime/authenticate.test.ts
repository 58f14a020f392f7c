import { describe, expect, it } from 'vitest';
import { decodeEnvelope } from './envelope.ts';
import { RealtimeError, RealtimeErrorCode } from './error-codes.ts';

function errorOf(text: string): RealtimeError {
  try {
    decodeEnvelope(text);
  } catch (err) {
    if (err instanceof RealtimeError) return err;
    throw err;
  }
  throw new Error('expected decodeEnvelope to throw');
}

describe('authenticate (Tether extension)', () => {
  it('decodes with proto3 defaults and tolerates the GameMaker trailing NUL', () => {
    expect(decodeEnvelope('{"cid":"1","authenticate":{"token":"t"}}\0')).toEqual({
      cid: '1',
      type: 'authenticate',
      body: {
        token: 't',
        status: false,
        lang: '',
        single_socket: false,
        resumable: false,
        resume_token: '',
        resume_seq: 0,
      },
    });
  });

  it('requires a token and typed flags', () => {
    const missing = errorOf('{"cid":"1","authenticate":{}}');
    expect([missing.code, missing.message, missing.cid]).toEqual([
      RealtimeErrorCode.BAD_INPUT,
      'Auth token required',
      '1',
    ]);
    const flag = errorOf('{"cid":"2","authenticate":{"token":"t","status":"yes"}}');
    expect(flag.code).toBe(RealtimeErrorCode.BAD_INPUT);
    expect(flag.message).toBe('Invalid authenticate.status: expected boolean, got string');
  });
});
