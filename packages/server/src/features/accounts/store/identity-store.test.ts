/**
 * The identity store (link / unlink) and account deletion in the account store, against SQLite and
 * PostgreSQL through the contract harness: identities move between nobody and one user, never two; a
 * user always keeps one way to log in, also when two unlinks race; deleting a user takes its rows
 * along and can leave a tombstone.
 */
import { expect, it } from 'vitest';
import { describeStoreContract } from '../../../../test/store-contract.ts';
import { pick } from '../../../database.ts';
import { newUuid } from '../../../shared/ids.ts';
import { ACCOUNT_MIGRATIONS } from '../migrations.ts';
import { ConflictField, StorageConflictError } from './account-store.ts';
import { accountStores, identityStores } from './dialects.ts';

const T0 = new Date('2025-03-01T12:00:00.000Z');
const T1 = new Date('2025-03-01T13:00:00.000Z');

describeStoreContract(
  'identity store',
  {
    migrations: [ACCOUNT_MIGRATIONS],
    setup: (db) => ({ identities: pick(db, identityStores), accounts: pick(db, accountStores) }),
  },
  (stores, backend) => {
    const ids = () => stores().identities;
    const addUser = async (username: string) =>
      (
        await stores().accounts.createAccount({
          id: newUuid(),
          username,
          identity: { kind: 'device', id: `device-${username}-0` },
          now: T0,
        })
      ).id;
    const account = async (id: string) => (await stores().accounts.getAccount(id))!;
    const conflict = async (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (e: unknown) => (e instanceof StorageConflictError ? e.field : e),
      );

    it('links devices, a custom id and an email, and bumps the update time', async () => {
      const ann = await addUser('ann');
      expect(await ids().linkDevice(ann, 'device-ann-1', T1)).toBe(true);
      expect(await ids().linkDevice(ann, 'device-ann-1', T1)).toBe(true); // its own device again
      expect(await ids().linkCustomId(ann, 'custom-ann', T1)).toBe(true);
      expect(await ids().linkCustomId(ann, 'custom-ann-2', T1)).toBe(true); // replaces it
      expect(await ids().linkEmail(ann, 'ann@example.com', 'hash-1', T1)).toBe(true);
      const a = await account(ann);
      expect(a).toMatchObject({
        devices: ['device-ann-0', 'device-ann-1'],
        customId: 'custom-ann-2',
        email: 'ann@example.com',
      });
      expect(a.user.updateTime).toEqual(T1);
      expect((await stores().accounts.findByEmail('ann@example.com'))?.passwordHash).toBe('hash-1');
      expect(await ids().linkDevice(newUuid(), 'device-ghost-1', T1)).toBe(false);
      expect(await ids().linkCustomId(newUuid(), 'custom-ghost', T1)).toBe(false);
    });

    it("refuses another user's device, custom id or email, changing nothing", async () => {
      const [ann, bob] = [await addUser('ann'), await addUser('bob')];
      await ids().linkCustomId(ann, 'custom-ann', T1);
      await ids().linkEmail(ann, 'ann@example.com', 'h', T1);
      expect(await conflict(ids().linkDevice(bob, 'device-ann-0', T1))).toBe(ConflictField.DEVICE);
      expect(await conflict(ids().linkCustomId(bob, 'custom-ann', T1))).toBe(ConflictField.CUSTOM_ID);
      expect(await conflict(ids().linkEmail(bob, 'ann@example.com', 'h2', T1))).toBe(ConflictField.EMAIL);
      expect(await account(bob)).toMatchObject({ devices: ['device-bob-0'], customId: null, email: null });
      expect((await account(bob)).user.updateTime).toEqual(T0);
    });

    it('unlinks identities but never the last one, nor one of another user', async () => {
      const [ann, bob] = [await addUser('ann'), await addUser('bob')];
      expect(await ids().unlinkDevice(ann, 'device-ann-0', T1)).toBe(false); // the only one
      expect(await ids().unlinkDevice(ann, 'device-bob-0', T1)).toBe(false); // not hers
      await ids().linkCustomId(ann, 'custom-ann', T1);
      expect(await ids().unlinkCustomId(ann, 'custom-other', T1)).toBe(false);
      expect(await ids().unlinkDevice(ann, 'device-ann-0', T1)).toBe(true);
      expect(await ids().unlinkCustomId(ann, null, T1)).toBe(false); // now the last one
      await ids().linkEmail(ann, 'ann@example.com', 'h', T1);
      expect(await ids().unlinkEmail(ann, 'bob@example.com', T1)).toBe(false);
      expect(await ids().unlinkCustomId(ann, 'custom-ann', T1)).toBe(true);
      expect(await ids().unlinkEmail(ann, null, T1)).toBe(false);
      expect(await account(ann)).toMatchObject({ devices: [], customId: null, email: 'ann@example.com' });
      expect(await account(bob)).toMatchObject({ devices: ['device-bob-0'] });
      // Unlinking the email clears the password too.
      await ids().linkDevice(ann, 'device-ann-9', T1);
      expect(await ids().unlinkEmail(ann, 'ann@example.com', T1)).toBe(true);
      expect(await stores().accounts.findByEmail('ann@example.com')).toBeNull();
    });

    it('two concurrent unlinks of the last two devices: one wins, one identity remains', async () => {
      const ann = await addUser('ann');
      await ids().linkDevice(ann, 'device-ann-1', T1);
      for (let round = 0; round < 5; round++) {
        const results = await Promise.all([
          ids().unlinkDevice(ann, 'device-ann-0', T1),
          ids().unlinkDevice(ann, 'device-ann-1', T1),
        ]);
        expect(results.filter(Boolean)).toHaveLength(1);
        expect((await account(ann)).devices).toHaveLength(1);
        const gone = results[0] ? 'device-ann-0' : 'device-ann-1';
        await ids().linkDevice(ann, gone, T1);
      }
    });

    it('deletes a user with its devices, records a tombstone when asked, and frees its identities', async () => {
      const [ann, bob] = [await addUser('ann'), await addUser('bob')];
      await ids().linkCustomId(ann, 'custom-ann', T1);
      const db = backend.db();
      expect(await db.tx(() => stores().accounts.lockUser(ann))).toBe(true);
      expect(await stores().accounts.deleteUser(ann, T1)).toBe(true);
      expect(await stores().accounts.deleteUser(ann, T1)).toBe(false);
      expect(await stores().accounts.deleteUser(bob, null)).toBe(true);
      expect(await stores().accounts.getAccount(ann)).toBeNull();
      expect(await stores().accounts.deletionTime(ann)).toEqual(T1);
      expect(await stores().accounts.deletionTime(bob)).toBeNull();
      expect(await db.tx(() => stores().accounts.lockUser(ann))).toBe(false);
      // Its identities can be used by someone else now.
      const carl = await addUser('carl');
      expect(await ids().linkDevice(carl, 'device-ann-0', T1)).toBe(true);
      expect(await ids().linkCustomId(carl, 'custom-ann', T1)).toBe(true);
    });
  },
);
