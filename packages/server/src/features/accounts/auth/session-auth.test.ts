import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, pick } from '../../../database.ts';
import type { AnyDb } from '../../../db/db.ts';
import { ManualClock } from '../../../shared/clock.ts';
import { newUuid } from '../../../shared/ids.ts';
import { revocationStores } from '../store/dialects.ts';
import type { RevocationStore } from '../store/revocation-store.ts';
import { RevocationCause, type RevocationEvent, RevocationService } from './revocations.ts';
import { SessionAuth } from './session-auth.ts';
import { TokenSigner } from './tokens.ts';

describe('SessionAuth', () => {
  let dir: string;
  let db: AnyDb;
  let store: RevocationStore;
  let clock: ManualClock;
  let auth: SessionAuth;
  const user = { id: newUuid(), username: 'player' };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tether-auth-'));
    db = await openDatabase({
      data: dir,
      database: 'sqlite',
      databaseSchema: undefined,
      databasePoolSize: 1,
    });
    store = pick(db, revocationStores);
    clock = new ManualClock();
    auth = new SessionAuth({
      signer: new TokenSigner({ sessionKey: 's', refreshKey: 'r' }),
      revocations: new RevocationService({ store, db, clock, maxLifetimeSec: 7200 }),
      clock,
      tokenExpirySec: 600,
      refreshTokenExpirySec: 7200,
      pruneIntervalMs: 0,
    });
  });
  afterEach(async () => {
    await auth.close();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refreshes with the same token id and start time and a later expiry', async () => {
    const first = await auth.issue(user, { k: 'v' });
    const s1 = await auth.verifySessionToken(first.token);
    clock.advance(1500); // the refreshed token differs only once a whole second has passed
    const claims = await auth.verifyRefreshToken(first.refreshToken);
    const second = await auth.reissue(claims, 'renamed');
    const s2 = await auth.verifySessionToken(second.token);
    expect(second.token).not.toBe(first.token);
    expect(s2).toEqual({ ...s1, username: 'renamed', expiresAt: s1.expiresAt + 1 });
  });

  it('lets tokens expire by the injected clock', async () => {
    const { token, refreshToken } = await auth.issue(user);
    clock.advance(600_000);
    await expect(auth.verifySessionToken(token)).rejects.toThrow('Auth token expired');
    expect((await auth.verifyRefreshToken(refreshToken)).uid).toBe(user.id);
  });

  it('revokes one session on logout and tells subscribers which one', async () => {
    const events: RevocationEvent[] = [];
    const unsubscribe = auth.onRevoked((e) => events.push(e));
    const a = await auth.issue(user);
    const b = await auth.issue(user);
    const caller = await auth.verifySessionToken(a.token);
    await auth.logout(caller, { token: a.token, refreshToken: a.refreshToken });
    expect(events).toEqual([{ userId: user.id, tokenId: caller.tokenId, cause: 'logout' }]);
    await expect(auth.verifySessionToken(a.token)).rejects.toThrow('Auth token revoked');
    await expect(auth.verifyRefreshToken(a.refreshToken)).rejects.toThrow('Refresh token revoked');
    expect((await auth.verifySessionToken(b.token)).userId).toBe(user.id);
    unsubscribe();
    await auth.logout(await auth.verifySessionToken(b.token), { token: b.token });
    expect(events).toHaveLength(1);
  });

  it('revokes every earlier session of the user on an empty logout, not later ones', async () => {
    const events: RevocationEvent[] = [];
    auth.onRevoked((e) => events.push(e));
    const a = await auth.issue(user);
    const b = await auth.issue(user);
    await auth.logout(await auth.verifySessionToken(a.token), {});
    expect(events).toEqual([{ userId: user.id, tokenId: null, cause: 'logout' }]);
    await expect(auth.verifySessionToken(b.token)).rejects.toThrow('revoked');
    clock.advance(1); // one millisecond later, in the same second: the token id carries milliseconds
    const c = await auth.issue(user);
    expect((await auth.verifySessionToken(c.token)).userId).toBe(user.id);
  });

  it('revokes every session of a user for a ban, naming the cause; a refresh precheck runs first', async () => {
    const events: RevocationEvent[] = [];
    auth.onRevoked((e) => events.push(e));
    const a = await auth.issue(user);
    await auth.revokeUser(user.id, RevocationCause.BAN);
    expect(events).toEqual([{ userId: user.id, tokenId: null, cause: 'ban' }]);
    await expect(auth.verifySessionToken(a.token)).rejects.toThrow('Auth token revoked');
    const seen: string[] = [];
    await expect(
      auth.verifyRefreshToken(a.refreshToken, async (c) => {
        seen.push(c.uid);
      }),
    ).rejects.toThrow('Refresh token revoked');
    expect(seen).toEqual([user.id]);
    // A precheck that refuses wins over the revocation: the caller's reason is the one reported.
    const refusal = new Error('User account banned.');
    await expect(
      auth.verifyRefreshToken(a.refreshToken, async () => {
        throw refusal;
      }),
    ).rejects.toBe(refusal);
    // A forged token never reaches the precheck.
    await expect(
      auth.verifyRefreshToken(`${a.refreshToken}x`, async () => {
        seen.push('forged');
      }),
    ).rejects.toThrow('Refresh token invalid');
    expect(seen).toEqual([user.id]);
  });

  it('keeps revocations until every covered token has expired, then prunes them', async () => {
    const a = await auth.issue(user);
    await auth.logout(await auth.verifySessionToken(a.token), { refreshToken: a.refreshToken });
    const revocations = new RevocationService({ store, db, clock, maxLifetimeSec: 7200 });
    clock.advance(7_199_000);
    expect(await revocations.pruneExpired()).toBe(0);
    await expect(auth.verifyRefreshToken(a.refreshToken)).rejects.toThrow('revoked');
    clock.advance(2000);
    expect(await revocations.pruneExpired()).toBe(1);
  });

  it("tells subscribers of a revocation inside a caller's transaction only once it commits", async () => {
    const events: RevocationEvent[] = [];
    auth.onRevoked((e) => events.push(e));
    const a = await auth.issue(user);
    await expect(
      db.tx(async () => {
        await auth.revokeUser(user.id, RevocationCause.BAN);
        expect(events).toEqual([]);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(events).toEqual([]);
    expect((await auth.verifySessionToken(a.token)).userId).toBe(user.id);

    await db.tx(async () => {
      await auth.revokeUser(user.id, RevocationCause.BAN);
      expect(events).toEqual([]);
    });
    expect(events).toEqual([{ userId: user.id, tokenId: null, cause: 'ban' }]);
    await expect(auth.verifySessionToken(a.token)).rejects.toThrow('Auth token revoked');
  });

  it('survives a failing subscriber', async () => {
    auth.onRevoked(() => {
      throw new Error('boom');
    });
    const a = await auth.issue(user);
    await auth.logout(await auth.verifySessionToken(a.token), {});
    await expect(auth.verifySessionToken(a.token)).rejects.toThrow('revoked');
  });
});
