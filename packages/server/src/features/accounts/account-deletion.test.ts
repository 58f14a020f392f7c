/**
 * Account deletion and its hook for other features, on SQLite and PostgreSQL through the contract
 * harness: listeners run inside the deletion's transaction while the user still exists, a failing
 * listener undoes everything, and the revocation (which closes the sockets) is announced only after
 * the commit.
 */
import { expect, it } from 'vitest';
import { describeStoreContract } from '../../../test/store-contract.ts';
import { loadConfig } from '../../config/config.ts';
import { pick } from '../../database.ts';
import { createLogger } from '../../observability/logger.ts';
import type { RevocationEvent } from '../../session/verifier.ts';
import { DomainError, ErrorKind } from '../../shared/domain-error.ts';
import { newUuid } from '../../shared/ids.ts';
import { STORAGE_MIGRATIONS } from '../storage/migrations.ts';
import { storageStores } from '../storage/store/dialects.ts';
import { SYSTEM_USER_ID } from '../storage/store/storage-store.ts';
import { ACCOUNT_MIGRATIONS } from './migrations.ts';
import { registerAccounts } from './register-accounts.ts';
import { accountSearchStores, accountStores, identityStores, revocationStores } from './store/dialects.ts';

const T0 = new Date('2025-03-01T12:00:00.000Z');

describeStoreContract(
  'account deletion',
  {
    migrations: [ACCOUNT_MIGRATIONS, STORAGE_MIGRATIONS],
    setup: (db) => {
      const stores = {
        accounts: pick(db, accountStores),
        identities: pick(db, identityStores),
        revocations: pick(db, revocationStores),
        search: pick(db, accountSearchStores),
      };
      const feature = registerAccounts({
        config: loadConfig({}, {}),
        db,
        stores,
        logger: createLogger('silent'),
      });
      const events: RevocationEvent[] = [];
      feature.auth.onRevoked((e) => events.push(e));
      return { feature, stores, storage: pick(db, storageStores), events };
    },
  },
  (get) => {
    const addUser = async (username: string) =>
      (
        await get().stores.accounts.createAccount({
          id: newUuid(),
          username,
          identity: { kind: 'device', id: `device-${username}` },
          now: T0,
        })
      ).id;
    const write = (userId: string, key: string) => {
      const value = '{}';
      return get().storage.write(
        [
          {
            collection: 'c',
            key,
            userId,
            value,
            version: 'v',
            permissionRead: 1,
            permissionWrite: 1,
            condition: { kind: 'any' },
            ownerWriteOnly: false,
          },
        ],
        T0,
      );
    };
    const objects = (owner: string | null) =>
      get().storage.list({ collection: 'c', owner, minRead: 0, limit: 10, after: null });

    it('runs listeners in the transaction while the user exists, then revokes after the commit', async () => {
      const { feature, stores, events } = get();
      const ann = await addUser('ann');
      const bob = await addUser('bob');
      await write(ann, 'a');
      await write(bob, 'b');
      const seen: string[] = [];
      feature.deletion.onDelete(async (userId) => {
        // The user row is still there for listeners that need to read it.
        seen.push(`first:${(await stores.accounts.getUser(userId))?.username}`);
        expect(events).toEqual([]);
      });
      const off = feature.deletion.onDelete(async () => {
        seen.push('second');
      });
      expect(await feature.deletion.deleteAccount(ann.toUpperCase())).toBe(true);
      expect(seen).toEqual(['first:ann', 'second']);
      expect(events).toEqual([{ userId: ann, tokenId: null, cause: 'delete' }]);
      expect(await stores.accounts.getUser(ann)).toBeNull();
      expect((await objects(null)).map((o) => o.userId)).toEqual([bob]);
      // Unknown users: nothing to do, no listener, no revocation.
      off();
      expect(await feature.deletion.deleteAccount(ann)).toBe(false);
      expect(seen).toEqual(['first:ann', 'second']);
      expect(events).toHaveLength(1);
      expect(await stores.accounts.deletionTime(ann)).toBeNull();
    });

    it('a failing listener undoes the whole deletion, other listeners’ changes included', async () => {
      const { feature, stores, events } = get();
      const ann = await addUser('ann');
      await write(ann, 'a');
      feature.deletion.onDelete(async () => {
        await write(SYSTEM_USER_ID, 'written-by-a-listener');
      });
      feature.deletion.onDelete(async () => {
        throw new Error('groups could not be cleaned');
      });
      await expect(feature.deletion.deleteAccount(ann, { recorded: true })).rejects.toThrow(
        'groups could not be cleaned',
      );
      expect(await stores.accounts.getUser(ann)).not.toBeNull();
      expect((await objects(null)).map((o) => o.key)).toEqual(['a']);
      expect(events).toEqual([]);
      expect(await stores.accounts.deletionTime(ann)).toBeNull();
    });

    it('records the deletion when asked, and refuses ids that are not UUIDs', async () => {
      const { feature, stores } = get();
      const ann = await addUser('ann');
      expect(await feature.deletion.deleteAccount(ann, { recorded: true })).toBe(true);
      expect(await stores.accounts.deletionTime(ann)).toBeInstanceOf(Date);
      const err = await feature.deletion.deleteAccount('nope').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DomainError);
      expect(err).toMatchObject({ kind: ErrorKind.INVALID_ARGUMENT, message: "Invalid user ID: 'nope'." });
      await feature.close();
    });
  },
);
