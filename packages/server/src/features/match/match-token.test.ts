import { RealtimeError } from '@tether/protocol';
import { jwtVerify, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { toRealtimeError } from '../../pipeline/pipeline.ts';
import { ManualClock } from '../../shared/clock.ts';
import { MatchTokens } from './match-token.ts';

const KEY = 'defaultencryptionkey';
const MID = '2ed6657d-e927-568b-95e1-2665a8aea6a2.';

function reason(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    const sent = toRealtimeError(err);
    expect(sent).toBeInstanceOf(RealtimeError);
    expect(sent?.code).toBe(3);
    return sent!.message;
  }
  throw new Error('expected a throw');
}

describe('MatchTokens', () => {
  it('issue standard HS256 JWTs with {mid, exp} valid 30 s, readable by any JWT library', async () => {
    const clock = new ManualClock();
    const tokens = new MatchTokens({ key: KEY, clock });
    const token = tokens.createMatchToken(MID);
    const { payload, protectedHeader } = await jwtVerify(token, new TextEncoder().encode(KEY), {
      currentDate: new Date(clock.now()),
    });
    expect(protectedHeader.alg).toBe('HS256');
    expect(payload).toEqual({ mid: MID, exp: clock.now() / 1000 + 30 });
    expect(tokens.verifyMatchToken(token)).toBe(MID);
  });

  it('accept tokens signed elsewhere with the same key (another node, Nakama)', async () => {
    const clock = new ManualClock();
    const token = await new SignJWT({ mid: MID })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime(clock.now() / 1000 + 10)
      .sign(new TextEncoder().encode(KEY));
    expect(new MatchTokens({ key: KEY, clock }).verifyMatchToken(token)).toBe(MID);
  });

  it('refuse expired, foreign, tampered and malformed tokens with a reason', () => {
    const clock = new ManualClock();
    const tokens = new MatchTokens({ key: KEY, clock });
    const token = tokens.createMatchToken(MID);
    clock.advance(30_000);
    expect(reason(() => tokens.verifyMatchToken(token))).toBe('Invalid match token: expired');
    const other = new MatchTokens({ key: 'another key', clock }).createMatchToken(MID);
    expect(reason(() => tokens.verifyMatchToken(other))).toBe(
      'Invalid match token: signature does not match',
    );
    const [h, , s] = tokens.createMatchToken(MID).split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ mid: 'x', exp: 9e9 })).toString('base64url')}.${s}`;
    expect(reason(() => tokens.verifyMatchToken(forged))).toMatch(/signature/);
    expect(reason(() => tokens.verifyMatchToken('abc'))).toBe('Invalid match token: not a well-formed JWT');
  });
});
