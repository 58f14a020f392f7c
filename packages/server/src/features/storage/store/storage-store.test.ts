/**
 * The storage store on the database port, against SQLite and PostgreSQL through the contract harness:
 * Nakama's write conditions and permissions, atomic batches, listings, deletes, joining a caller's
 * transaction, restarts, the owner's foreign key, and real concurrent writers racing on one object
 * (through the service, as requests would).
 */
import { expect, it } from 'vitest';
import { describeStoreContract } from '../../../../test/store-contract.ts';
import { pick } from '../../../database.ts';
import { systemClock } from '../../../shared/clock.ts';
import { DomainError } from '../../../shared/domain-error.ts';
import { newUuid } from '../../../shared/ids.ts';
import { ACCOUNT_MIGRATIONS } from '../../accounts/migrations.ts';
import { accountStores } from '../../accounts/store/dialects.ts';
import { STORAGE_MIGRATIONS } from '../migrations.ts';
import { StorageService } from '../storage-service.ts';
import { md5 } from '../storage-validation.ts';
import { storageStores } from './dialects.ts';
import {
  StorageDeleteRejectedError,
  StorageOwnerMissingError,
  type StorageWriteOp,
  StorageWriteRejectedError,
  SYSTEM_USER_ID,
  WriteRejection,
} from './storage-store.ts';

const T0 = new Date('2025-03-01T12:00:00.000Z');
const T1 = new Date('2025-03-01T12:00:05.250Z');

/** A write op of `value` (an object) with defaults: last write wins, permissions 1/1, a client's. */
function op(userId: string, key: string, value: object, more: Partial<StorageWriteOp> = {}): StorageWriteOp {
  const text = JSON.stringify(value);
  return {
    collection: 'saves',
    key,
    userId,
    value: text,
    version: md5(text),
    permissionRead: 1,
    permissionWrite: 1,
    condition: { kind: 'any' },
    ownerWriteOnly: true,
    ...more,
  };
}

describeStoreContract(
  'storage store',
  {
    migrations: [ACCOUNT_MIGRATIONS, STORAGE_MIGRATIONS],
    setup: (db) => {
      const store = pick(db, storageStores);
      return {
        store,
        accounts: pick(db, accountStores),
        service: new StorageService({ store, clock: systemClock, maxValueBytes: 4096 }),
      };
    },
  },
  (stores, backend) => {
    const store = () => stores().store;
    const addUser = async (username: string) =>
      (
        await stores().accounts.createAccount({
          id: newUuid(),
          username,
          identity: { kind: 'device', id: `device-${username}` },
          now: T0,
        })
      ).id;
    const rejection = async (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (e: unknown) => e,
      );

    it('writes objects and reads them back, times and versions as stored', async () => {
      const ann = await addUser('ann');
      const [ack] = await store().write([op(ann, 'slot1', { hp: 3 })], T0);
      expect(ack).toEqual({
        collection: 'saves',
        key: 'slot1',
        userId: ann,
        version: md5('{"hp":3}'),
        createTime: T0,
        updateTime: T0,
      });
      const system = op(SYSTEM_USER_ID, 'config', { motd: 'hi' }, { permissionRead: 2, permissionWrite: 0 });
      await store().write([system], T0);
      const read = await store().read([
        { collection: 'saves', key: 'slot1', userId: ann },
        { collection: 'saves', key: 'config', userId: SYSTEM_USER_ID },
        { collection: 'saves', key: 'missing', userId: ann },
      ]);
      expect(read.sort((a, b) => a.key.localeCompare(b.key))).toEqual([
        {
          collection: 'saves',
          key: 'config',
          userId: SYSTEM_USER_ID,
          value: '{"motd":"hi"}',
          version: md5('{"motd":"hi"}'),
          permissionRead: 2,
          permissionWrite: 0,
          createTime: T0,
          updateTime: T0,
        },
        {
          collection: 'saves',
          key: 'slot1',
          userId: ann,
          value: '{"hp":3}',
          version: md5('{"hp":3}'),
          permissionRead: 1,
          permissionWrite: 1,
          createTime: T0,
          updateTime: T0,
        },
      ]);
      // The value text is kept exactly as written (its version is the MD5 of that text).
      const spaced = op(ann, 'spaced', {});
      const text = '{ "b" : 1,  "a" : [ 2 ] }';
      await store().write([{ ...spaced, value: text, version: md5(text) }], T0);
      const [back] = await store().read([{ collection: 'saves', key: 'spaced', userId: ann }]);
      expect(back?.value).toBe(text);
    });

    it("applies Nakama's conditions: last write wins, create only, and only over a version", async () => {
      const ann = await addUser('ann');
      const first = op(ann, 'k', { n: 1 });
      await store().write([first], T0);
      // `*` on an existing object: a version failure.
      const star = await rejection(
        store().write([op(ann, 'k', { n: 2 }, { condition: { kind: 'absent' } })], T1),
      );
      expect(star).toEqual(new StorageWriteRejectedError(WriteRejection.VERSION, 0));
      // A stale version, and a version for an object that does not exist: version failures too.
      const stale = op(ann, 'k', { n: 3 }, { condition: { kind: 'version', version: md5('{"n":0}') } });
      expect(await rejection(store().write([stale], T1))).toBeInstanceOf(StorageWriteRejectedError);
      const absent = op(ann, 'nope', { n: 3 }, { condition: { kind: 'version', version: first.version } });
      expect((await rejection(store().write([absent], T1))) as StorageWriteRejectedError).toMatchObject({
        reason: WriteRejection.VERSION,
      });
      // The current version: updated, created time kept.
      const next = op(ann, 'k', { n: 4 }, { condition: { kind: 'version', version: first.version } });
      const [ack] = await store().write([next], T1);
      expect(ack).toMatchObject({ version: next.version, createTime: T0, updateTime: T1 });
      // Rewriting the same version and permissions keeps the update time (Nakama's no-op write).
      const [same] = await store().write([op(ann, 'k', { n: 4 })], new Date(T1.getTime() + 1000));
      expect(same).toMatchObject({ createTime: T0, updateTime: T1 });
    });

    it('refuses a client overwriting an object it may not write, but not server code', async () => {
      const ann = await addUser('ann');
      const locked = op(ann, 'k', { n: 1 }, { permissionWrite: 0, ownerWriteOnly: false });
      await store().write([locked], T0);
      const permission = (o: StorageWriteOp) =>
        rejection(store().write([o], T1)).then((e) => (e as StorageWriteRejectedError).reason);
      expect(await permission(op(ann, 'k', { n: 2 }))).toBe(WriteRejection.PERMISSION);
      // Permission is checked before the version, except for `*` (always a version failure).
      const ifMatch = op(ann, 'k', { n: 2 }, { condition: { kind: 'version', version: locked.version } });
      expect(await permission(ifMatch)).toBe(WriteRejection.PERMISSION);
      expect(await permission(op(ann, 'k', { n: 2 }, { condition: { kind: 'absent' } }))).toBe(
        WriteRejection.VERSION,
      );
      const [ack] = await store().write([op(ann, 'k', { n: 5 }, { ownerWriteOnly: false })], T1);
      expect(ack?.version).toBe(md5('{"n":5}'));
    });

    it('writes a batch all or none, each write seeing the ones before it', async () => {
      const ann = await addUser('ann');
      const a = op(ann, 'a', { v: 1 });
      const b = op(ann, 'b', { v: 1 }, { condition: { kind: 'absent' } });
      await store().write([b], T0);
      // The second write fails (b exists): a is not written either.
      const err = await rejection(store().write([a, b], T1));
      expect(err).toEqual(new StorageWriteRejectedError(WriteRejection.VERSION, 1));
      expect(await store().read([{ collection: 'saves', key: 'a', userId: ann }])).toEqual([]);
      // Two writes of one object in a batch: the second's condition sees the first.
      const created = op(ann, 'c', { v: 1 }, { condition: { kind: 'absent' } });
      const then = op(ann, 'c', { v: 2 }, { condition: { kind: 'version', version: created.version } });
      const acks = await store().write([created, then], T1);
      expect(acks.map((x) => x.version)).toEqual([created.version, then.version]);
    });

    it('refuses an owner that is not a user (the foreign key), and writes nothing of the batch', async () => {
      const ann = await addUser('ann');
      const ghost = newUuid();
      const err = await rejection(
        store().write([op(ann, 'mine', { v: 1 }), op(ghost, 'theirs', { v: 1 })], T0),
      );
      expect(err).toBeInstanceOf(StorageOwnerMissingError);
      expect(await store().read([{ collection: 'saves', key: 'mine', userId: ann }])).toEqual([]);
    });

    it('lists by (read, key, owner), for every owner or one, from a position', async () => {
      const [ann, bob] = [await addUser('ann'), await addUser('bob')];
      const w = (userId: string, key: string, permissionRead: 0 | 1 | 2) =>
        op(userId, key, { key }, { permissionRead, ownerWriteOnly: false });
      await store().write(
        [
          w(ann, 'b', 2),
          w(ann, 'a', 1),
          w(ann, 'c', 0),
          w(bob, 'b', 2),
          w(bob, 'a', 2),
          w(SYSTEM_USER_ID, 'a', 2),
          w(SYSTEM_USER_ID, 'z', 1),
        ],
        T0,
      );
      const keys = (rows: { key: string; userId: string }[]) =>
        rows.map((r) => `${r.key}:${r.userId === ann ? 'ann' : r.userId === bob ? 'bob' : 'sys'}`);
      const all = (minRead: 0 | 1 | 2) =>
        store().list({ collection: 'saves', owner: null, minRead, limit: 10, after: null });
      // (read, key, user id): within read 2, by key, then by owner id (the nil UUID first).
      const [b1, b2] = ann < bob ? ['b:ann', 'b:bob'] : ['b:bob', 'b:ann'];
      expect(keys(await all(2))).toEqual(['a:sys', 'a:bob', b1, b2]);
      expect((await all(0)).length).toBe(7);
      const own = await store().list({ collection: 'saves', owner: ann, minRead: 1, limit: 10, after: null });
      expect(keys(own)).toEqual(['a:ann', 'b:ann']);
      const system = await store().list({
        collection: 'saves',
        owner: SYSTEM_USER_ID,
        minRead: 0,
        limit: 10,
        after: null,
      });
      expect(keys(system)).toEqual(['z:sys', 'a:sys']);
      // Pages continue strictly after a position.
      const first = await store().list({
        collection: 'saves',
        owner: null,
        minRead: 0,
        limit: 3,
        after: null,
      });
      const last = first[2]!;
      const rest = await store().list({
        collection: 'saves',
        owner: null,
        minRead: 0,
        limit: 10,
        after: { read: last.permissionRead, key: last.key, userId: last.userId },
      });
      expect(keys([...first, ...rest])).toEqual(keys(await all(0)));
      expect(
        await store().list({ collection: 'other', owner: null, minRead: 0, limit: 10, after: null }),
      ).toEqual([]);
    });

    it('deletes with an optional version, all or none, and client deletes only writable objects', async () => {
      const ann = await addUser('ann');
      const a = op(ann, 'a', { v: 1 });
      await store().write(
        [a, op(ann, 'b', { v: 1 }), op(ann, 'locked', { v: 1 }, { permissionWrite: 0 })],
        T0,
      );
      const del = (
        key: string,
        more: { version?: string; ownerWriteOnly?: boolean; mustExist?: boolean } = {},
      ) => ({
        collection: 'saves',
        key,
        userId: ann,
        ownerWriteOnly: true,
        mustExist: true,
        ...more,
      });
      // A wrong version in the batch: nothing is deleted.
      expect(await rejection(store().delete([del('b'), del('a', { version: md5('{}') })]))).toEqual(
        new StorageDeleteRejectedError(1),
      );
      expect(await rejection(store().delete([del('locked')]))).toBeInstanceOf(StorageDeleteRejectedError);
      expect(await rejection(store().delete([del('missing')]))).toBeInstanceOf(StorageDeleteRejectedError);
      await store().delete([del('missing', { mustExist: false })]);
      await store().delete([
        del('b'),
        del('a', { version: a.version }),
        del('locked', { ownerWriteOnly: false }),
      ]);
      expect(
        await store().list({ collection: 'saves', owner: ann, minRead: 0, limit: 10, after: null }),
      ).toEqual([]);
    });

    it("joins a caller's transaction: rolled back with it, committed with it", async () => {
      const ann = await addUser('ann');
      const db = backend.db();
      const failed = await rejection(
        db.tx(async () => {
          await store().write([op(ann, 'a', { v: 1 }), op(ann, 'b', { v: 1 })], T0);
          throw new Error('caller failed');
        }),
      );
      expect((failed as Error).message).toBe('caller failed');
      expect(await store().read([{ collection: 'saves', key: 'a', userId: ann }])).toEqual([]);
      await db.tx(async () => {
        await store().write([op(ann, 'a', { v: 1 })], T0);
        await store().delete([
          { collection: 'saves', key: 'a', userId: ann, ownerWriteOnly: true, mustExist: true },
        ]);
        await store().write([op(ann, 'c', { v: 1 })], T0);
      });
      const left = await store().list({
        collection: 'saves',
        owner: ann,
        minRead: 0,
        limit: 10,
        after: null,
      });
      expect(left.map((o) => o.key)).toEqual(['c']);
    });

    it('keeps objects across a restart, and drops a deleted user’s objects with the user', async () => {
      const [ann, bob] = [await addUser('ann'), await addUser('bob')];
      await store().write(
        [
          op(ann, 'a', { v: 1 }),
          op(bob, 'b', { v: 1 }),
          op(SYSTEM_USER_ID, 's', { v: 1 }, { ownerWriteOnly: false }),
        ],
        T0,
      );
      await backend.reopen();
      expect(
        await store().list({ collection: 'saves', owner: null, minRead: 0, limit: 10, after: null }),
      ).toHaveLength(3);
      expect(await stores().accounts.deleteUser(ann, null)).toBe(true);
      const left = await store().list({
        collection: 'saves',
        owner: null,
        minRead: 0,
        limit: 10,
        after: null,
      });
      expect(left.map((o) => o.key).sort()).toEqual(['b', 's']);
    });

    it('50 concurrent conditional writers on one object: exactly one wins per version', async () => {
      const ann = await addUser('ann');
      const { service } = stores();
      const [created] = await service.write(ann, [{ collection: 'race', key: 'x', value: '{"round":0}' }]);
      let version = created!.version;
      for (let round = 1; round <= 3; round++) {
        const outcomes = await Promise.allSettled(
          Array.from({ length: 50 }, (_, i) =>
            service.write(ann, [
              { collection: 'race', key: 'x', value: JSON.stringify({ round, i }), version },
            ]),
          ),
        );
        const won = outcomes.filter((o) => o.status === 'fulfilled');
        const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
        expect(won).toHaveLength(1);
        for (const l of lost) {
          expect(l.reason).toBeInstanceOf(DomainError);
          expect((l.reason as Error).message).toBe('Storage write rejected - version check failed.');
        }
        const [stored] = await service.read(ann, [{ collection: 'race', key: 'x', userId: ann }]);
        const winner = (won[0] as PromiseFulfilledResult<{ version: string }[]>).value[0]!;
        expect(stored?.version).toBe(winner.version);
        expect(JSON.parse(stored!.value)).toMatchObject({ round });
        version = winner.version;
      }
      // Create-only races too: one creator.
      const creates = await Promise.allSettled(
        Array.from({ length: 50 }, (_, i) =>
          service.write(ann, [
            { collection: 'race', key: 'new', value: JSON.stringify({ i }), version: '*' },
          ]),
        ),
      );
      expect(creates.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    });
  },
);
