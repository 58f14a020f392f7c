import { Session } from '@heroiclabs/nakama-js';
import fc from 'fast-check';
import { CompactSign, compactVerify, decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../../shared/domain-error.ts';
import { newUuid, newUuidV7 } from '../../../shared/ids.ts';
import { asciiSafeJson, type SessionClaims, TokenSigner } from './tokens.ts';

const signer = new TokenSigner({ sessionKey: 'session-key', refreshKey: 'refresh-key' });
const NOW = Date.UTC(2025, 0, 1);
const claims = (over: Partial<SessionClaims> = {}): SessionClaims => ({
  tid: newUuidV7(NOW),
  uid: newUuid(),
  usn: 'player',
  exp: NOW / 1000 + 3600,
  iat: NOW / 1000,
  ...over,
});

describe('TokenSigner', () => {
  it('signs a session pair exactly as two sign() calls would', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'binary', maxLength: 40 }),
        fc.option(
          fc.dictionary(
            fc.string({ minLength: 1, maxLength: 8 }),
            fc.string({ unit: 'binary', maxLength: 20 }),
          ),
          { nil: undefined },
        ),
        async (usn, vrs) => {
          // Claims in the order SessionAuth has always signed them: exp before iat.
          const { exp: _, iat, ...shared } = claims({ usn, ...(vrs ? { vrs } : {}) });
          const pair = signer.signPair({ ...shared, iat }, iat + 60, iat + 3600);
          expect(pair.token).toBe(await signer.sign('session', { ...shared, exp: iat + 60, iat }));
          expect(pair.refreshToken).toBe(await signer.sign('refresh', { ...shared, exp: iat + 3600, iat }));
        },
      ),
    );
  });

  it('writes payloads nakama-js 2.8.0 can decode, whatever the username and vars contain', async () => {
    // nakama-js decodes the payload with js-base64 `atob` on the raw base64url text: a `-` or `_`
    // there breaks it. Any string must survive: ASCII punctuation, accents, emoji, lone surrogates.
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'binary', maxLength: 40 }),
        fc.dictionary(
          fc.string({ minLength: 1, maxLength: 8 }),
          fc.string({ unit: 'binary', maxLength: 20 }),
        ),
        async (usn, vrs) => {
          const c = claims({ usn, vrs });
          const token = await signer.sign('session', c);
          const refresh = await signer.sign('refresh', c);
          expect(token.split('.')[1]).not.toMatch(/[-_]/);
          const session = Session.restore(token, refresh);
          expect(session.username).toBe(usn);
          expect(session.vars).toEqual(vrs);
          expect(session.user_id).toBe(c.uid);
          expect(session.expires_at).toBe(c.exp);
          // Standard JWT decoders read the same claims.
          expect(decodeJwt(token)).toEqual(JSON.parse(JSON.stringify(c)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('escapes exactly the characters that would put - or _ into base64url', () => {
    expect(asciiSafeJson({ s: 'a>b?c~d\u007fé' })).toBe('{"s":"a\\u003eb\\u003fc\\u007ed\\u007f\\u00e9"}');
    expect(JSON.parse(asciiSafeJson({ s: 'a>b?c~d\u007fé😀' }))).toEqual({ s: 'a>b?c~d\u007fé😀' });
  });

  it('verifies its own tokens with the matching key only', async () => {
    const c = claims({ vrs: { k: 'v' } });
    const token = await signer.sign('session', c);
    expect(await signer.verify('session', token, NOW)).toEqual(c);
    await expect(signer.verify('refresh', token, NOW)).rejects.toThrow(
      'Refresh token invalid: signature does not match',
    );
  });

  it('remembers verified tokens by their exact text: an edited copy is still checked and refused', async () => {
    const c = claims();
    const token = await signer.sign('session', c);
    expect(await signer.verify('session', token, NOW)).toEqual(c);
    expect(await signer.verify('session', token, NOW)).toEqual(c);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const forged = `${header}.${payload}.${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
    await expect(signer.verify('session', forged, NOW)).rejects.toThrow('Auth token invalid');
    await expect(signer.verify('refresh', token, NOW)).rejects.toThrow('Refresh token invalid');
  });

  it('says when a token expired, unless asked to ignore expiry', async () => {
    const c = claims({ exp: NOW / 1000 + 10 });
    const token = await signer.sign('session', c);
    expect((await signer.verify('session', token, NOW + 9_999)).tid).toBe(c.tid);
    const err = await signer.verify('session', token, NOW + 10_000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).message).toBe('Auth token expired');
    expect((await signer.verify('session', token, NOW + 99_000, true)).tid).toBe(c.tid);
  });

  it('writes exactly the tokens jose writes, and each side verifies the other', async () => {
    const key = new TextEncoder().encode('session-key');
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 30 }), async (usn) => {
        const c = claims({ usn });
        const ours = await signer.sign('session', c);
        const theirs = await new CompactSign(new TextEncoder().encode(asciiSafeJson(c)))
          .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
          .sign(key);
        expect(ours).toBe(theirs);
        const { payload } = await compactVerify(ours, key, { algorithms: ['HS256'] });
        expect(JSON.parse(new TextDecoder().decode(payload))).toEqual(JSON.parse(JSON.stringify(c)));
      }),
      { numRuns: 100 },
    );
  });

  it('refuses a token whose signature or payload was altered, however it was encoded', async () => {
    const token = await signer.sign('session', claims());
    const [header, payload, signature] = token.split('.') as [string, string, string];
    for (const bad of [
      `${header}.${payload}.${signature}=`,
      `${header}.${payload}.${signature}A`,
      `${header}.${payload}.${signature.slice(0, -1)}`,
      `${header}.${payload}.`,
      `${header}.${payload}A.${signature}`,
      `${header}.${payload}`,
      `${header}.${payload}.${signature}.x`,
    ]) {
      await expect(signer.verify('session', bad, NOW)).rejects.toThrow(/^Auth token invalid: /);
    }
  });
});
