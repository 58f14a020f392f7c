/**
 * The `nk` functions for storage, wallets and accounts, as a game module receives them, on a real
 * server and every available backend: server code bypasses permissions and owns system objects,
 * wallets never go below zero (and their ledger items take metadata later), and account functions return Nakama's runtime shapes. What clients
 * see of it is checked with the unmodified nakama-js 2.8.0 client.
 */
import { createHash } from 'node:crypto';
import type { Client, Session } from '@heroiclabs/nakama-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RuntimeApi } from '../src/runtime/api.ts';
import { type TestStore, testBackends } from './backends.ts';
import type { TestServer } from './helpers.ts';
import { nakamaClient } from './realtime-helpers.ts';

const backends = await testBackends('runtime storage, wallets and accounts');
const SYSTEM = '00000000-0000-0000-0000-000000000000';
const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const unique = () => Math.random().toString(36).slice(2, 12);

describe.each(backends)('nk storage, wallets and accounts on $name', (backend) => {
  let store: TestStore;
  let server: TestServer;
  let nk: RuntimeApi;
  let client: Client;
  let ann: Session;
  let bob: Session;

  beforeAll(async () => {
    store = backend.newStore();
    server = await store.start();
    await server.runtime.run((_initializer, api) => {
      nk = api;
    }, 'capture');
    client = nakamaClient(server);
    ann = await client.authenticateDevice(`ann-${unique()}`, true, `ann${unique()}`);
    bob = await client.authenticateDevice(`bob-${unique()}`, true, `bob${unique()}`);
  });
  afterAll(async () => {
    await server.stop();
    await store.dispose();
  });

  it('storageWrite / Read / List / Delete: any owner, any permission, system objects by default', async () => {
    const acks = await nk.storageWrite([
      { collection: 'config', key: 'rates', value: { xp: 2 }, permissionRead: 2, permissionWrite: 0 },
      { collection: 'config', key: 'hidden', value: { s: 1 }, permissionRead: 0, permissionWrite: 0 },
      { collection: 'config', key: 'mine', userId: ann.user_id!, value: { a: 1 }, permissionRead: 0 },
    ]);
    expect(acks).toEqual([
      { key: 'rates', collection: 'config', userId: SYSTEM, version: md5('{"xp":2}') },
      { key: 'hidden', collection: 'config', userId: SYSTEM, version: md5('{"s":1}') },
      { key: 'mine', collection: 'config', userId: ann.user_id, version: md5('{"a":1}') },
    ]);
    const read = await nk.storageRead([
      { collection: 'config', key: 'hidden' },
      { collection: 'config', key: 'mine', userId: ann.user_id! },
      { collection: 'config', key: 'absent' },
    ]);
    const hidden = read.find((o) => o.key === 'hidden')!;
    expect(hidden).toEqual({
      key: 'hidden',
      collection: 'config',
      userId: SYSTEM,
      version: md5('{"s":1}'),
      permissionRead: 0,
      permissionWrite: 0,
      createTime: expect.any(Number),
      updateTime: expect.any(Number),
      value: { s: 1 },
    });
    expect(Math.abs(hidden.createTime - Date.now() / 1000)).toBeLessThan(60);
    expect(read).toHaveLength(2);
    // Server code overwrites objects nobody else may write; versions are still checked.
    await nk.storageWrite([{ collection: 'config', key: 'rates', value: { xp: 3 }, permissionRead: 2 }]);
    await expect(
      nk.storageWrite([{ collection: 'config', key: 'rates', value: { xp: 4 }, version: md5('{"xp":2}') }]),
    ).rejects.toThrow('Storage write rejected - version check failed.');
    await expect(nk.storageWrite([{ collection: 'config', key: 'x', value: [1] as never }])).rejects.toThrow(
      "storageWrite: expects 'value' to be an object",
    );
    // Every object of the collection; with a caller, only what that user could list.
    const all = await nk.storageList(null, 'config', 10);
    expect(all.objects.map((o) => o.key).sort()).toEqual(['hidden', 'mine', 'rates']);
    expect(all.cursor).toBeNull();
    const asBob = await nk.storageList(null, 'config', 10, null, bob.user_id);
    expect(asBob.objects.map((o) => o.key)).toEqual(['rates']);
    const annOnly = await nk.storageList(ann.user_id, 'config', 10);
    expect(annOnly.objects.map((o) => o.key)).toEqual(['mine']);
    const paged = await nk.storageList(null, 'config', 2);
    expect(paged.objects).toHaveLength(2);
    const rest = await nk.storageList(null, 'config', 2, paged.cursor);
    expect(rest).toMatchObject({ objects: [expect.anything()], cursor: null });
    expect(await nk.storageList(null, 'config', 0)).toEqual({ objects: [], cursor: null });
    // Clients see only the public system object.
    const seen = await client.listStorageObjects(bob, 'config', undefined, 10);
    expect(seen.objects.map((o) => o.key)).toEqual(['rates']);
    // Deletes: a missing object without a version is skipped; with a version it must match.
    await nk.storageDelete([{ collection: 'config', key: 'absent' }]);
    await expect(
      nk.storageDelete([{ collection: 'config', key: 'hidden', version: md5('{}') }]),
    ).rejects.toThrow('Storage delete rejected - not found, version check failed, or permission denied.');
    await nk.storageDelete([
      { collection: 'config', key: 'hidden', version: md5('{"s":1}') },
      { collection: 'config', key: 'mine', userId: ann.user_id! },
    ]);
    expect((await nk.storageList(null, 'config', 10)).objects.map((o) => o.key)).toEqual(['rates']);
  });

  it('walletUpdate / walletsUpdate / walletLedgerList, never below zero', async () => {
    const result = await nk.walletUpdate(ann.user_id!, { coins: 100 }, { quest: 1 }, true);
    expect(result).toEqual({ userId: ann.user_id, previous: {}, updated: { coins: 100 } });
    await expect(nk.walletUpdate(ann.user_id!, { coins: -101 })).rejects.toThrow(
      "wallet update rejected negative value at path 'coins'",
    );
    await expect(nk.walletUpdate(`${SYSTEM.slice(0, -1)}9`, { coins: 1 })).rejects.toThrow('user not found');
    const both = await nk.walletsUpdate(
      [
        { userId: ann.user_id!, changeset: { coins: -30 } },
        { userId: bob.user_id!, changeset: { coins: 30 }, metadata: { from: 'ann' } },
      ],
      true,
    );
    expect(both.map((r) => r.updated)).toEqual([{ coins: 70 }, { coins: 30 }]);
    const ledger = await nk.walletLedgerList(ann.user_id!, 1);
    expect(ledger.items).toEqual([
      {
        id: expect.any(String),
        userId: ann.user_id,
        createTime: expect.any(Number),
        updateTime: expect.any(Number),
        changeset: { coins: -30 },
        metadata: {},
      },
    ]);
    const older = await nk.walletLedgerList(ann.user_id!, 1, ledger.cursor);
    expect(older.items.map((i) => [i.changeset, i.metadata])).toEqual([[{ coins: 100 }, { quest: 1 }]]);
    expect(older.cursor).toBeNull();
    expect(JSON.parse((await client.getAccount(bob)).wallet!)).toEqual({ coins: 30 });
  });

  it('walletLedgerUpdate merges metadata into a ledger item and returns it', async () => {
    await nk.walletUpdate(bob.user_id!, { gems: 2 }, { source: 'shop', receipt: null }, true);
    const [item] = (await nk.walletLedgerList(bob.user_id!, 1)).items;
    const updated = await nk.walletLedgerUpdate(item!.id, { receipt: 'r-42', verified: true });
    expect(updated).toEqual({
      ...item,
      updateTime: expect.any(Number),
      metadata: { source: 'shop', receipt: 'r-42', verified: true },
    });
    expect(updated.updateTime).toBeGreaterThanOrEqual(item!.updateTime);
    expect((await nk.walletLedgerList(bob.user_id!, 1)).items[0]!.metadata).toEqual(updated.metadata);
    await expect(nk.walletLedgerUpdate(`${SYSTEM.slice(0, -1)}9`, {})).rejects.toThrow(
      'wallet ledger item not found',
    );
    await expect(nk.walletLedgerUpdate('ledger-1', {})).rejects.toThrow('expects a valid ledger id');
  });

  it('accountGetId / accountsGetId / accountUpdateId / usersGetId / usersGetUsername', async () => {
    await nk.accountUpdateId(ann.user_id!, null, 'Ann A.', null, 'Lyon', null, null, { level: 3 });
    const account = await nk.accountGetId(ann.user_id!);
    expect(account).toMatchObject({
      user: {
        userId: ann.user_id,
        username: ann.username,
        displayName: 'Ann A.',
        location: 'Lyon',
        timezone: '',
        langTag: 'en',
        online: false,
        edgeCount: 0,
        metadata: { level: 3 },
      },
      wallet: expect.any(Object),
      devices: [{ id: expect.stringMatching(/^ann-/) }],
    });
    expect(account.user.createTime).toEqual(expect.any(Number));
    expect(account).not.toHaveProperty('email');
    await expect(nk.accountGetId(`${SYSTEM.slice(0, -1)}9`)).rejects.toThrow('Account not found.');
    await expect(nk.accountGetId('not-a-uuid')).rejects.toThrow("Invalid user ID: 'not-a-uuid'.");
    const accounts = await nk.accountsGetId([ann.user_id!, bob.user_id!, `${SYSTEM.slice(0, -1)}9`]);
    expect(accounts.map((a) => a.user.userId).sort()).toEqual([ann.user_id, bob.user_id].sort());
    const byId = await nk.usersGetId([bob.user_id!]);
    expect(byId.map((u) => u.username)).toEqual([bob.username]);
    const byName = await nk.usersGetUsername([ann.username!.toUpperCase()]);
    expect(byName.map((u) => u.userId)).toEqual([ann.user_id]);
    expect((await client.getAccount(ann)).user?.display_name).toBe('Ann A.');
  });

  it('accountDeleteId deletes like DELETE /v2/account and can record the deletion', async () => {
    const doomed = await client.authenticateDevice(`doomed-${unique()}`, true);
    await nk.storageWrite([{ collection: 'c', key: 'k', userId: doomed.user_id!, value: {} }]);
    await nk.accountDeleteId(doomed.user_id!, true);
    await nk.accountDeleteId(doomed.user_id!); // an unknown user: nothing to do
    expect(await nk.accountsGetId([doomed.user_id!])).toEqual([]);
    expect((await nk.storageList(doomed.user_id, 'c', 10)).objects).toEqual([]);
    const res = await client.getAccount(doomed).then(
      () => 200,
      (e: Response) => e.status,
    );
    expect(res).toBe(401);
  });
});
