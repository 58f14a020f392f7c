import { describe, expect, it } from 'vitest';
import { ClientError } from '../errors.ts';
import {
  backoffDelay,
  DEFAULT_RECONNECT,
  isRetryableClose,
  judgeFailedAttempt,
  reconnectOptions,
} from './reconnect.ts';
import { ResumeTracker } from './resume.ts';

describe('reconnect policy', () => {
  it('retries everything except logout, replaced, banned and policy closes', () => {
    for (const code of [1000, 1001, 1002, 1006, 1009, 1011, 1013, 4001])
      expect(isRetryableClose(code)).toBe(true);
    for (const code of [1008, 4002, 4003, 4004, 4005]) expect(isRetryableClose(code)).toBe(false);
  });

  it('grows exponentially up to the cap, with the jitter share randomised downwards', () => {
    const options = reconnectOptions({ initialDelayMs: 100, maxDelayMs: 1000, jitter: 0.5 });
    expect([1, 2, 3, 4, 5, 9].map((n) => backoffDelay(options, n, () => 0))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
    expect(backoffDelay(options, 3, () => 0.999_999)).toBe(200);
    expect(backoffDelay(reconnectOptions({ jitter: 0 }), 1, Math.random)).toBe(
      DEFAULT_RECONNECT.initialDelayMs,
    );
  });

  it('validates options; false disables reconnection', () => {
    expect(reconnectOptions(false).maxAttempts).toBe(0);
    expect(() => reconnectOptions({ jitter: 2 })).toThrow(ClientError);
    expect(() => reconnectOptions({ initialDelayMs: 10, maxDelayMs: 5 })).toThrow(/maxDelayMs/);
  });
});

describe('after a failed attempt', () => {
  const base = { initial: false, refreshed: false, canRefresh: true, attempt: 1, maxAttempts: 3 };
  const close = (code: number, unauthorized = false) => ({ code, reason: 'why', unauthorized });

  it('retries a refused token once with a refresh, then gives up with SESSION_EXPIRED', () => {
    expect(judgeFailedAttempt({ ...base, close: close(1006, true) })).toEqual({ action: 'retry' });
    expect(judgeFailedAttempt({ ...base, initial: true, close: close(1008, true) })).toEqual({
      action: 'retry',
    });
    expect(judgeFailedAttempt({ ...base, refreshed: true, close: close(1008, true) })).toMatchObject({
      action: 'give_up',
      code: 'SESSION_EXPIRED',
    });
    expect(judgeFailedAttempt({ ...base, canRefresh: false, close: close(1006, true) })).toMatchObject({
      code: 'SESSION_EXPIRED',
    });
  });

  it('fails the first connection fast, and bounds reconnection attempts', () => {
    expect(judgeFailedAttempt({ ...base, initial: true, close: close(1006) })).toMatchObject({
      code: 'CONNECT_FAILED',
    });
    expect(judgeFailedAttempt({ ...base, close: close(1006) })).toEqual({ action: 'retry' });
    expect(judgeFailedAttempt({ ...base, attempt: 3, close: close(1006) })).toMatchObject({
      code: 'RECONNECT_FAILED',
      message: 'reconnect failed after 3 attempts; last error: why',
    });
    expect(judgeFailedAttempt({ ...base, close: close(4004) })).toMatchObject({ code: 'RECONNECT_FAILED' });
  });
});

describe('resume tracker', () => {
  const self = (session: string) => ({ user_id: 'u', session_id: session, username: 'n' });

  it('forgets a match whose presence event lists its own leave (match ended), and tickets that matched', async () => {
    const tracker = new ResumeTracker();
    tracker.onReply(
      'match_join',
      { match_id: 'A.tether' },
      { match_id: 'a.tether', size: 1, self: self('s1') },
    );
    tracker.onReply('match_create', { name: 'arena' }, { match_id: 'b.', size: 1, self: self('s1') });
    tracker.onReply('matchmaker_add', {}, { ticket: 't1' });
    tracker.onPush({ type: 'match_presence_event', body: { match_id: 'a.tether', leaves: [self('s1')] } });
    tracker.onPush({
      type: 'matchmaker_matched',
      body: { ticket: 't1', users: [], self: { presence: self('s1') } },
    });
    tracker.onReply(
      'channel_join',
      { target: 'x', type: 1, hidden: true },
      { id: '2...x', self: self('s1') },
    );
    tracker.onReply('channel_leave', { channel_id: '2...x' }, undefined);
    const sent: [string, object][] = [];
    const { resumed, failed } = await tracker.resume(async (type, body) => {
      sent.push([type, body]);
    });
    expect(sent).toEqual([['match_create', { name: 'arena' }]]);
    expect(resumed).toEqual([{ kind: 'match', matchId: 'b.', name: 'arena' }]);
    expect(failed).toEqual([]);
  });
});
