/**
 * The accounts feature's stores (accounts and revocations) against SQLite and PostgreSQL through the
 * contract harness: the behaviour of the stores before the database port, plus restarts and joining
 * a caller's transaction.
 */
import { expect, it } from 'vitest';
import { describeStoreContract } from '../../../../test/store-contract.ts';
import { pick } from '../../../database.ts';
import { newUuid, newUuidV7 } from '../../../shared/ids.ts';
import { ACCOUNT_MIGRATIONS } from '../migrations.ts';
import { ConflictField, type Identity, StorageConflictError } from './account-store.ts';
import { accountStores, revocationStores } from './dialects.ts';

const T0 = new Date('2025-03-01T12:00:00.000Z');
const later = (ms: number) => new Date(T0.getTime() + ms);

describeStoreContract(
  'account stores',
  {
    migrations: [ACCOUNT_MIGRATIONS],
    setup: (db) => ({ accounts: pick(db, accountStores), revocations: pick(db, revocationStores) }),
  },
  (stores, backend) => {
    const create = (username: string, identity: Identity, now = T0) =>
      stores().accounts.createAccount({ id: newUuid(), username, identity, now });

    it('creates an account with a device and finds it by device, id and account', async () => {
      const s = stores().accounts;
      const user = await create('alice', { kind: 'device', id: 'device-0001' });
      expect(user).toMatchObject({ username: 'alice', langTag: 'en', metadata: '{}', displayName: null });
      expect(user.createTime.getTime()).toBe(T0.getTime());
      expect(await s.findByDevice('device-0001')).toEqual(user);
      expect(await s.getUser(user.id)).toEqual(user);
      const account = await s.getAccount(user.id);
      expect(account).toEqual({ user, email: null, customId: null, devices: ['device-0001'], wallet: '{}' });
    });

    it('creates accounts by custom id and by email (with the password hash)', async () => {
      const s = stores().accounts;
      const custom = await create('bob', { kind: 'custom', id: 'custom-1' });
      const mail = await create('carol', {
        kind: 'email',
        email: 'carol@example.com',
        passwordHash: '$argon2id$x',
      });
      expect(await s.findByCustomId('custom-1')).toEqual(custom);
      expect(await s.findByEmail('carol@example.com')).toEqual({ user: mail, passwordHash: '$argon2id$x' });
      expect((await s.getAccount(mail.id))?.email).toBe('carol@example.com');
      expect((await s.getAccount(custom.id))?.customId).toBe('custom-1');
    });

    it('returns null for unknown identities and users', async () => {
      const s = stores().accounts;
      expect(await s.findByDevice('nope-nope-nope')).toBeNull();
      expect(await s.findByCustomId('nope')).toBeNull();
      expect(await s.findByEmail('nope@example.com')).toBeNull();
      expect(await s.getUser(newUuid())).toBeNull();
      expect(await s.getAccount(newUuid())).toBeNull();
      expect(await s.updateProfile(newUuid(), { displayName: 'x' }, T0)).toBeNull();
    });

    it('rejects a duplicate username regardless of case and writes nothing', async () => {
      await create('Dave', { kind: 'device', id: 'device-dave-1' });
      const err = await create('dAVE', { kind: 'device', id: 'device-dave-2' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StorageConflictError);
      expect((err as StorageConflictError).field).toBe(ConflictField.USERNAME);
      // The device row of the failed account must not exist (the transaction rolled back).
      expect(await stores().accounts.findByDevice('device-dave-2')).toBeNull();
    });

    it('names the duplicated identity: device, custom id, email', async () => {
      await create('erin', { kind: 'device', id: 'device-erin' });
      await create('frank', { kind: 'custom', id: 'custom-frank' });
      await create('gina', { kind: 'email', email: 'gina@example.com', passwordHash: 'h' });
      const fields = await Promise.all([
        create('erin2', { kind: 'device', id: 'device-erin' }).catch((e: StorageConflictError) => e.field),
        create('frank2', { kind: 'custom', id: 'custom-frank' }).catch((e: StorageConflictError) => e.field),
        create('gina2', { kind: 'email', email: 'gina@example.com', passwordHash: 'h' }).catch(
          (e: StorageConflictError) => e.field,
        ),
      ]);
      expect(fields).toEqual([ConflictField.DEVICE, ConflictField.CUSTOM_ID, ConflictField.EMAIL]);
      expect(await stores().accounts.listUsers([], ['erin2', 'frank2', 'gina2'])).toEqual([]);
    });

    it('lets exactly one of two concurrent creations of the same device win', async () => {
      const results = await Promise.allSettled([
        create('racer1', { kind: 'device', id: 'device-race' }),
        create('racer2', { kind: 'device', id: 'device-race' }),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect((failed.reason as StorageConflictError).field).toBe(ConflictField.DEVICE);
    });

    it('fails only the conflicting ones of many concurrent creations, and writes nothing of them', async () => {
      const s = stores().accounts;
      await create('taken', { kind: 'device', id: 'device-taken-0' });
      const results = await Promise.allSettled([
        ...Array.from({ length: 20 }, (_, i) =>
          create(`many${i}`, { kind: 'device', id: `device-many-${i}` }),
        ),
        create('TAKEN', { kind: 'device', id: 'device-taken-1' }),
        create('many-dup', { kind: 'device', id: 'device-many-3' }),
        create('many-custom', { kind: 'custom', id: 'custom-many' }),
      ]);
      const failures = results.map((r) =>
        r.status === 'rejected' ? (r.reason as StorageConflictError).field : 'ok',
      );
      // The two creations of device-many-3 race (on PostgreSQL either may win): exactly one fails.
      expect([failures[3], failures[21]].sort()).toEqual([ConflictField.DEVICE, 'ok']);
      const winner = failures[3] === 'ok' ? 'many3' : 'many-dup';
      failures[3] = 'ok';
      failures[21] = 'ok';
      expect(failures).toEqual([
        ...Array.from({ length: 20 }, () => 'ok'),
        ConflictField.USERNAME,
        'ok',
        'ok',
      ]);
      expect(await s.findByDevice('device-taken-1')).toBeNull();
      expect((await s.findByDevice('device-many-3'))?.username).toBe(winner);
      expect(await s.listUsers([], [winner === 'many3' ? 'many-dup' : 'many3'])).toEqual([]);
      for (let i = 0; i < 20; i++) {
        if (i !== 3) expect((await s.findByDevice(`device-many-${i}`))?.username).toBe(`many${i}`);
      }
      expect((await s.findByCustomId('custom-many'))?.username).toBe('many-custom');
    });

    it('answers many concurrent lookups (hits and misses, by device, custom id and email), each its own', async () => {
      const s = stores().accounts;
      const users = await Promise.all(
        Array.from({ length: 6 }, (_, i) => create(`look${i}`, { kind: 'device', id: `device-look-${i}` })),
      );
      const custom = await create('look-custom', { kind: 'custom', id: 'custom-look' });
      const mail = await create('look-mail', { kind: 'email', email: 'look@example.com', passwordHash: 'h' });
      const [devices, misses, byCustom, byMail] = await Promise.all([
        Promise.all(users.map((_, i) => s.findByDevice(`device-look-${i}`))),
        Promise.all([s.findByDevice('device-look-none'), s.findByCustomId('none'), s.findByEmail('no@x.y')]),
        s.findByCustomId('custom-look'),
        s.findByEmail('look@example.com'),
      ]);
      expect(devices).toEqual(users);
      expect(misses).toEqual([null, null, null]);
      expect(byCustom).toEqual(custom);
      expect(byMail).toEqual({ user: mail, passwordHash: 'h' });
    });

    it("looks accounts up inside the caller's transaction, seeing its own uncommitted rows", async () => {
      const db = backend.db();
      const s = stores().accounts;
      const seen = await db.tx(async () => {
        const user = await create('wes', { kind: 'device', id: 'device-wes' });
        const [byDevice, other] = await Promise.all([s.findByDevice('device-wes'), s.findByCustomId('x')]);
        expect(byDevice).toEqual(user);
        expect(other).toBeNull();
        return user;
      });
      expect(await s.findByDevice('device-wes')).toEqual(seen);
    });

    it('lists users by ids and case-insensitive usernames, each once', async () => {
      const a = await create('Henry', { kind: 'device', id: 'device-henry' }, later(1));
      const b = await create('ivy', { kind: 'device', id: 'device-ivy' }, later(2));
      await create('jack', { kind: 'device', id: 'device-jack' }, later(3));
      const users = await stores().accounts.listUsers([a.id, newUuid()], ['henry', 'IVY', 'nobody']);
      expect(users.map((u) => u.id)).toEqual([a.id, b.id]);
      expect(await stores().accounts.listUsers([], [])).toEqual([]);
    });

    it('updates, clears and keeps profile fields', async () => {
      const s = stores().accounts;
      const u = await create('kate', { kind: 'device', id: 'device-kate' });
      const updated = await s.updateProfile(
        u.id,
        {
          displayName: 'Kate',
          avatarUrl: 'https://a/b.png',
          langTag: 'fr',
          location: 'Lyon',
          timezone: 'CET',
        },
        later(1000),
      );
      expect(updated).toMatchObject({
        username: 'kate',
        displayName: 'Kate',
        langTag: 'fr',
        location: 'Lyon',
      });
      expect(updated?.updateTime.getTime()).toBe(later(1000).getTime());
      expect(updated?.createTime.getTime()).toBe(T0.getTime());
      const cleared = await s.updateProfile(
        u.id,
        { displayName: null, langTag: null, metadata: '{"level":3}', username: 'Katherine' },
        later(2000),
      );
      expect(cleared).toMatchObject({
        username: 'Katherine',
        displayName: null,
        avatarUrl: 'https://a/b.png',
        langTag: 'en',
        location: 'Lyon',
        timezone: 'CET',
        metadata: '{"level":3}',
      });
      expect(await s.getUser(u.id)).toEqual(cleared);
    });

    it('refuses a username already taken on update and changes nothing', async () => {
      const s = stores().accounts;
      await create('leo', { kind: 'device', id: 'device-leo' });
      const m = await create('mia', { kind: 'device', id: 'device-mia' });
      const err = await s
        .updateProfile(m.id, { username: 'LEO', displayName: 'Mia' }, later(1))
        .catch((e: unknown) => e);
      expect((err as StorageConflictError).field).toBe(ConflictField.USERNAME);
      expect(await s.getUser(m.id)).toEqual(m);
    });

    it('bans and unbans users: every read returns the disable time, the profile is untouched', async () => {
      const s = stores().accounts;
      const a = await create('olga', { kind: 'device', id: 'device-olga' }, later(1));
      const b = await create('pat', { kind: 'email', email: 'pat@example.com', passwordHash: 'h' }, later(2));
      const c = await create('quinn', { kind: 'custom', id: 'custom-quinn' }, later(3));
      expect(a.disableTime).toBeNull();
      const unknown = newUuid();
      expect((await s.banUsers([a.id, b.id, unknown], later(1000))).sort()).toEqual([a.id, b.id].sort());
      const banned = { ...a, disableTime: later(1000) };
      expect(await s.getUser(a.id)).toEqual(banned);
      expect(await s.findByDevice('device-olga')).toEqual(banned);
      expect((await s.findByEmail('pat@example.com'))?.user.disableTime).toEqual(later(1000));
      expect((await s.getAccount(a.id))?.user).toEqual(banned);
      expect(await s.listUsers([a.id, c.id], [])).toEqual([banned, c]);
      // A second ban keeps the first time; a profile update keeps the ban.
      expect(await s.banUsers([a.id], later(5000))).toEqual([a.id]);
      const renamed = await s.updateProfile(a.id, { displayName: 'O' }, later(6000));
      expect(renamed?.disableTime).toEqual(later(1000));

      expect((await s.unbanUsers([a.id, c.id, unknown])).sort()).toEqual([a.id, c.id].sort());
      expect((await s.getUser(a.id))?.disableTime).toBeNull();
      expect((await s.findByCustomId('custom-quinn'))?.disableTime).toBeNull();
      expect((await s.findByEmail('pat@example.com'))?.user.disableTime).toEqual(later(1000));
      expect(await s.banUsers([], T0)).toEqual([]);
      expect(await s.unbanUsers([])).toEqual([]);
    });

    it('keeps a ban across a reopen', async () => {
      const u = await create('rita', { kind: 'device', id: 'device-rita' });
      await stores().accounts.banUsers([u.id], later(42));
      await backend.reopen();
      expect((await stores().accounts.getUser(u.id))?.disableTime).toEqual(later(42));
    });

    it('records session and user revocations', async () => {
      const s = stores().revocations;
      const user = newUuid();
      const tid = newUuidV7(T0.getTime());
      const other = newUuidV7(T0.getTime());
      expect(await s.isRevoked(tid, user, T0)).toBe(false);
      await s.revokeSessions([{ tokenId: tid, userId: user, expiresAt: later(60_000) }]);
      expect(await s.isRevoked(tid, user, T0)).toBe(true);
      expect(await s.isRevoked(other, user, T0)).toBe(false);

      await s.revokeUser(user, later(5000), later(60_000));
      expect(await s.isRevoked(other, user, later(5000))).toBe(true);
      expect(await s.isRevoked(other, user, later(5001))).toBe(false);
      // A later user-wide revocation moves the cut-off forward, an earlier one never moves it back.
      await s.revokeUser(user, later(1000), later(1000));
      expect(await s.isRevoked(other, user, later(4000))).toBe(true);
    });

    it('prunes only revocations whose tokens have all expired', async () => {
      const s = stores().revocations;
      const [u1, u2] = [newUuid(), newUuid()];
      const [t1, t2] = [newUuidV7(T0.getTime()), newUuidV7(T0.getTime())];
      await s.revokeSessions([
        { tokenId: t1, userId: u1, expiresAt: later(1000) },
        { tokenId: t2, userId: u2, expiresAt: later(9000) },
      ]);
      // Revoking again with a later expiry extends it; with an earlier one does not shorten it.
      await s.revokeSessions([{ tokenId: t1, userId: u1, expiresAt: later(5000) }]);
      await s.revokeSessions([{ tokenId: t2, userId: u2, expiresAt: later(10) }]);
      await s.revokeUser(u1, T0, later(1000));
      expect(await s.pruneExpired(later(6000))).toBe(2);
      expect(await s.isRevoked(t1, u1, T0)).toBe(false);
      expect(await s.isRevoked(t2, u2, T0)).toBe(true);
      expect(await s.pruneExpired(later(6000))).toBe(0);
    });

    it('keeps accounts and revocations across a reopen', async () => {
      const u = await create('nina', { kind: 'custom', id: 'custom-nina' });
      const tid = newUuidV7(T0.getTime());
      await stores().revocations.revokeSessions([{ tokenId: tid, userId: u.id, expiresAt: later(60_000) }]);
      await backend.reopen();
      expect(await stores().accounts.findByCustomId('custom-nina')).toEqual(u);
      expect(await stores().revocations.isRevoked(tid, u.id, T0)).toBe(true);
    });

    it("creates an account inside the caller's transaction: user and device commit or vanish together", async () => {
      const db = backend.db();
      const announced: string[] = [];
      const attempt = (username: string, fail: boolean) =>
        db.tx(async () => {
          const user = await create(username, { kind: 'device', id: `device-${username}` });
          db.afterCommit(() => announced.push(user.username));
          if (fail) throw new Error('rolled back');
          return user;
        });

      await expect(attempt('sam', true)).rejects.toThrow('rolled back');
      expect(await stores().accounts.findByDevice('device-sam')).toBeNull();
      expect(await stores().accounts.listUsers([], ['sam'])).toEqual([]);
      expect(announced).toEqual([]);

      const kept = await attempt('tom', false);
      expect(await stores().accounts.findByDevice('device-tom')).toEqual(kept);
      expect(announced).toEqual(['tom']);
    });

    it("reports a conflict inside the caller's transaction, which then rolls back whole", async () => {
      const db = backend.db();
      await create('uma', { kind: 'device', id: 'device-uma' });
      const err = await db
        .tx(async () => {
          await create('vic', { kind: 'custom', id: 'custom-vic' });
          await create('uma2', { kind: 'device', id: 'device-uma' });
        })
        .catch((e: unknown) => e);
      expect((err as StorageConflictError).field).toBe(ConflictField.DEVICE);
      expect(await stores().accounts.findByCustomId('custom-vic')).toBeNull();
    });

    it("bans and revokes in the caller's transaction: both or neither, announced after the commit", async () => {
      const db = backend.db();
      const { accounts, revocations } = stores();
      const u = await create('wes', { kind: 'device', id: 'device-wes' });
      const tid = newUuidV7(T0.getTime());
      const announced: string[] = [];
      const ban = (fail: boolean) =>
        db.tx(async () => {
          const banned = await accounts.banUsers([u.id], later(100));
          for (const id of banned) await revocations.revokeUser(id, later(100), later(60_000));
          await revocations.revokeSessions([{ tokenId: tid, userId: u.id, expiresAt: later(60_000) }]);
          db.afterCommit(() => announced.push(...banned));
          if (fail) throw new Error('rolled back');
        });

      await expect(ban(true)).rejects.toThrow('rolled back');
      expect((await accounts.getUser(u.id))?.disableTime).toBeNull();
      expect(await revocations.isRevoked(newUuidV7(T0.getTime()), u.id, T0)).toBe(false);
      expect(await revocations.isRevoked(tid, u.id, later(200))).toBe(false);
      expect(announced).toEqual([]);

      await ban(false);
      expect((await accounts.getUser(u.id))?.disableTime).toEqual(later(100));
      expect(await revocations.isRevoked(newUuidV7(T0.getTime()), u.id, T0)).toBe(true);
      expect(await revocations.isRevoked(tid, u.id, later(200))).toBe(true);
      expect(announced).toEqual([u.id]);
    });

    it("prunes inside the caller's transaction and keeps everything when it rolls back", async () => {
      const db = backend.db();
      const s = stores().revocations;
      const [user, tid] = [newUuid(), newUuidV7(T0.getTime())];
      await s.revokeSessions([{ tokenId: tid, userId: user, expiresAt: later(10) }]);
      await s.revokeUser(user, T0, later(10));
      await expect(
        db.tx(async () => {
          expect(await s.pruneExpired(later(1000))).toBe(2);
          throw new Error('rolled back');
        }),
      ).rejects.toThrow('rolled back');
      expect(await s.isRevoked(tid, user, T0)).toBe(true);
      expect(await s.pruneExpired(later(1000))).toBe(2);
      expect(await s.isRevoked(tid, user, T0)).toBe(false);
    });
  },
);
