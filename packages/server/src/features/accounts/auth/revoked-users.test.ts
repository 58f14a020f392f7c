/**
 * The users with revocations that {@link RevocationService} knows in memory (`revoked-users.ts`),
 * over the real revocation store on SQLite and PostgreSQL: a user without any is answered without a
 * database read, a revocation made by the service (committed or in flight) is never missed, the
 * ones stored before the service started are loaded, and over its bound it knows nothing.
 */
import { expect, it } from 'vitest';
import { describeStoreContract } from '../../../../test/store-contract.ts';
import { pick } from '../../../database.ts';
import { ManualClock } from '../../../shared/clock.ts';
import { newUuid, newUuidV7 } from '../../../shared/ids.ts';
import { ACCOUNT_MIGRATIONS } from '../migrations.ts';
import { revocationStores } from '../store/dialects.ts';
import type { RevocationStore } from '../store/revocation-store.ts';
import { RevocationCause, RevocationService } from './revocations.ts';

describeStoreContract(
  'users with revocations',
  {
    migrations: [ACCOUNT_MIGRATIONS],
    setup: (db) => {
      const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
      const store = pick(db, revocationStores);
      // Counts the store's checks and loads; `loadHold` keeps a load's answer back until released.
      const calls = { reads: 0, loads: 0, loadHold: undefined as Promise<void> | undefined };
      const counted: RevocationStore = {
        revokeSessions: store.revokeSessions.bind(store),
        revokeUser: store.revokeUser.bind(store),
        pruneExpired: store.pruneExpired.bind(store),
        isRevoked: (t, u, s) => {
          calls.reads++;
          return store.isRevoked(t, u, s);
        },
        revokedUserIds: async (limit) => {
          calls.loads++;
          const ids = await store.revokedUserIds(limit);
          await calls.loadHold;
          return ids;
        },
      };
      const service = (maxUsers = 100) =>
        new RevocationService({
          store: counted,
          db,
          clock,
          maxLifetimeSec: 3600,
          // Verdicts expire at once here: only the users' index can spare a read.
          verdictCacheMs: 1,
          verdictCacheEntries: maxUsers,
        });
      return { clock, calls, service, db };
    },
  },
  (get) => {
    const session = (clock: ManualClock, userId = newUuid()) => ({
      tokenId: newUuidV7(clock.now()),
      userId,
      iat: Math.floor(clock.now() / 1000),
    });

    it('answers for a user without revocations without reading, once loaded', async () => {
      const { service, clock, calls } = get();
      const revocations = service();
      const a = session(clock);
      // Unknown until the first load (started by the first check) has finished: that check reads.
      expect(await revocations.isRevoked(a.tokenId, a.userId, a.iat)).toBe(false);
      expect(calls.reads).toBe(1);
      await revocations.pruneExpired();
      expect(revocations.revokedUsersKnown).toBe(0);
      clock.advance(10);
      const b = session(clock);
      expect(await revocations.isRevoked(a.tokenId, a.userId, a.iat)).toBe(false);
      expect(await revocations.isRevoked(b.tokenId, b.userId, b.iat)).toBe(false);
      expect(calls.reads).toBe(1);
    });

    it('reads for a user once the service revoked something of theirs, and refuses what is revoked', async () => {
      const { service, clock, calls } = get();
      const revocations = service();
      await revocations.pruneExpired();
      const a = session(clock);
      const a2 = session(clock, a.userId);
      const b = session(clock);
      clock.advance(5);
      await revocations.revokeSessions([{ tokenId: a.tokenId, userId: a.userId, latestExpSec: a.iat + 60 }]);
      await revocations.revokeUser(b.userId, RevocationCause.BAN);
      expect(revocations.revokedUsersKnown).toBe(2);
      expect(await revocations.isRevoked(a.tokenId, a.userId, a.iat)).toBe(true);
      expect(await revocations.isRevoked(a2.tokenId, a2.userId, a2.iat)).toBe(false);
      expect(await revocations.isRevoked(b.tokenId, b.userId, b.iat)).toBe(true);
      expect(calls.reads).toBe(3);
    });

    it('loads the revocations stored before it started, and forgets expired ones after a prune', async () => {
      const { service, clock, calls } = get();
      const first = service();
      const a = session(clock);
      clock.advance(5);
      await first.revokeUser(a.userId, RevocationCause.LOGOUT);
      const second = service();
      await second.pruneExpired();
      expect(second.revokedUsersKnown).toBe(1);
      expect(await second.isRevoked(a.tokenId, a.userId, a.iat)).toBe(true);
      expect(calls.reads).toBe(1);
      clock.advance(3601 * 1000);
      await second.pruneExpired();
      expect(second.revokedUsersKnown).toBe(0);
    });

    it('never misses a revocation made while it loads', async () => {
      const { service, clock, calls } = get();
      const revocations = service();
      const a = session(clock);
      clock.advance(5);
      let release = () => {};
      calls.loadHold = new Promise<void>((resolve) => {
        release = resolve;
      });
      // The load reads an empty store, then the revocation commits before the load finishes.
      const loading = revocations.pruneExpired();
      await new Promise((resolve) => setTimeout(resolve, 20));
      await revocations.revokeUser(a.userId, RevocationCause.LOGOUT);
      release();
      await loading;
      expect(revocations.revokedUsersKnown).toBe(1);
      expect(await revocations.isRevoked(a.tokenId, a.userId, a.iat)).toBe(true);
    });

    it('knows nothing with more users than its bound, and then reads every check', async () => {
      const { service, clock, calls } = get();
      const writer = service();
      for (let i = 0; i < 3; i++) await writer.revokeUser(newUuid(), RevocationCause.LOGOUT);
      const revocations = service(2);
      await revocations.pruneExpired();
      expect(revocations.revokedUsersKnown).toBeUndefined();
      const a = session(clock);
      expect(await revocations.isRevoked(a.tokenId, a.userId, a.iat)).toBe(false);
      clock.advance(10);
      expect(await revocations.isRevoked(a.tokenId, a.userId, a.iat)).toBe(false);
      expect(calls.reads).toBe(2);
      // No load per check: only a prune reads the users again.
      expect(calls.loads).toBe(1);
    });

    it('is off without the verdict cache (cluster mode)', async () => {
      const { clock, calls, db } = get();
      const store = pick(db, revocationStores);
      const revocations = new RevocationService({ store, db, clock, maxLifetimeSec: 3600 });
      await revocations.pruneExpired();
      expect(revocations.revokedUsersKnown).toBeUndefined();
      expect(calls.loads).toBe(0);
    });
  },
);
