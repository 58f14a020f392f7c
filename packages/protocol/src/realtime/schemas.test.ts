/**
 * Validation of client message bodies: Nakama's exact texts where it has them, field-naming texts
 * otherwise, proto3 defaults and leniency (null, absent and unknown fields).
 */
import { describe, expect, it } from 'vitest';
import { decodeEnvelope } from './envelope.ts';
import { RealtimeError, RealtimeErrorCode } from './error-codes.ts';

/** Decodes `{"cid":"1", key: body}` and returns the body. */
function body(key: string, value: unknown): unknown {
  return decodeEnvelope(JSON.stringify({ cid: '1', [key]: value })).body;
}

/** Decodes `{"cid":"1", key: body}`, expects BAD_INPUT, and returns [message, field]. */
function reject(key: string, value: unknown): [string, string | undefined] {
  try {
    decodeEnvelope(JSON.stringify({ cid: '1', [key]: value }));
  } catch (e) {
    expect(e).toBeInstanceOf(RealtimeError);
    const err = e as RealtimeError;
    expect(err.code).toBe(RealtimeErrorCode.BAD_INPUT);
    expect(err.fatal).toBe(false);
    expect(err.cid).toBe('1');
    return [err.message, err.context?.field];
  }
  throw new Error(`expected ${key} ${JSON.stringify(value)} to be rejected`);
}

const INT_REASON = 'must be an integer (a JSON number or a decimal string)';

describe('status', () => {
  it('limits status to 2048 UTF-8 bytes with Nakama text', () => {
    expect(body('status_update', { status: 'a'.repeat(2048) })).toEqual({ status: 'a'.repeat(2048) });
    expect(body('status_update', { status: 'é'.repeat(1024) })).toEqual({ status: 'é'.repeat(1024) });
    const tooLong = ['Status must be 2048 characters or less', 'status_update.status'];
    expect(reject('status_update', { status: 'a'.repeat(2049) })).toEqual(tooLong);
    expect(reject('status_update', { status: 'é'.repeat(1025) })).toEqual(tooLong);
  });

  it('keeps an empty status (online, no text) distinct from an absent one (offline)', () => {
    expect(body('status_update', { status: '' })).toEqual({ status: '' });
    expect(body('status_update', { status: null })).toEqual({});
  });

  it('rejects empty ids and usernames with Nakama texts', () => {
    expect(reject('status_follow', { user_ids: [''] })).toEqual([
      'Invalid user identifier',
      'status_follow.user_ids.0',
    ]);
    expect(reject('status_follow', { usernames: ['a', ''] })).toEqual([
      'Invalid username',
      'status_follow.usernames.1',
    ]);
    expect(reject('status_unfollow', { user_ids: 'abc' })).toEqual([
      'Invalid status_unfollow.user_ids: expected array, got string',
      'status_unfollow.user_ids',
    ]);
  });
});

describe('chat', () => {
  it('applies proto3 and wrapper defaults and normalises type 0 to ROOM', () => {
    expect(body('channel_join', { target: 'lobby' })).toEqual({
      target: 'lobby',
      type: 1,
      persistence: true,
      hidden: false,
    });
    expect(body('channel_join', { target: 'lobby', type: '3', persistence: false, hidden: true })).toEqual({
      target: 'lobby',
      type: 3,
      persistence: false,
      hidden: true,
    });
  });

  it('checks target and type in Nakama order with its texts', () => {
    expect(reject('channel_join', { target: '', type: 9 })).toEqual([
      'Invalid channel target',
      'channel_join.target',
    ]);
    expect(reject('channel_join', { target: 'x', type: 4 })).toEqual([
      'Invalid channel type',
      'channel_join.type',
    ]);
    expect(reject('channel_join', { target: 'x', type: 1.5 })[0]).toBe(
      `Invalid channel_join.type: ${INT_REASON}`,
    );
    expect(reject('channel_join', { target: 'x', hidden: 'yes' })[0]).toBe(
      'Invalid channel_join.hidden: expected boolean, got string',
    );
  });

  it('checks room names: 1-64 bytes, no control characters, valid UTF-8', () => {
    expect(body('channel_join', { target: 'r'.repeat(64), type: 1 })).toMatchObject({
      target: 'r'.repeat(64),
    });
    const length = 'Channel name is required and must be 1-64 chars: Invalid channel target';
    expect(reject('channel_join', { target: 'r'.repeat(65), type: 1 })[0]).toBe(length);
    expect(reject('channel_join', { target: 'é'.repeat(33), type: 0 })[0]).toBe(length);
    expect(reject('channel_join', { target: 'a\nb', type: 1 })[0]).toBe(
      'Channel name must not contain control chars: Invalid channel target',
    );
    expect(reject('channel_join', { target: 'a\u007f', type: 1 })[0]).toMatch(/control chars/);
    expect(reject('channel_join', { target: 'a\ud800b', type: 1 })[0]).toBe(
      'Channel name must only contain valid UTF-8 bytes: Invalid channel target',
    );
    // DM and group targets are ids: only emptiness is checked here, existence by the server.
    expect(body('channel_join', { target: 'a\nb'.repeat(30), type: 2 })).toMatchObject({ type: 2 });
  });

  it('requires message content to be the JSON text of an object', () => {
    const text = 'Message content must be a valid JSON object';
    for (const content of ['hello', '[1]', 'null', '"s"', '{', undefined]) {
      expect(reject('channel_message_send', { channel_id: 'c', content })).toEqual([
        text,
        'channel_message_send.content',
      ]);
    }
    expect(reject('channel_message_update', { channel_id: 'c', message_id: 'm', content: '1' })[0]).toBe(
      text,
    );
    expect(body('channel_message_send', { channel_id: 'c', content: '{"a":[1]}' })).toEqual({
      channel_id: 'c',
      content: '{"a":[1]}',
    });
  });
});

describe('match', () => {
  it('decodes the match_join oneof', () => {
    expect(body('match_join', { match_id: 'm.', token: null })).toEqual({ match_id: 'm.', metadata: {} });
    expect(body('match_join', { token: 't' })).toEqual({ token: 't', metadata: {} });
    expect(body('match_join', { match_id: '' })).toEqual({ match_id: '', metadata: {} });
    expect(reject('match_join', {})).toEqual(['No match ID or token found', 'match_join']);
    expect(reject('match_join', { match_id: 'm.', token: 't' })[0]).toBe(
      'Invalid match_join: set either match_id or token, not both',
    );
    expect(reject('match_join', { match_id: 'm.', metadata: { a: 1 } })).toEqual([
      'Invalid match_join.metadata.a: expected string, got number',
      'match_join.metadata.a',
    ]);
  });

  it('accepts op_code as a number or integer-valued string and rejects the rest', () => {
    const send = (op_code: unknown) => body('match_data_send', { match_id: 'm.', op_code });
    expect(send('7')).toMatchObject({ op_code: 7 });
    expect(send(7)).toMatchObject({ op_code: 7 });
    expect(send('-3')).toMatchObject({ op_code: -3 });
    expect(send('7.0')).toMatchObject({ op_code: 7 });
    expect(send('1e3')).toMatchObject({ op_code: 1000 });
    expect(send(undefined)).toMatchObject({ op_code: 0 });
    expect(send('9007199254740991')).toMatchObject({ op_code: Number.MAX_SAFE_INTEGER });
    for (const bad of ['abc', '1.5', 1.5, '', ' 7', '0x10', true, [7], {}]) {
      expect(reject('match_data_send', { match_id: 'm.', op_code: bad })).toEqual([
        `Invalid match_data_send.op_code: ${INT_REASON}`,
        'match_data_send.op_code',
      ]);
    }
    expect(reject('match_data_send', { match_id: 'm.', op_code: '9007199254740993' })[0]).toBe(
      'Invalid match_data_send.op_code: must be between -9007199254740991 and 9007199254740991',
    );
  });

  it('validates data as base64 and re-emits it canonical', () => {
    const data = (value: unknown) =>
      (body('match_data_send', { match_id: 'm.', op_code: 1, data: value }) as { data: string }).data;
    expect(data('aGk=')).toBe('aGk=');
    expect(data('aGk')).toBe('aGk=');
    expect(data('-_8')).toBe('+/8=');
    expect(data(undefined)).toBe('');
    expect(data(null)).toBe('');
    for (const bad of ['aGk=x', 'a', '@@@@', 'aGk===', 'a=Gk']) {
      expect(reject('match_data_send', { match_id: 'm.', op_code: 1, data: bad })).toEqual([
        'Invalid match_data_send.data: must be valid base64',
        'match_data_send.data',
      ]);
    }
    expect(reject('match_data_send', { match_id: 'm.', op_code: 1, data: [1, 2] })[0]).toBe(
      'Invalid match_data_send.data: must be a base64 string',
    );
  });

  it('fills proto3 zero values for absent and null fields', () => {
    const zero = { match_id: '', op_code: 0, data: '', presences: [], reliable: false };
    expect(body('match_data_send', {})).toEqual(zero);
    expect(
      body('match_data_send', { match_id: null, op_code: null, data: null, presences: null, reliable: null }),
    ).toEqual(zero);
  });

  it('strips unknown fields, including nakama-js presence `node`', () => {
    const decoded = body('match_data_send', {
      match_id: 'm.',
      op_code: '1',
      presences: [{ user_id: 'u', session_id: 's', username: 'n', node: 'nakama1', extra: true }],
      future_field: 1,
    });
    expect(decoded).toStrictEqual({
      match_id: 'm.',
      op_code: 1,
      data: '',
      presences: [{ user_id: 'u', session_id: 's', username: 'n', persistence: false }],
      reliable: false,
    });
  });
});

describe('matchmaker', () => {
  const ticket = { min_count: 2, max_count: 4, query: '*' };

  it('checks counts in Nakama order with its texts', () => {
    const cases: Array<[object, string, string]> = [
      [{ min_count: 1 }, 'Invalid minimum count, must be >= 2', 'min_count'],
      [{}, 'Invalid minimum count, must be >= 2', 'min_count'],
      [{ min_count: 4, max_count: 3 }, 'Invalid maximum count, must be >= minimum count', 'max_count'],
      [{ count_multiple: 0 }, 'Invalid count multiple, must be >= 1', 'count_multiple'],
      [{ count_multiple: 3 }, 'Invalid count multiple for minimum count, must divide', 'count_multiple'],
      [
        { max_count: 5, count_multiple: 2 },
        'Invalid count multiple for maximum count, must divide',
        'count_multiple',
      ],
    ];
    for (const [change, message, field] of cases) {
      const value = Object.keys(change).length === 0 ? {} : { ...ticket, ...change };
      expect(reject('matchmaker_add', value)).toEqual([message, `matchmaker_add.${field}`]);
      expect(reject('party_matchmaker_add', { party_id: 'p', ...value })).toEqual([
        message,
        `party_matchmaker_add.${field}`,
      ]);
    }
  });

  it('accepts numeric strings for int32 fields and checks their range', () => {
    expect(body('matchmaker_add', { ...ticket, min_count: '2', count_multiple: '2' })).toMatchObject({
      min_count: 2,
      count_multiple: 2,
    });
    expect(reject('matchmaker_add', { ...ticket, max_count: 2 ** 31 })[0]).toBe(
      'Invalid matchmaker_add.max_count: must be between -2147483648 and 2147483647',
    );
  });

  it('type-checks properties', () => {
    expect(reject('matchmaker_add', { ...ticket, numeric_properties: { rank: 'high' } })).toEqual([
      'Invalid matchmaker_add.numeric_properties.rank: must be a finite number',
      'matchmaker_add.numeric_properties.rank',
    ]);
    expect(reject('matchmaker_add', { ...ticket, string_properties: { region: 1 } })[0]).toBe(
      'Invalid matchmaker_add.string_properties.region: expected string, got number',
    );
    expect(reject('matchmaker_add', { ...ticket, string_properties: [] })[0]).toBe(
      'Invalid matchmaker_add.string_properties: expected object, got array',
    );
  });

  it('requires a ticket to remove', () => {
    expect(reject('matchmaker_remove', {})).toEqual([
      'Invalid matchmaker ticket',
      'matchmaker_remove.ticket',
    ]);
    expect(reject('party_matchmaker_remove', { party_id: 'p', ticket: '' })[0]).toBe(
      'Invalid matchmaker ticket',
    );
  });
});

describe('party', () => {
  it('limits max_size to 1-256', () => {
    const text = ['Invalid party max size, must be 1-256', 'party_create.max_size'];
    expect(reject('party_create', { open: true, max_size: 0 })).toEqual(text);
    expect(reject('party_create', { open: true, max_size: 257 })).toEqual(text);
    expect(reject('party_create', { open: true })).toEqual(text);
    expect(body('party_create', { open: true, max_size: 256 })).toMatchObject({ max_size: 256 });
    expect(body('party_create', { max_size: '1' })).toEqual({
      open: false,
      max_size: 1,
      label: '',
      hidden: false,
    });
  });

  it('checks labels: at most 2048 bytes, a JSON object, none on a hidden party', () => {
    const max = JSON.stringify({ k: 'x'.repeat(2040) });
    expect(max.length).toBe(2048);
    expect(body('party_create', { open: true, max_size: 2, label: max })).toMatchObject({ label: max });
    const big = JSON.stringify({ k: 'x'.repeat(2041) });
    expect(reject('party_create', { open: true, max_size: 2, label: big })).toEqual([
      'Error creating party: party label too long',
      'party_create.label',
    ]);
    expect(reject('party_create', { open: true, max_size: 2, label: 'duo' })[0]).toBe(
      'Error creating party: party label must be a JSON object',
    );
    expect(reject('party_update', { party_id: 'p', label: '{"a":1}', hidden: true })).toEqual([
      'Error updating party: party is hidden and label is not empty, invalid operation',
      'party_update.label',
    ]);
    expect(body('party_update', { party_id: 'p', label: '{}', hidden: true })).toMatchObject({
      hidden: true,
    });
  });

  it('requires a complete presence for leader actions', () => {
    for (const key of ['party_promote', 'party_accept', 'party_remove']) {
      expect(reject(key, { party_id: 'p' })).toEqual(['Invalid presence', `${key}.presence`]);
      expect(reject(key, { party_id: 'p', presence: { user_id: 'u', session_id: 's' } })[0]).toBe(
        'Invalid presence',
      );
    }
  });

  it('decodes party data like match data', () => {
    expect(body('party_data_send', { party_id: 'p', op_code: '12', data: 'AQID' })).toEqual({
      party_id: 'p',
      op_code: 12,
      data: 'AQID',
    });
    expect(reject('party_data_send', { party_id: 'p', op_code: 'x' })[1]).toBe('party_data_send.op_code');
  });
});

describe('rpc', () => {
  it('requires an id with Nakama text', () => {
    expect(reject('rpc', {})).toEqual(['RPC ID must be set', 'rpc.id']);
    expect(reject('rpc', { id: '' })).toEqual(['RPC ID must be set', 'rpc.id']);
    expect(reject('rpc', { id: 5 })[0]).toBe('Invalid rpc.id: expected string, got number');
  });

  it('defaults payload and http_key to empty strings', () => {
    expect(body('rpc', { id: 'echo', extra: 1 })).toStrictEqual({ id: 'echo', payload: '', http_key: '' });
  });
});
