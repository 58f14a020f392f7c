/**
 * The account search store against SQLite and PostgreSQL through the contract harness: what matches
 * (id, username or email containing the term in any case, exact device or custom id), the order, and
 * keyset pages that neither skip nor repeat an account, with LIKE's wildcards taken literally.
 */
import { expect, it } from 'vitest';
import { describeStoreContract } from '../../../../test/store-contract.ts';
import { pick } from '../../../database.ts';
import { newUuid } from '../../../shared/ids.ts';
import { ACCOUNT_MIGRATIONS } from '../migrations.ts';
import { accountSearchStores, accountStores, identityStores } from './dialects.ts';
import type { AccountSearchQuery } from './search-store.ts';

const T0 = new Date('2025-03-01T12:00:00.000Z');

describeStoreContract(
  'account search store',
  {
    migrations: [ACCOUNT_MIGRATIONS],
    setup: (db) => ({
      search: pick(db, accountSearchStores),
      accounts: pick(db, accountStores),
      identities: pick(db, identityStores),
    }),
  },
  (stores) => {
    const addUser = async (username: string, device = `device-${username}`) =>
      (
        await stores().accounts.createAccount({
          id: newUuid(),
          username,
          identity: { kind: 'device', id: device },
          now: T0,
        })
      ).id;
    const names = async (term: string, more: Partial<AccountSearchQuery> = {}) =>
      (await stores().search.search({ term, userId: null, after: null, limit: 100, ...more })).users.map(
        (u) => u.username,
      );

    it('matches ids exactly, usernames and emails by part in any case, devices and custom ids exactly', async () => {
      const ann = await addUser('Ann_Smith');
      const bob = await addUser('bobby', 'phone-42');
      await addUser('Joanna');
      await stores().identities.linkEmail(bob, 'bob@example.com', 'hash', T0);
      await stores().identities.linkCustomId(ann, 'steam-77', T0);

      expect(await names('zzz', { userId: ann })).toEqual(['Ann_Smith']);
      expect(await names('ANN')).toEqual(['Ann_Smith', 'Joanna']);
      expect(await names('smi')).toEqual(['Ann_Smith']);
      expect(await names('EXAMPLE.com')).toEqual(['bobby']);
      expect(await names('phone-42')).toEqual(['bobby']);
      expect(await names('phone-4')).toEqual([]); // devices match whole
      expect(await names('steam-77')).toEqual(['Ann_Smith']);
      expect(await names('steam')).toEqual([]);
      expect(await names('nobody')).toEqual([]);
    });

    it("takes LIKE's wildcards and escape in the term literally", async () => {
      await addUser('a_b');
      await addUser('axb');
      await addUser('c%d');
      await addUser('cxd');
      await addUser('e\\f');
      expect(await names('a_b')).toEqual(['a_b']);
      expect(await names('%')).toEqual(['c%d']);
      expect(await names('_')).toEqual(['a_b']);
      expect(await names('\\')).toEqual(['e\\f']);
      expect(await names('\\f')).toEqual(['e\\f']);
    });

    it('pages in lower-case username order, then id, without skipping or repeating', async () => {
      const made = ['Player10', 'player02', 'PLAYER03', 'player01', 'Player11', 'player05', 'player04'];
      for (const name of made) await addUser(name);
      await addUser('someone-else');
      const seen: string[] = [];
      let after: AccountSearchQuery['after'] = null;
      let pages = 0;
      for (;;) {
        const page = await stores().search.search({ term: 'player', userId: null, after, limit: 3 });
        seen.push(...page.users.map((u) => u.username));
        pages++;
        if (!page.next) break;
        expect(page.users).toHaveLength(3);
        after = page.next;
      }
      expect(pages).toBe(3);
      expect(seen).toEqual([
        'player01',
        'player02',
        'PLAYER03',
        'player04',
        'player05',
        'Player10',
        'Player11',
      ]);
      // A page that ends exactly at the last match says there is no next page.
      const exact = await stores().search.search({ term: 'player1', userId: null, after: null, limit: 2 });
      expect(exact.users.map((u) => u.username)).toEqual(['Player10', 'Player11']);
      expect(exact.next).toBeNull();
    });
  },
);
