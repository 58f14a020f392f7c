/**
 * Wallets on the database port, against SQLite and PostgreSQL through the contract harness: the
 * store (locked reads, saves, ledger pages) and the service on it (changesets applied atomically,
 * never below zero, several users in one transaction, the ledger and its cursors), including 100 real
 * concurrent debits of one wallet.
 */
import { expect, it } from 'vitest';
import { describeStoreContract } from '../../../../test/store-contract.ts';
import { pick } from '../../../database.ts';
import { systemClock } from '../../../shared/clock.ts';
import { DomainError } from '../../../shared/domain-error.ts';
import { newUuid } from '../../../shared/ids.ts';
import { ACCOUNT_MIGRATIONS } from '../../accounts/migrations.ts';
import { accountStores } from '../../accounts/store/dialects.ts';
import { WALLET_MIGRATIONS } from '../migrations.ts';
import { WalletNegativeError, WalletService, type WalletUpdateResult } from '../wallet-service.ts';
import { walletStores } from './dialects.ts';

const T0 = new Date('2025-03-01T12:00:00.000Z');

describeStoreContract(
  'wallet store',
  {
    migrations: [ACCOUNT_MIGRATIONS, WALLET_MIGRATIONS],
    setup: (db) => {
      const store = pick(db, walletStores);
      return {
        store,
        accounts: pick(db, accountStores),
        wallets: new WalletService({ store, db, clock: systemClock }),
      };
    },
  },
  (stores, backend) => {
    const addUser = async (username: string) =>
      (
        await stores().accounts.createAccount({
          id: newUuid(),
          username,
          identity: { kind: 'device', id: `device-${username}` },
          now: T0,
        })
      ).id;
    const walletOf = async (userId: string) =>
      JSON.parse((await stores().accounts.getAccount(userId))!.wallet);
    const rejection = async (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (e: unknown) => e,
      );

    it('adds changesets to wallets, keeps zero balances, and shows the wallet in the account', async () => {
      const ann = await addUser('ann');
      const { wallets } = stores();
      const [first] = await wallets.update([{ userId: ann, changeset: { coins: 100, gems: 5 } }]);
      expect(first).toEqual({ userId: ann, previous: {}, updated: { coins: 100, gems: 5 } });
      const [second] = await wallets.update([{ userId: ann, changeset: { coins: -40, gems: -5 } }]);
      expect(second).toEqual({
        userId: ann,
        previous: { coins: 100, gems: 5 },
        updated: { coins: 60, gems: 0 },
      });
      expect(await walletOf(ann)).toEqual({ coins: 60, gems: 0 });
      // An unknown user is skipped, not an error.
      expect(await wallets.update([{ userId: newUuid(), changeset: { coins: 1 } }])).toEqual([]);
    });

    it('refuses the whole call when any balance would go below zero', async () => {
      const [ann, bob] = [await addUser('ann'), await addUser('bob')];
      const { wallets } = stores();
      await wallets.update([{ userId: ann, changeset: { coins: 10 } }]);
      const err = await rejection(
        wallets.update(
          [
            { userId: bob, changeset: { coins: 50 } },
            { userId: ann, changeset: { coins: 5 } },
            { userId: ann, changeset: { coins: -20, gems: 1 } },
          ],
          true,
        ),
      );
      expect(err).toBeInstanceOf(WalletNegativeError);
      expect((err as Error).message).toBe("wallet update rejected negative value at path 'coins'");
      expect(await walletOf(ann)).toEqual({ coins: 10 });
      expect(await walletOf(bob)).toEqual({});
      expect((await wallets.ledger(bob)).items).toEqual([]);
    });

    it('updates several users in one call, in order, and records each update in the ledger', async () => {
      const [ann, bob] = [await addUser('ann'), await addUser('bob')];
      const { wallets } = stores();
      const results = await wallets.update(
        [
          { userId: ann, changeset: { coins: 10 }, metadata: { reason: 'daily' } },
          { userId: bob, changeset: { coins: 3 } },
          { userId: ann, changeset: { coins: -4 }, metadata: { reason: 'shop' } },
        ],
        true,
      );
      expect(results.map((r) => [r.userId, r.previous, r.updated])).toEqual([
        [ann, {}, { coins: 10 }],
        [bob, {}, { coins: 3 }],
        [ann, { coins: 10 }, { coins: 6 }],
      ]);
      const page = await wallets.ledger(ann);
      // Newest first; the changeset as given, not the balance.
      expect(page.items.map((i) => [JSON.parse(i.changeset), JSON.parse(i.metadata)])).toEqual([
        [{ coins: -4 }, { reason: 'shop' }],
        [{ coins: 10 }, { reason: 'daily' }],
      ]);
      expect(page.cursor).toBeNull();
      // Without updateLedger nothing is recorded.
      await wallets.update([{ userId: bob, changeset: { coins: 1 } }]);
      expect((await wallets.ledger(bob)).items).toHaveLength(1);
    });

    it('pages the ledger with cursors bound to their user, across a restart', async () => {
      const [ann, bob] = [await addUser('ann'), await addUser('bob')];
      for (let i = 1; i <= 5; i++)
        await stores().wallets.update([{ userId: ann, changeset: { n: i } }], true);
      await backend.reopen();
      const { wallets } = stores();
      const seen: number[] = [];
      let cursor: string | null = null;
      do {
        const page = await wallets.ledger(ann, 2, cursor);
        seen.push(...page.items.map((i) => JSON.parse(i.changeset).n as number));
        cursor = page.cursor;
      } while (cursor);
      expect(seen).toEqual([5, 4, 3, 2, 1]);
      const firstPage = await wallets.ledger(ann, 2);
      const foreign = await rejection(wallets.ledger(bob, 2, firstPage.cursor));
      expect(foreign).toBeInstanceOf(DomainError);
      expect((foreign as Error).message).toBe('wallet ledger cursor invalid');
      await expect(wallets.ledger(ann, 101)).rejects.toThrow(/between 1 and 100/);
    });

    it("joins a caller's transaction, and a deleted user's ledger goes with the user", async () => {
      const ann = await addUser('ann');
      const { wallets, accounts } = stores();
      const failed = await rejection(
        backend.db().tx(async () => {
          await wallets.update([{ userId: ann, changeset: { coins: 5 } }], true);
          throw new Error('caller failed');
        }),
      );
      expect((failed as Error).message).toBe('caller failed');
      expect(await walletOf(ann)).toEqual({});
      await wallets.update([{ userId: ann, changeset: { coins: 5 } }], true);
      expect((await wallets.ledger(ann)).items).toHaveLength(1);
      await accounts.deleteUser(ann, null);
      expect((await wallets.ledger(ann)).items).toEqual([]);
    });

    it('refuses bad changesets with what is wrong', async () => {
      const ann = await addUser('ann');
      const { wallets } = stores();
      await expect(wallets.update([{ userId: ann, changeset: { coins: 1.5 } }])).rejects.toThrow(
        'expects changeset values to be whole numbers',
      );
      await expect(wallets.update([{ userId: 'nope', changeset: {} }])).rejects.toThrow(
        'expects a valid user id',
      );
      await expect(
        wallets.update([
          { userId: ann, changeset: { coins: Number.MAX_SAFE_INTEGER } },
          { userId: ann, changeset: { coins: 1 } },
        ]),
      ).rejects.toThrow("wallet update out of range at path 'coins'");
    });

    it('merges metadata into a ledger item (walletLedgerUpdate), concurrent merges included', async () => {
      const ann = await addUser('ann');
      const { wallets } = stores();
      await wallets.update(
        [{ userId: ann, changeset: { coins: 5 }, metadata: { reason: 'quest', n: 1 } }],
        true,
      );
      const [item] = (await wallets.ledger(ann, 10)).items;
      const updated = await wallets.updateLedgerMetadata(item!.id.toUpperCase(), { n: 2, receipt: 'r-1' });
      expect(updated).toMatchObject({ id: item!.id, userId: ann, changeset: '{"coins":5}' });
      expect(JSON.parse(updated.metadata)).toEqual({ reason: 'quest', n: 2, receipt: 'r-1' });
      expect(updated.createTime).toEqual(item!.createTime);
      expect(updated.updateTime.getTime()).toBeGreaterThanOrEqual(item!.updateTime.getTime());
      expect(JSON.parse((await wallets.ledger(ann, 10)).items[0]!.metadata)).toEqual({
        reason: 'quest',
        n: 2,
        receipt: 'r-1',
      });
      // Each merge starts from what the previous one committed: no key is lost.
      await Promise.all(
        Array.from({ length: 20 }, (_, i) => wallets.updateLedgerMetadata(item!.id, { [`k${i}`]: i })),
      );
      const keys = Object.keys(JSON.parse((await wallets.ledger(ann, 10)).items[0]!.metadata));
      expect(keys).toHaveLength(23);

      const error = (await rejection(wallets.updateLedgerMetadata(newUuid(), {}))) as DomainError;
      expect(error.message).toBe('wallet ledger item not found');
      await expect(wallets.updateLedgerMetadata('not-an-id', {})).rejects.toThrow(
        'expects a valid ledger id',
      );
      await expect(
        wallets.updateLedgerMetadata(item!.id, [] as unknown as Record<string, unknown>),
      ).rejects.toThrow('expects metadata to be a key value object');
      await expect(wallets.updateLedgerMetadata(item!.id, { big: 'x'.repeat(17_000) })).rejects.toThrow(
        /at most 16384 bytes/,
      );
    });

    it('100 concurrent debits never overdraw: exactly the affordable ones succeed', async () => {
      const ann = await addUser('ann');
      const { wallets } = stores();
      await wallets.update([{ userId: ann, changeset: { coins: 70 } }]);
      const outcomes = await Promise.allSettled(
        Array.from({ length: 100 }, () => wallets.update([{ userId: ann, changeset: { coins: -1 } }], true)),
      );
      const ok = outcomes.filter((o) => o.status === 'fulfilled');
      const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
      expect(ok).toHaveLength(70);
      for (const r of refused) expect(r.reason).toBeInstanceOf(WalletNegativeError);
      expect(await walletOf(ann)).toEqual({ coins: 0 });
      // Each success saw the balance the previous one left: 70, 69, ..., 1 before, in some order.
      const before = ok.map(
        (o) => (o as PromiseFulfilledResult<WalletUpdateResult[]>).value[0]!.previous.coins ?? -1,
      );
      expect(before.sort((a, b) => a - b)).toEqual(Array.from({ length: 70 }, (_, i) => i + 1));
      expect((await wallets.ledger(ann, 100)).items).toHaveLength(70);
    });
  },
);
