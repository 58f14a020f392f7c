/**
 * The "not revoked" verdict cache of {@link RevocationService}, over the real revocation store on
 * SQLite and PostgreSQL: a verdict spares the database until it expires, any revocation (of a session
 * or a user) forgets every verdict at once, and a check that read the
 * database while a revocation was being made never stores its stale verdict.
 */
import { expect, it } from 'vitest';
import { describeStoreContract } from '../../../../test/store-contract.ts';
import { pick } from '../../../database.ts';
import { ManualClock } from '../../../shared/clock.ts';
import { newUuid, newUuidV7 } from '../../../shared/ids.ts';
import { ACCOUNT_MIGRATIONS } from '../migrations.ts';
import { revocationStores } from '../store/dialects.ts';
import { RevocationCause, RevocationService } from './revocations.ts';

describeStoreContract(
  'revocation verdict cache',
  {
    migrations: [ACCOUNT_MIGRATIONS],
    setup: (db) => {
      const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
      const store = pick(db, revocationStores);
      // Counts the store's checks, so a test can tell a cached verdict from a database read; `hold`
      // keeps a check's answer (read from the database) from reaching the service until released.
      const reads = {
        n: 0,
        hold: undefined as Promise<void> | undefined,
        onRead: (() => {}) as () => void,
      };
      const counted = {
        ...store,
        revokeSessions: store.revokeSessions.bind(store),
        revokeUser: store.revokeUser.bind(store),
        pruneExpired: store.pruneExpired.bind(store),
        // The users with revocations stay unknown (revoked-users.test.ts covers them), so every check
        // the verdict cache does not answer reads the store.
        revokedUserIds: () => Promise.reject(new Error('not loaded in these tests')),
        isRevoked: async (t: string, u: string, s: Date) => {
          reads.n++;
          const answer = await store.isRevoked(t, u, s);
          reads.onRead();
          await reads.hold;
          return answer;
        },
      };
      const service = new RevocationService({
        store: counted,
        db,
        clock,
        maxLifetimeSec: 3600,
        verdictCacheMs: 1000,
        verdictCacheEntries: 3,
      });
      return { clock, reads, service };
    },
  },
  (get) => {
    const session = (clock: ManualClock) => ({
      tokenId: newUuidV7(clock.now()),
      userId: newUuid(),
      iat: Math.floor(clock.now() / 1000),
    });

    it('answers from a fresh verdict, reads again once it expires, and stays bounded', async () => {
      const { service, clock, reads } = get();
      const s = session(clock);
      expect(await service.isRevoked(s.tokenId, s.userId, s.iat)).toBe(false);
      expect(await service.isRevoked(s.tokenId, s.userId, s.iat)).toBe(false);
      expect(reads.n).toBe(1);
      // Another user presenting the same token id is not answered from this verdict.
      expect(await service.isRevoked(s.tokenId, newUuid(), s.iat)).toBe(false);
      expect(reads.n).toBe(2);
      clock.advance(1000);
      expect(await service.isRevoked(s.tokenId, s.userId, s.iat)).toBe(false);
      expect(reads.n).toBe(3);
      for (let i = 0; i < 5; i++) {
        const other = session(clock);
        await service.isRevoked(other.tokenId, other.userId, other.iat);
      }
      expect(service.cachedVerdicts).toBe(3);
    });

    it('forgets every verdict when a session or a user is revoked', async () => {
      const { service, clock } = get();
      const a = session(clock);
      const b = session(clock);
      await service.isRevoked(a.tokenId, a.userId, a.iat);
      await service.isRevoked(b.tokenId, b.userId, b.iat);
      expect(service.cachedVerdicts).toBe(2);
      await service.revokeSessions([{ tokenId: a.tokenId, userId: a.userId, latestExpSec: a.iat + 60 }]);
      expect(service.cachedVerdicts).toBe(0);
      expect(await service.isRevoked(a.tokenId, a.userId, a.iat)).toBe(true);
      expect(await service.isRevoked(b.tokenId, b.userId, b.iat)).toBe(false);
      clock.advance(5);
      await service.revokeUser(b.userId, RevocationCause.BAN);
      expect(await service.isRevoked(b.tokenId, b.userId, b.iat)).toBe(true);
    });

    it('never stores the verdict of a check that raced a revocation', async () => {
      const { service, clock, reads } = get();
      const s = session(clock);
      clock.advance(5);
      // The check reads "not revoked" from the database, then the revocation is made and committed
      // before the check's answer gets back to the service.
      let release = () => {};
      reads.hold = new Promise<void>((resolve) => {
        release = resolve;
      });
      const read = new Promise<void>((resolve) => {
        reads.onRead = resolve;
      });
      const check = service.isRevoked(s.tokenId, s.userId, s.iat);
      await read;
      await service.revokeUser(s.userId, RevocationCause.LOGOUT);
      release();
      reads.hold = undefined;
      expect(await check).toBe(false); // it read before the revocation
      expect(service.cachedVerdicts).toBe(0);
      expect(await service.isRevoked(s.tokenId, s.userId, s.iat)).toBe(true);
    });
  },
);
