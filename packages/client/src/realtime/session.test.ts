import { encodeBase64, encodeUtf8 } from '@tether/protocol';
import { describe, expect, it } from 'vitest';
import { ClientError } from '../errors.ts';
import { decodeSessionClaims, Session } from './session.ts';

/** A JWT-shaped token (unsigned: the client never checks signatures) with base64url segments. */
function jwt(claims: object): string {
  const url = (text: string) =>
    encodeBase64(encodeUtf8(text)).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
  return `${url('{"alg":"HS256","typ":"JWT"}')}.${url(JSON.stringify(claims))}.c2ln`;
}

describe('Session', () => {
  it('decodes base64url payloads, including - and _ that plain base64 decoders reject', () => {
    // "?>" and "ÿ" make the payload's encoding contain '-' and '_' (nakama-js 2.8.0 broke on these).
    const claims = {
      tid: 't-1',
      uid: 'u-1',
      usn: 'who?>ÿ~',
      vrs: { k: '>>>' },
      exp: 2_000_000_000,
      iat: 1_900_000_000,
    };
    const token = jwt(claims);
    expect(token.split('.')[1]).toMatch(/[-_]/);
    const session = new Session(token, jwt({ ...claims, exp: 2_100_000_000 }), true);
    expect(session).toMatchObject({
      userId: 'u-1',
      username: 'who?>ÿ~',
      vars: { k: '>>>' },
      tokenId: 't-1',
      created: true,
      expiresAt: 2_000_000_000_000,
      issuedAt: 1_900_000_000_000,
      refreshExpiresAt: 2_100_000_000_000,
    });
  });

  it('isExpired takes milliseconds and is true from exp on; a missing refresh token counts as expired', () => {
    const session = Session.restore(jwt({ uid: 'u', usn: 'n', exp: 1000 }), '');
    expect(session.isExpired(999_999)).toBe(false);
    expect(session.isExpired(1_000_000)).toBe(true);
    expect(session.isRefreshExpired(0)).toBe(true);
    expect(session.refreshExpiresAt).toBe(0);
  });

  it('refuses text that is not a session token, saying why', () => {
    expect(() => decodeSessionClaims('abc')).toThrow(/three dot-separated segments/);
    expect(() => decodeSessionClaims('a.***.c')).toThrow(/not base64url/);
    expect(() => decodeSessionClaims(`a.${jwt({}).split('.')[1]}.c`)).toThrow(/uid, usn and exp/);
    expect(() => new Session('x.e30.y', '')).toThrow(ClientError);
  });
});
