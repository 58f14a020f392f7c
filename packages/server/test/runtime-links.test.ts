/**
 * `nk.linkDevice`, `linkCustom`, `linkEmail`, `unlinkDevice`, `unlinkCustom` and `unlinkEmail` (Nakama's
 * names) on a real server and every available backend: what server code links, the player logs in
 * with through the unmodified nakama-js client; identities of another account and the last way to log
 * in are refused with Nakama's messages.
 */
import type { Client } from '@heroiclabs/nakama-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RuntimeApi } from '../src/runtime/api.ts';
import { type TestStore, testBackends } from './backends.ts';
import type { TestServer } from './helpers.ts';
import { nakamaClient } from './realtime-helpers.ts';

const backends = await testBackends('runtime account links');
const unique = () => Math.random().toString(36).slice(2, 12);

describe.each(backends)('nk account links on $name', (backend) => {
  let store: TestStore;
  let server: TestServer;
  let nk: RuntimeApi;
  let client: Client;

  beforeAll(async () => {
    store = backend.newStore();
    server = await store.start();
    await server.runtime.run((_initializer, api) => {
      nk = api;
    }, 'capture');
    client = nakamaClient(server);
  });
  afterAll(async () => {
    await server.stop();
    await store.dispose();
  });

  it('links a device, a custom id and an email the player then logs in with', async () => {
    const u = unique();
    const ann = await client.authenticateDevice(`ann-${u}`, true, `ann${u}`);
    const userId = ann.user_id!;
    await nk.linkDevice(userId.toUpperCase(), `ann-tablet-${u}`);
    await nk.linkDevice(userId, `ann-tablet-${u}`); // its own device again
    await nk.linkCustom(userId, `ann-custom-${u}`);
    await nk.linkEmail(userId, `Ann-${u}@Example.com`, 'password1');
    expect((await client.authenticateDevice(`ann-tablet-${u}`, false)).user_id).toBe(userId);
    expect((await client.authenticateCustom(`ann-custom-${u}`, false)).user_id).toBe(userId);
    expect((await client.authenticateEmail(`ann-${u}@example.com`, 'password1', false)).user_id).toBe(userId);
    const account = await nk.accountGetId(userId);
    expect(account.devices?.map((d) => d.id).sort()).toEqual([`ann-${u}`, `ann-tablet-${u}`].sort());
    expect(account).toMatchObject({ customId: `ann-custom-${u}`, email: `ann-${u}@example.com` });

    const bob = await client.authenticateDevice(`bob-${u}`, true);
    await expect(nk.linkDevice(bob.user_id!, `ann-tablet-${u}`)).rejects.toThrow('Device ID already in use.');
    await expect(nk.linkCustom(bob.user_id!, `ann-custom-${u}`)).rejects.toThrow(
      'Custom ID is already in use.',
    );
    await expect(nk.linkEmail(bob.user_id!, `ann-${u}@example.com`, 'password2')).rejects.toThrow(
      'Email is already in use.',
    );
    await expect(nk.linkDevice('not-a-user', 'x-device-id')).rejects.toThrow(
      'expects user ID to be a valid identifier',
    );
    await expect(nk.linkDevice('00000000-0000-4000-8000-000000000009', `ghost-${u}`)).rejects.toThrow(
      'Account not found.',
    );
  });

  it('unlinks them, but never the last way to log in', async () => {
    const u = unique();
    const cat = await client.authenticateDevice(`cat-${u}`, true);
    const userId = cat.user_id!;
    await nk.linkCustom(userId, `cat-custom-${u}`);
    await nk.linkEmail(userId, `cat-${u}@example.com`, 'password1');
    await expect(nk.unlinkCustom(userId, 'someone-elses')).rejects.toThrow(
      /Cannot unlink last account identifier/,
    );
    await nk.unlinkCustom(userId, `cat-custom-${u}`);
    await nk.unlinkEmail(userId, `CAT-${u}@example.com`);
    await expect(client.authenticateCustom(`cat-custom-${u}`, false)).rejects.toMatchObject({ status: 404 });
    const left = await nk.accountGetId(userId);
    expect(left).not.toHaveProperty('customId');
    expect(left).not.toHaveProperty('email');
    await expect(nk.unlinkDevice(userId, `cat-${u}`)).rejects.toThrow(
      /Cannot unlink last account identifier/,
    );
    await nk.linkDevice(userId, `cat-phone-${u}`);
    await nk.unlinkDevice(userId, `cat-${u}`);
    expect((await nk.accountGetId(userId)).devices).toEqual([{ id: `cat-phone-${u}` }]);
    await nk.linkEmail(userId, `cat-${u}@example.com`, 'password1');
    await nk.unlinkEmail(userId); // no email given: whichever is linked
    expect(await nk.accountGetId(userId)).not.toHaveProperty('email');
  });
});
