import { describe, expect, it } from 'vitest';
import { decodeEnvelope, encodeEnvelope, encodeError, encodeVoidReply } from './envelope.ts';
import { messageTooLarge, RealtimeError, RealtimeErrorCode, rateLimited } from './error-codes.ts';

/** Runs `fn`, expects a RealtimeError, and returns it for further checks. */
function decodeError(text: string, options?: { maxBytes?: number }): RealtimeError {
  try {
    decodeEnvelope(text, options);
  } catch (e) {
    expect(e).toBeInstanceOf(RealtimeError);
    return e as RealtimeError;
  }
  throw new Error(`expected decodeEnvelope(${JSON.stringify(text)}) to throw`);
}

describe('decodeEnvelope framing', () => {
  it('decodes a ping with its cid', () => {
    expect(decodeEnvelope('{"ping":{},"cid":"1"}')).toEqual({ cid: '1', type: 'ping', body: {} });
  });

  it('accepts a trailing NUL (GameMaker buffer_string) and a leading BOM', () => {
    expect(decodeEnvelope('{"ping":{},"cid":"1"}\0')).toEqual({ cid: '1', type: 'ping', body: {} });
    expect(decodeEnvelope('\uFEFF{"ping":{}}\0\0')).toEqual({ type: 'ping', body: {} });
    expect(decodeEnvelope(' \n\t{"ping":{}} \r\n')).toEqual({ type: 'ping', body: {} });
  });

  it('omits cid when it is absent, empty or null', () => {
    for (const text of ['{"ping":{}}', '{"ping":{},"cid":""}', '{"ping":{},"cid":null}']) {
      const env = decodeEnvelope(text);
      expect(env).toEqual({ type: 'ping', body: {} });
      expect('cid' in env).toBe(false);
    }
  });

  it('accepts a safe-integer cid as its decimal text', () => {
    expect(decodeEnvelope('{"ping":{},"cid":42}').cid).toBe('42');
  });

  it('rejects other cid types with BAD_INPUT naming cid', () => {
    const err = decodeError('{"ping":{},"cid":{"x":1}}');
    expect(err.code).toBe(RealtimeErrorCode.BAD_INPUT);
    expect(err.message).toBe('Invalid cid: expected string, got object');
    expect(err.context).toEqual({ field: 'cid' });
    expect(err.fatal).toBe(false);
    expect(decodeError('{"ping":{},"cid":1.5}').code).toBe(RealtimeErrorCode.BAD_INPUT);
  });

  it('ignores unknown top-level keys next to a known message', () => {
    expect(decodeEnvelope('{"ping":{},"cid":"3","trace":"abc"}')).toEqual({
      cid: '3',
      type: 'ping',
      body: {},
    });
  });

  it('treats a null message member as absent (proto3 JSON)', () => {
    expect(decodeEnvelope('{"ping":null,"pong":{},"cid":"2"}')).toEqual({ cid: '2', type: 'pong', body: {} });
  });
});

describe('decodeEnvelope errors', () => {
  it('text that is not a JSON object is UNRECOGNIZED_PAYLOAD and fatal', () => {
    for (const text of ['', '\0', 'hello', '[1,2]', '42', '"str"', 'null', '\uFEFF', '\u0001{"ping":{}}']) {
      const err = decodeError(text);
      expect(err.code).toBe(RealtimeErrorCode.UNRECOGNIZED_PAYLOAD);
      expect(err.fatal).toBe(true);
      expect(err.closeCode).toBe(1002);
      expect(err.cid).toBeUndefined();
    }
  });

  it('malformed JSON that starts like an object is UNRECOGNIZED_PAYLOAD, not fatal', () => {
    for (const text of ['{', '{"ping":{}', '{"ping":{},}', "{'ping':{}}", '{"ping":{}}x']) {
      const err = decodeError(text);
      expect(err.code).toBe(RealtimeErrorCode.UNRECOGNIZED_PAYLOAD);
      expect(err.fatal).toBe(false);
      expect(err.message).toMatch(/^Malformed JSON: /);
    }
  });

  it('an envelope without a message is MISSING_PAYLOAD with Nakama text', () => {
    for (const text of ['{}', '{"cid":"5"}', '{"cid":"5","ping":null}']) {
      const err = decodeError(text);
      expect(err.code).toBe(RealtimeErrorCode.MISSING_PAYLOAD);
      expect(err.message).toBe('Missing message.');
      expect(err.fatal).toBe(false);
    }
    expect(decodeError('{"cid":"5"}').cid).toBe('5');
  });

  it('an unknown key is UNRECOGNIZED_PAYLOAD naming the key, with the cid kept', () => {
    const err = decodeError('{"cid":"9","teleport":{}}');
    expect(err.code).toBe(RealtimeErrorCode.UNRECOGNIZED_PAYLOAD);
    expect(err.message).toBe('Unrecognized message: teleport');
    expect(err.cid).toBe('9');
    expect(err.fatal).toBe(false);
  });

  it('a server-to-client key sent by a client is UNRECOGNIZED_PAYLOAD', () => {
    const err = decodeError('{"cid":"4","match_data":{"match_id":"m","op_code":"1"}}');
    expect(err.code).toBe(RealtimeErrorCode.UNRECOGNIZED_PAYLOAD);
    expect(err.message).toBe('Unrecognized message: match_data (server-to-client message)');
  });

  it('inherited property names are not message keys', () => {
    for (const key of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      const err = decodeError(`{"cid":"1","${key}":{}}`);
      expect(err.code).toBe(RealtimeErrorCode.UNRECOGNIZED_PAYLOAD);
    }
  });

  it('more than one message key is BAD_INPUT listing them', () => {
    const err = decodeError('{"cid":"7","ping":{},"rpc":{"id":"x"}}');
    expect(err.code).toBe(RealtimeErrorCode.BAD_INPUT);
    expect(err.message).toBe('Envelope must contain exactly one message, got: ping, rpc');
    expect(err.cid).toBe('7');
    expect(decodeError('{"ping":{},"match":{}}').code).toBe(RealtimeErrorCode.BAD_INPUT);
  });

  it('a body of the wrong JSON type is BAD_INPUT naming the message', () => {
    const err = decodeError('{"cid":"2","ping":[]}');
    expect(err.code).toBe(RealtimeErrorCode.BAD_INPUT);
    expect(err.message).toBe('Invalid ping: expected object, got array');
    expect(err.context).toEqual({ field: 'ping' });
    expect(decodeError('{"rpc":"echo"}').message).toBe('Invalid rpc: expected object, got string');
  });

  it('a field of the wrong type is BAD_INPUT naming the field path', () => {
    const err = decodeError('{"cid":"3","match_leave":{"match_id":17}}');
    expect(err.code).toBe(RealtimeErrorCode.BAD_INPUT);
    expect(err.message).toBe('Invalid match_leave.match_id: expected string, got number');
    expect(err.context).toEqual({ field: 'match_leave.match_id' });
    expect(err.cid).toBe('3');
    const nested = decodeError(
      '{"match_data_send":{"match_id":"m","op_code":1,"presences":[{"user_id":5}]}}',
    );
    expect(nested.message).toBe('Invalid match_data_send.presences.0.user_id: expected string, got number');
  });

  it('enforces maxBytes in UTF-8 bytes, fatally with close code 1009', () => {
    const ok = '{"rpc":{"id":"x","payload":"ééé"}}';
    const bytes = new TextEncoder().encode(ok).length;
    expect(decodeEnvelope(ok, { maxBytes: bytes }).type).toBe('rpc');
    const err = decodeError(ok, { maxBytes: bytes - 1 });
    expect(err.code).toBe(RealtimeErrorCode.BAD_INPUT);
    expect(err.fatal).toBe(true);
    expect(err.closeCode).toBe(1009);
    expect(err.message).toBe(`Message too large: ${bytes} bytes exceeds the limit of ${bytes - 1} bytes`);
    expect(decodeError('x'.repeat(5000), { maxBytes: 4096 }).closeCode).toBe(1009);
  });
});

describe('encoding', () => {
  it('puts cid first and omits it when undefined or empty', () => {
    expect(encodeEnvelope('1', 'pong', {})).toBe('{"cid":"1","pong":{}}');
    expect(encodeEnvelope(undefined, 'pong', {})).toBe('{"pong":{}}');
    expect(encodeEnvelope('', 'pong', {})).toBe('{"pong":{}}');
  });

  it('omits undefined fields and keeps zero values it is given', () => {
    const text = encodeEnvelope(undefined, 'match_data', {
      match_id: 'm.',
      op_code: '0',
      data: undefined,
      reliable: false,
      presence: { user_id: 'u', session_id: 's', username: 'n', status: undefined },
    });
    expect(text).toBe(
      '{"match_data":{"match_id":"m.","op_code":"0","reliable":false,"presence":{"user_id":"u","session_id":"s","username":"n"}}}',
    );
  });

  it('encodes void replies', () => {
    expect(encodeVoidReply('12')).toBe('{"cid":"12"}');
    expect(encodeVoidReply(undefined)).toBe('{}');
    expect(encodeVoidReply('')).toBe('{}');
  });

  it('encodes errors with code always present, even 0', () => {
    const err = new RealtimeError(RealtimeErrorCode.RUNTIME_EXCEPTION, 'Error joining channel');
    expect(encodeError('4', err)).toBe('{"cid":"4","error":{"code":0,"message":"Error joining channel"}}');
    const withContext = new RealtimeError(RealtimeErrorCode.BAD_INPUT, 'bad', { context: { field: 'x' } });
    expect(encodeError(undefined, withContext)).toBe(
      '{"error":{"code":3,"message":"bad","context":{"field":"x"}}}',
    );
  });

  it('round-trips a decode failure into the reply nakama-js expects', () => {
    const err = decodeError('{"cid":"8","matchmaker_add":{"min_count":1,"max_count":4,"query":"*"}}');
    expect(encodeError(err.cid, err)).toBe(
      '{"cid":"8","error":{"code":3,"message":"Invalid minimum count, must be >= 2","context":{"field":"matchmaker_add.min_count"}}}',
    );
  });
});

describe('RealtimeError', () => {
  it('defaults to not fatal with close code 1002', () => {
    const err = new RealtimeError(RealtimeErrorCode.MATCH_NOT_FOUND, 'Match not found');
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('RealtimeError');
    expect(err.fatal).toBe(false);
    expect(err.closeCode).toBe(1002);
    expect(err.toWire()).toEqual({ code: 4, message: 'Match not found' });
  });

  it('withCid returns a copy with the cid, or itself when unchanged', () => {
    const err = new RealtimeError(RealtimeErrorCode.BAD_INPUT, 'x', { fatal: true, closeCode: 1009 });
    expect(err.withCid(undefined)).toBe(err);
    const copy = err.withCid('5');
    expect(copy.cid).toBe('5');
    expect(copy.fatal).toBe(true);
    expect(copy.closeCode).toBe(1009);
  });

  it('has factories for Tether limits that reuse BAD_INPUT', () => {
    const big = messageTooLarge(5000, 4096);
    expect(big.code).toBe(RealtimeErrorCode.BAD_INPUT);
    expect(big.fatal).toBe(true);
    expect(big.closeCode).toBe(1009);
    expect(big.context).toEqual({ limit: '4096' });
    const slow = rateLimited({ cid: '3' });
    expect(slow.code).toBe(RealtimeErrorCode.BAD_INPUT);
    expect(slow.fatal).toBe(false);
    expect(slow.cid).toBe('3');
    expect(rateLimited({ fatal: true }).closeCode).toBe(1008);
  });
});
