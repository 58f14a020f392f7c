import { describe, expect, it } from 'vitest';
import { ManualClock } from '../shared/clock.ts';
import { DomainError } from '../shared/domain-error.ts';
import { ConsoleAuth } from './console-auth.ts';

const OPTIONS = {
  username: 'admin',
  password: 'pw',
  tokenExpirySec: 60,
  failuresPerAddress: 2,
  failureWindowSec: 30,
  failureTrackedKeys: 100,
};

function kindOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof DomainError ? err.kind : 'other';
  }
}

describe('ConsoleAuth', () => {
  it('issues tokens that expire, and forgets them on logout', () => {
    const clock = new ManualClock();
    const auth = new ConsoleAuth(OPTIONS, clock);
    const a = auth.login('admin', 'pw', '10.0.0.1');
    expect(a.expiresAt).toBe(Math.floor(clock.now() / 1000) + 60);
    expect(auth.verify(a.token)).toEqual({ username: 'admin' });
    clock.advance(60_000);
    expect(kindOf(() => auth.verify(a.token))).toBe('UNAUTHENTICATED');
    const b = auth.login('admin', 'pw', '10.0.0.1');
    auth.logout(b.token);
    expect(kindOf(() => auth.verify(b.token))).toBe('UNAUTHENTICATED');
    expect(auth.size).toBe(0);
  });

  it('locks out an address after its failures until the window ends; other addresses still log in', () => {
    const clock = new ManualClock();
    const auth = new ConsoleAuth(OPTIONS, clock);
    expect(kindOf(() => auth.login('admin', 'nope', '10.0.0.1'))).toBe('UNAUTHENTICATED');
    expect(kindOf(() => auth.login('root', 'pw', '10.0.0.1'))).toBe('UNAUTHENTICATED');
    expect(kindOf(() => auth.login('admin', 'pw', '10.0.0.1'))).toBe('RESOURCE_EXHAUSTED');
    expect(auth.login('admin', 'pw', '10.0.0.2').token).toBeTruthy();
    clock.advance(30_000);
    expect(auth.login('admin', 'pw', '10.0.0.1').token).toBeTruthy();
  });

  it('keeps at most maxTokens logins, ending the oldest first, and prunes expired ones', () => {
    const clock = new ManualClock();
    const auth = new ConsoleAuth({ ...OPTIONS, maxTokens: 2 }, clock);
    const first = auth.login('admin', 'pw', '10.0.0.1');
    const second = auth.login('admin', 'pw', '10.0.0.1');
    const third = auth.login('admin', 'pw', '10.0.0.1');
    expect(kindOf(() => auth.verify(first.token))).toBe('UNAUTHENTICATED');
    expect(auth.verify(second.token)).toBeTruthy();
    expect(auth.verify(third.token)).toBeTruthy();
    clock.advance(61_000);
    auth.login('admin', 'pw', '10.0.0.1');
    expect(auth.size).toBe(1);
  });
});
