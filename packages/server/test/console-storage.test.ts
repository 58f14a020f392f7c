/**
 * The admin console's storage browser and the account page's storage and wallet ledger panels, on
 * their admin API, on every available backend, beside the unmodified nakama-js 2.8.0 client.
 */
import type { Client, Session } from '@heroiclabs/nakama-js';
import { afterEach, describe, expect, it } from 'vitest';
import { type TestStore, testBackends } from './backends.ts';
import { consoleLogin } from './console-helpers.ts';
import type { TestServer } from './helpers.ts';
import { nakamaClient } from './realtime-helpers.ts';

const backends = await testBackends('console storage');
const SYSTEM = '00000000-0000-0000-0000-000000000000';

describe.each(backends)('console storage and wallet ledger on $name', (backend) => {
  let store: TestStore | undefined;
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.stop();
    await store?.dispose();
    server = undefined;
    store = undefined;
  });

  async function start(): Promise<{ client: Client; ann: Session }> {
    store = backend.newStore();
    server = await store.start();
    const client = nakamaClient(server);
    const ann = await client.authenticateDevice(
      `console-storage-${Math.random().toString(36).slice(2)}`,
      true,
    );
    return { client, ann };
  }

  it('lists collections and objects, and edits and deletes objects with version checks', async () => {
    const { client, ann } = await start();
    const admin = await consoleLogin(server!);
    expect(await admin.call('GET', '/v2/console/storage')).toMatchObject({
      status: 200,
      body: { collections: [] },
    });
    await client.writeStorageObjects(ann, [
      { collection: 'saves', key: 'slot1', value: { level: 1 } },
      { collection: 'saves', key: 'hidden', value: { s: 1 }, permission_read: 0, permission_write: 0 },
      { collection: 'settings', key: 'audio', value: { volume: 3 } },
    ]);
    expect((await admin.call('GET', '/v2/console/storage')).body).toEqual({
      collections: ['saves', 'settings'],
    });
    // Every owner's objects, any permission.
    const saves = await admin.call('GET', '/v2/console/storage/saves');
    expect((saves.body!.objects as { key: string }[]).map((o) => o.key).sort()).toEqual(['hidden', 'slot1']);
    const own = await admin.call('GET', `/v2/console/account/${ann.user_id}/storage`);
    expect(
      (own.body!.objects as { collection: string; key: string }[]).map((o) => `${o.collection}/${o.key}`),
    ).toEqual(['saves/hidden', 'saves/slot1', 'settings/audio']);

    const url = `/v2/console/storage/saves/slot1/${ann.user_id}`;
    const got = await admin.call('GET', url);
    expect(got.body).toMatchObject({
      key: 'slot1',
      value: '{"level":1}',
      permission_read: 1,
      permission_write: 1,
    });
    const version = got.body!.version as string;
    const saved = await admin.call('PUT', url, {
      value: '{"level":2}',
      version,
      permission_read: 2,
      permission_write: 0,
    });
    expect(saved.status).toBe(200);
    // A save over a stale version is refused: the edit that happened meanwhile is not lost.
    expect(await admin.call('PUT', url, { value: '{"level":3}', version, permission_read: 2 })).toMatchObject(
      {
        status: 400,
        body: { message: 'Storage write rejected - version check failed.' },
      },
    );
    const read = await client.readStorageObjects(ann, {
      object_ids: [{ collection: 'saves', key: 'slot1', user_id: ann.user_id }],
    });
    expect(read.objects[0]).toMatchObject({ value: { level: 2 }, permission_read: 2, permission_write: 0 });

    // System objects, created only when absent (version *).
    const sys = `/v2/console/storage/config/motd/${SYSTEM}`;
    expect(await admin.call('GET', sys)).toMatchObject({
      status: 404,
      body: { message: 'Storage object not found.' },
    });
    expect(
      (await admin.call('PUT', sys, { value: '{"text":"hi"}', version: '*', permission_read: 2 })).status,
    ).toBe(200);
    expect((await admin.call('PUT', sys, { value: '{"text":"x"}', version: '*' })).status).toBe(400);
    const motd = await client.readStorageObjects(ann, {
      object_ids: [{ collection: 'config', key: 'motd' }],
    });
    expect(motd.objects[0]?.value).toEqual({ text: 'hi' });
    expect(await admin.call('PUT', sys, { value: '[1]' })).toMatchObject({
      status: 400,
      body: { message: 'Value must be a JSON object.' },
    });

    const current = (await admin.call('GET', url)).body!.version as string;
    expect((await admin.call('DELETE', `${url}?version=${version}`)).status).toBe(400);
    expect((await admin.call('DELETE', `${url}?version=${current}`)).status).toBe(200);
    expect((await admin.call('GET', url)).status).toBe(404);
    expect((await admin.call('GET', '/v2/console/storage?cursor=nope')).status).toBe(400);
  });

  it("pages a user's wallet ledger, newest first", async () => {
    const { ann } = await start();
    await server!.runtime.nk.walletUpdate(ann.user_id!, { coins: 10 }, { why: 'quest' }, true);
    await server!.runtime.nk.walletUpdate(ann.user_id!, { coins: -4 }, { why: 'shop' }, true);
    const admin = await consoleLogin(server!);
    const ledger = await admin.call('GET', `/v2/console/account/${ann.user_id}/wallet`);
    expect(ledger.body).toEqual({
      items: [
        {
          id: expect.any(String),
          changeset: '{"coins":-4}',
          metadata: '{"why":"shop"}',
          create_time: expect.any(String),
        },
        {
          id: expect.any(String),
          changeset: '{"coins":10}',
          metadata: '{"why":"quest"}',
          create_time: expect.any(String),
        },
      ],
    });
    expect((await admin.call('GET', `/v2/console/account/${SYSTEM.slice(0, -1)}1/wallet`)).body).toEqual({});
    expect((await admin.call('GET', '/v2/console/account/not-a-user/wallet')).status).toBe(400);
  });
});
