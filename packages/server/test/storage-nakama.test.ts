/**
 * Storage objects with the unmodified nakama-js 2.8.0 client on a real server, on every available
 * backend: writes, reads, listings with cursors, deletes, Nakama's conditional writes and permission
 * rules between two players and the system, the wire shapes, nakama-js's session cases (storage after
 * a logout and after a refresh), and 50 clients racing conditional writes on one object.
 */
import { createHash } from 'node:crypto';
import type { Client, Session } from '@heroiclabs/nakama-js';
import { afterEach, describe, expect, it } from 'vitest';
import { type TestStore, testBackends } from './backends.ts';
import type { TestServer } from './helpers.ts';
import { bearer, call } from './http-client.ts';
import { nakamaClient } from './realtime-helpers.ts';

const backends = await testBackends('storage (nakama-js)');
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
const SYSTEM = '00000000-0000-0000-0000-000000000000';
const md5 = (s: string) => createHash('md5').update(s).digest('hex');

/** Status and Nakama's error body of what nakama-js rejected with (it throws the fetch Response). */
async function refusal(p: Promise<unknown>): Promise<{ status: number; code: unknown; message: unknown }> {
  const res = await p.then(
    (v) => {
      throw new Error(`expected the call to fail, got ${JSON.stringify(v)}`);
    },
    (e: unknown) => e as Response,
  );
  const body = (await res.json()) as Record<string, unknown>;
  return { status: res.status, code: body.code, message: body.message };
}

const VERSION_FAILED = { status: 400, code: 3, message: 'Storage write rejected - version check failed.' };

describe.each(backends)('storage with nakama-js on $name', (backend) => {
  let store: TestStore | undefined;
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.stop();
    await store?.dispose();
    server = undefined;
    store = undefined;
  });

  /** A server whose module writes objects as the server (`seed`: a JSON array of storageWrite objects). */
  async function start(): Promise<{ client: Client; ann: Session; bob: Session }> {
    store = backend.newStore();
    server = await store.start();
    await server.runtime.run((initializer, nk) => {
      initializer.registerRpc('seed', async (_ctx, payload) =>
        JSON.stringify(await nk.storageWrite(JSON.parse(payload))),
      );
    }, 'seed');
    const client = nakamaClient(server);
    const ann = await client.authenticateDevice(`ann-${Math.random().toString(36).slice(2, 12)}`, true);
    const bob = await client.authenticateDevice(`bob-${Math.random().toString(36).slice(2, 12)}`, true);
    return { client, ann, bob };
  }

  it('writes, reads, lists and deletes objects; reads and lists show what each player may see', async () => {
    const { client, ann, bob } = await start();
    const acks = await client.writeStorageObjects(ann, [
      { collection: 'saves', key: 'slot1', value: { hp: 10, items: ['sword'] } },
      { collection: 'saves', key: 'card', value: { title: 'Ann' }, permission_read: 2 },
      { collection: 'saves', key: 'secret', value: { s: 1 }, permission_read: 0, permission_write: 0 },
    ]);
    // Acks in request order, versions the MD5 of the value text nakama-js sent.
    expect(acks.acks?.map((a) => a.key)).toEqual(['slot1', 'card', 'secret']);
    expect(acks.acks![0]).toEqual({
      collection: 'saves',
      key: 'slot1',
      version: md5(JSON.stringify({ hp: 10, items: ['sword'] })),
      user_id: ann.user_id,
      create_time: expect.stringMatching(RFC3339),
      update_time: expect.stringMatching(RFC3339),
    });
    await client.rpc(ann, 'seed', [
      { collection: 'saves', key: 'motd', value: { text: 'welcome' }, permissionRead: 2, permissionWrite: 0 },
    ] as unknown as object);

    const ids = ['slot1', 'card', 'secret'].map((key) => ({
      collection: 'saves',
      key,
      user_id: ann.user_id,
    }));
    const own = await client.readStorageObjects(ann, { object_ids: ids });
    // Nobody but server code reads permission 0, the owner included.
    expect(own.objects.map((o) => o.key).sort()).toEqual(['card', 'slot1']);
    const slot = own.objects.find((o) => o.key === 'slot1')!;
    expect(slot).toMatchObject({
      collection: 'saves',
      key: 'slot1',
      user_id: ann.user_id,
      value: { hp: 10, items: ['sword'] },
      permission_read: 1,
      permission_write: 1,
    });
    expect(slot.create_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const seenByBob = await client.readStorageObjects(bob, { object_ids: ids });
    expect(seenByBob.objects.map((o) => o.key)).toEqual(['card']);
    // System objects: omit user_id.
    const motd = await client.readStorageObjects(bob, { object_ids: [{ collection: 'saves', key: 'motd' }] });
    expect(motd.objects).toMatchObject([{ key: 'motd', user_id: SYSTEM, value: { text: 'welcome' } }]);
    expect(motd.objects[0]!.permission_write).toBe(0);

    const mine = await client.listStorageObjects(ann, 'saves', ann.user_id, 10);
    expect(mine.objects.map((o) => o.key)).toEqual(['slot1', 'card']); // read 1, then read 2
    expect(mine.cursor).toBeUndefined();
    const annByBob = await client.listStorageObjects(bob, 'saves', ann.user_id, 10);
    expect(annByBob.objects.map((o) => o.key)).toEqual(['card']);
    const everyone = await client.listStorageObjects(bob, 'saves', undefined, 10);
    expect(everyone.objects.map((o) => o.key).sort()).toEqual(['card', 'motd']);
    const system = await client.listStorageObjects(bob, 'saves', SYSTEM, 10);
    expect(system.objects.map((o) => o.key)).toEqual(['motd']);

    expect(
      await client.deleteStorageObjects(ann, {
        object_ids: [
          { collection: 'saves', key: 'slot1', version: slot.version },
          { collection: 'saves', key: 'card' },
        ],
      }),
    ).toBe(true);
    expect((await client.readStorageObjects(ann, { object_ids: ids })).objects).toEqual([]);
  });

  it('pages listings with cursors (limit 1 by default, as in Nakama)', async () => {
    const { client, ann, bob } = await start();
    const keys = Array.from({ length: 7 }, (_, i) => `item-${i}`);
    await client.writeStorageObjects(
      ann,
      keys.map((key) => ({ collection: 'inventory', key, value: { key }, permission_read: 2 })),
    );
    const first = await client.listStorageObjects(bob, 'inventory', ann.user_id);
    expect(first.objects.map((o) => o.key)).toEqual(['item-0']);
    const seen = [...first.objects.map((o) => o.key)];
    let cursor = first.cursor;
    while (cursor) {
      const page = await client.listStorageObjects(bob, 'inventory', ann.user_id, 3, cursor);
      seen.push(...page.objects.map((o) => o.key));
      cursor = page.cursor;
    }
    expect(seen).toEqual(keys);
  });

  it("applies Nakama's conditional writes and permissions, refusing the whole batch", async () => {
    const { client, ann, bob } = await start();
    const w = (value: object, version?: string, key = 'profile') => ({
      collection: 'c',
      key,
      value,
      version,
    });
    const [created] = (await client.writeStorageObjects(ann, [w({ n: 1 }, '*')])).acks!;
    expect(await refusal(client.writeStorageObjects(ann, [w({ n: 2 }, '*')]))).toEqual(VERSION_FAILED);
    expect(await refusal(client.writeStorageObjects(ann, [w({ n: 2 }, md5('{}'))]))).toEqual(VERSION_FAILED);
    expect(await refusal(client.writeStorageObjects(ann, [w({ n: 2 }, created!.version, 'absent')]))).toEqual(
      VERSION_FAILED,
    );
    const [updated] = (await client.writeStorageObjects(ann, [w({ n: 2 }, created!.version)])).acks!;
    expect(updated!.version).toBe(md5('{"n":2}'));
    // A batch with one failing write writes nothing.
    expect(
      await refusal(
        client.writeStorageObjects(ann, [w({ n: 9 }, undefined, 'other'), w({ n: 3 }, created!.version)]),
      ),
    ).toEqual(VERSION_FAILED);
    const other = await client.readStorageObjects(ann, {
      object_ids: [{ collection: 'c', key: 'other', user_id: ann.user_id }],
    });
    expect(other.objects).toEqual([]);

    // An object server code wrote for ann with permission_write 0: ann can no longer change or delete it.
    await client.rpc(ann, 'seed', [
      { collection: 'c', key: 'locked', userId: ann.user_id, value: { gold: 5 }, permissionWrite: 0 },
    ] as unknown as object);
    expect(await refusal(client.writeStorageObjects(ann, [w({ gold: 999 }, undefined, 'locked')]))).toEqual({
      status: 400,
      code: 3,
      message: 'Storage write rejected - permission denied.',
    });
    const deleteRefused = {
      status: 400,
      code: 3,
      message: 'Storage delete rejected - not found, version check failed, or permission denied.',
    };
    expect(
      await refusal(client.deleteStorageObjects(ann, { object_ids: [{ collection: 'c', key: 'locked' }] })),
    ).toEqual(deleteRefused);
    expect(
      await refusal(client.deleteStorageObjects(ann, { object_ids: [{ collection: 'c', key: 'missing' }] })),
    ).toEqual(deleteRefused);
    expect(
      await refusal(
        client.deleteStorageObjects(ann, {
          object_ids: [
            { collection: 'c', key: 'profile' },
            { collection: 'c', key: 'profile', version: md5('stale') },
          ],
        }),
      ),
    ).toEqual(deleteRefused);
    // Bob writes his own object under the same collection and key: objects are per owner.
    await client.writeStorageObjects(bob, [w({ bob: true })]);
    const both = await client.readStorageObjects(ann, {
      object_ids: [
        { collection: 'c', key: 'profile', user_id: ann.user_id },
        { collection: 'c', key: 'profile', user_id: bob.user_id },
      ],
    });
    expect(both.objects.map((o) => o.value)).toEqual([{ n: 2 }]);
  });

  it('writes storage after a token refresh and refuses it after a logout (nakama-js session tests)', async () => {
    const { client, ann } = await start();
    const refreshed = await client.sessionRefresh(ann);
    const acks = await client.writeStorageObjects(refreshed, [
      { collection: 'after', key: 'refresh', value: { ok: 1 } },
    ]);
    expect(acks.acks).toHaveLength(1);
    await client.sessionLogout(refreshed, refreshed.token, refreshed.refresh_token);
    const refused = await refusal(
      client.writeStorageObjects(refreshed, [{ collection: 'after', key: 'logout', value: {} }]),
    );
    expect(refused).toMatchObject({ status: 401, code: 16 });
  });

  it('answers in proto3 JSON: empty results as {}, zero permissions omitted, values as text', async () => {
    const { client, ann } = await start();
    const auth = bearer(ann.token);
    expect(await call(server!.baseUrl, 'PUT', '/v2/storage', { auth, body: { objects: [] } })).toMatchObject({
      status: 200,
      body: {},
    });
    expect(await call(server!.baseUrl, 'POST', '/v2/storage', { auth, body: {} })).toMatchObject({
      status: 200,
      body: {},
    });
    expect(await call(server!.baseUrl, 'GET', '/v2/storage/nothing?limit=10', { auth })).toMatchObject({
      status: 200,
      body: {},
    });
    await client.writeStorageObjects(ann, [
      { collection: 'w', key: 'k', value: { a: 1 }, permission_read: 2, permission_write: 0 },
    ]);
    const listed = await call(server!.baseUrl, 'GET', `/v2/storage/w/${ann.user_id}?limit=10`, { auth });
    expect(listed.body).toEqual({
      objects: [
        {
          collection: 'w',
          key: 'k',
          user_id: ann.user_id,
          value: '{"a":1}',
          version: md5('{"a":1}'),
          permission_read: 2,
          create_time: expect.stringMatching(RFC3339),
          update_time: expect.stringMatching(RFC3339),
        },
      ],
    });
  });

  it('50 clients racing conditional writes on one object: exactly one winner per version', async () => {
    const { client, ann } = await start();
    const [created] = (
      await client.writeStorageObjects(ann, [{ collection: 'race', key: 'x', value: { r: 0 } }])
    ).acks!;
    let version = created!.version!;
    for (let round = 1; round <= 2; round++) {
      // 50 independent clients (each its own nakama-js Client and session of the same user).
      const racers = await Promise.all(
        Array.from({ length: 50 }, async () => {
          const c = nakamaClient(server!);
          return { c, s: await c.sessionRefresh(ann) };
        }),
      );
      const outcomes = await Promise.allSettled(
        racers.map(({ c, s }, i) =>
          c.writeStorageObjects(s, [{ collection: 'race', key: 'x', value: { round, i }, version }]),
        ),
      );
      const winners = outcomes.filter((o) => o.status === 'fulfilled');
      expect(winners).toHaveLength(1);
      for (const o of outcomes) {
        if (o.status === 'rejected') expect(await refusal(Promise.reject(o.reason))).toEqual(VERSION_FAILED);
      }
      const [stored] = (
        await client.readStorageObjects(ann, {
          object_ids: [{ collection: 'race', key: 'x', user_id: ann.user_id }],
        })
      ).objects;
      version = (winners[0] as PromiseFulfilledResult<{ acks?: { version?: string }[] }>).value.acks![0]!
        .version!;
      expect(stored!.version).toBe(version);
      expect(stored!.value).toMatchObject({ round });
    }
  });
});
