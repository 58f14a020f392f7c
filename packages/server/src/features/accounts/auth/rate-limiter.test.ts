import { describe, expect, it } from 'vitest';
import { addressKey } from '../../../shared/client-address.ts';
import { ManualClock } from '../../../shared/clock.ts';
import { DomainError, ErrorKind } from '../../../shared/domain-error.ts';
import { AuthThrottle, FailureCounter } from './rate-limiter.ts';

describe('FailureCounter', () => {
  it('blocks after maxFailures until the window that began with the first failure ends', () => {
    const clock = new ManualClock();
    const c = new FailureCounter({ maxFailures: 2, windowMs: 10_000, maxKeys: 10 }, clock);
    c.fail('k');
    clock.advance(4000);
    expect(c.blockedForMs('k')).toBe(0);
    c.fail('k');
    expect(c.blockedForMs('k')).toBe(6000);
    clock.advance(6000);
    expect(c.blockedForMs('k')).toBe(0);
    c.fail('k'); // a new window
    expect(c.blockedForMs('k')).toBe(0);
  });

  it('forgets a key on reset', () => {
    const c = new FailureCounter({ maxFailures: 1, windowMs: 1000, maxKeys: 10 }, new ManualClock());
    c.fail('k');
    expect(c.blockedForMs('k')).toBe(1000);
    c.reset('k');
    expect(c.blockedForMs('k')).toBe(0);
  });

  it('never remembers more than maxKeys, dropping the least recently failed', () => {
    const c = new FailureCounter({ maxFailures: 1, windowMs: 60_000, maxKeys: 3 }, new ManualClock());
    for (const k of ['a', 'b', 'c']) c.fail(k);
    c.fail('a'); // a is now the most recent
    c.fail('d');
    expect(c.size).toBe(3);
    expect(c.blockedForMs('b')).toBe(0); // dropped
    expect(c.blockedForMs('a')).toBeGreaterThan(0);
    for (let i = 0; i < 10_000; i++) c.fail(`spray-${i}`);
    expect(c.size).toBe(3);
  });
});

describe('AuthThrottle', () => {
  it('limits per address and per account separately, and a success clears the account only', () => {
    const clock = new ManualClock();
    const t = new AuthThrottle({ perAddress: 5, perAccount: 2, windowSec: 60, maxKeys: 100 }, clock);
    t.fail('10.0.0.1', 'a@example.com');
    t.fail('10.0.0.1', 'a@example.com');
    const err = (() => {
      try {
        t.check('10.0.0.2', 'a@example.com');
      } catch (e) {
        return e as DomainError;
      }
    })();
    expect(err?.kind).toBe(ErrorKind.RESOURCE_EXHAUSTED);
    expect(err?.retryAfterSec).toBe(60);
    expect(err?.message).toBe('Too many failed authentication attempts for this account; try again in 60 s.');
    t.succeed('a@example.com');
    expect(() => t.check('10.0.0.1', 'a@example.com')).not.toThrow();
    t.fail('10.0.0.1');
    t.fail('10.0.0.1');
    t.fail('10.0.0.1');
    expect(() => t.check('10.0.0.1')).toThrow(DomainError);
    expect(() => t.check('::ffff:10.0.0.1')).toThrow(/from this address/);
    clock.advance(60_000);
    expect(() => t.check('10.0.0.1')).not.toThrow();
  });
});

describe('addressKey', () => {
  it('groups IPv6 by /64 and unwraps IPv4-mapped addresses', () => {
    expect(addressKey('127.0.0.1')).toBe('127.0.0.1');
    expect(addressKey('::ffff:192.168.1.9')).toBe('192.168.1.9');
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
  });
});

describe('AuthThrottle.begin', () => {
  it('counts attempts in flight against the limits until they settle', () => {
    const t = new AuthThrottle(
      { perAddress: 3, perAccount: 2, windowSec: 60, maxKeys: 100 },
      new ManualClock(),
    );
    const a = t.begin('10.0.0.1', 'a@example.com');
    const b = t.begin('10.0.0.1', 'a@example.com');
    // Two in flight fill the account's limit of two: a third is refused before any has failed.
    expect(() => t.begin('10.0.0.1', 'a@example.com')).toThrow(/for this account; try again in 1 s/);
    const c = t.begin('10.0.0.1', 'b@example.com');
    expect(() => t.begin('10.0.0.1', 'c@example.com')).toThrow(/from this address/);
    expect(t.inFlight).toBe(3);
    a.fail();
    a.release(); // settled already: a no-op
    b.succeed(); // clears the account's failure, releases its place
    c.release();
    expect(t.inFlight).toBe(0);
    const d = t.begin('10.0.0.1', 'a@example.com');
    d.fail();
    // The address has two failures (a, d), the account one (d, after b's success cleared a).
    expect(() => t.check('10.0.0.1', 'a@example.com')).not.toThrow();
    t.begin('10.0.0.1').fail();
    expect(() => t.check('10.0.0.1')).toThrow(/try again in 60 s/);
  });
});
