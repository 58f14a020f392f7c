/**
 * Linking, unlinking and deleting accounts with the unmodified nakama-js 2.8.0 client on a real
 * server, on every available backend: linked ids log in to the same account, ids of other accounts
 * and the last way to log in are refused with Nakama's codes, and `DELETE /v2/account` removes the
 * user's data in every feature, refuses its tokens at once and closes its sockets with 4005.
 */
import type { Client, Session } from '@heroiclabs/nakama-js';
import { afterEach, describe, expect, it } from 'vitest';
import { type TestStore, testBackends } from './backends.ts';
import type { TestServer } from './helpers.ts';
import { basicAuth, bearer, call } from './http-client.ts';
import { connectPlayer, disconnectAll, nakamaClient, type Player } from './realtime-helpers.ts';

const backends = await testBackends('accounts link and delete');
const LAST_LINK = {
  status: 403,
  code: 7,
  message: 'Cannot unlink last account identifier. Check profile exists and is not last link.',
};

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

const unique = () => Math.random().toString(36).slice(2, 12);

describe.each(backends)('account links and deletion on $name', (backend) => {
  let store: TestStore | undefined;
  let server: TestServer | undefined;
  const players: Player[] = [];
  afterEach(async () => {
    disconnectAll(players);
    await server?.stop();
    await store?.dispose();
    server = undefined;
    store = undefined;
  });

  /** A server whose module credits wallets (`credit`: `{coins}` to the caller, recorded in the ledger). */
  async function start(): Promise<Client> {
    store = backend.newStore();
    server = await store.start();
    await server.runtime.run((initializer, nk) => {
      initializer.registerRpc('credit', async (ctx, payload) => {
        await nk.walletUpdate(
          ctx.userId!,
          JSON.parse(payload) as Record<string, number>,
          { why: 'test' },
          true,
        );
      });
      initializer.registerRpc('ledger', async (_ctx, payload) =>
        JSON.stringify(await nk.walletLedgerList(JSON.parse(payload) as string)),
      );
    }, 'wallets');
    return nakamaClient(server);
  }

  it('links a device, a custom id and an email; each then logs in to the same account', async () => {
    const client = await start();
    const device = `device-${unique()}`;
    const s = await client.authenticateDevice(device, true);
    expect(await client.linkDevice(s, { id: `device-2-${unique()}` })).toBe(true);
    const custom = `custom-${unique()}`;
    expect(await client.linkCustom(s, { id: custom })).toBe(true);
    const email = `Link.${unique()}@Example.com`;
    expect(await client.linkEmail(s, { email, password: 'correct horse' })).toBe(true);
    const account = await client.getAccount(s);
    const devices = account.devices?.map((d) => d.id) ?? [];
    expect(devices).toHaveLength(2);
    expect(devices).toContain(device);
    expect(devices.filter((id) => id.startsWith('device-2-'))).toHaveLength(1);
    expect(account.custom_id).toBe(custom);
    expect(account.email).toBe(email.toLowerCase());
    for (const again of [
      await client.authenticateCustom(custom, false),
      await client.authenticateEmail(email.toLowerCase(), 'correct horse', false),
    ]) {
      expect(again.user_id).toBe(s.user_id);
    }
    // Linking its own ids again is fine; linking another custom id replaces it.
    expect(await client.linkDevice(s, { id: device })).toBe(true);
    expect(await client.linkCustom(s, { id: `custom-new-${unique()}` })).toBe(true);
    expect(await refusal(client.authenticateCustom(custom, false))).toMatchObject({ status: 404 });
  });

  it("refuses ids another account has (409) and bad ids (400) with Nakama's messages", async () => {
    const client = await start();
    const device = `device-${unique()}`;
    const custom = `custom-${unique()}`;
    const email = `taken.${unique()}@example.com`;
    const owner = await client.authenticateDevice(device, true);
    await client.linkCustom(owner, { id: custom });
    await client.linkEmail(owner, { email, password: 'password1' });
    const other = await client.authenticateDevice(`device-${unique()}`, true);
    expect(await refusal(client.linkDevice(other, { id: device }))).toEqual({
      status: 409,
      code: 6,
      message: 'Device ID already in use.',
    });
    expect(await refusal(client.linkCustom(other, { id: custom }))).toEqual({
      status: 409,
      code: 6,
      message: 'Custom ID is already in use.',
    });
    expect(
      await refusal(client.linkEmail(other, { email: email.toUpperCase(), password: 'password2' })),
    ).toEqual({
      status: 409,
      code: 6,
      message: 'Email is already in use.',
    });
    const bad = (message: string) => ({ status: 400, code: 3, message });
    expect(await refusal(client.linkDevice(other, { id: 'short' }))).toEqual(
      bad('Device ID invalid, must be 10-128 bytes.'),
    );
    expect(await refusal(client.linkCustom(other, { id: 'has space' }))).toEqual(
      bad('Invalid custom ID, no spaces or control characters allowed.'),
    );
    expect(await refusal(client.linkEmail(other, { email: 'a@b.co', password: 'short' }))).toEqual(
      bad('Password must be at least 8 characters long.'),
    );
    expect(
      await refusal(client.linkEmail(other, { email: 'not-an-email', password: 'long enough' })),
    ).toEqual(bad('Invalid email address format.'));
    expect(await client.getAccount(other)).not.toHaveProperty('custom_id');
  });

  it('unlinks ids but refuses the last way to log in and ids that are not the caller’s (403)', async () => {
    const client = await start();
    const device = `device-${unique()}`;
    const s = await client.authenticateDevice(device, true);
    expect(await refusal(client.unlinkDevice(s, { id: device }))).toEqual(LAST_LINK);
    const custom = `custom-${unique()}`;
    await client.linkCustom(s, { id: custom });
    expect(await refusal(client.unlinkCustom(s, { id: 'custom-of-someone' }))).toEqual(LAST_LINK);
    expect(await refusal(client.unlinkDevice(s, { id: `device-${unique()}` }))).toEqual(LAST_LINK);
    expect(await refusal(client.unlinkDevice(s, { id: '' }))).toEqual({
      status: 400,
      code: 3,
      message: 'A device ID must be supplied.',
    });
    expect(await client.unlinkDevice(s, { id: device })).toBe(true);
    expect(await refusal(client.unlinkCustom(s, { id: custom }))).toEqual(LAST_LINK);
    const email = `u.${unique()}@example.com`;
    await client.linkEmail(s, { email, password: 'password1' });
    expect(await client.unlinkCustom(s, {})).toBe(true);
    expect(await refusal(client.unlinkEmail(s, { email }))).toEqual(LAST_LINK);
    const account = await client.getAccount(s);
    expect(account).not.toHaveProperty('devices');
    expect(account).not.toHaveProperty('custom_id');
    expect(account.email).toBe(email);
    // The device is free again: logging in with it creates a new account.
    expect((await client.authenticateDevice(device, true)).created).toBe(true);
  });

  it('shows devices and the wallet (JSON text) in GET /v2/account', async () => {
    const client = await start();
    const s = await client.authenticateDevice(`device-${unique()}`, true);
    expect((await client.getAccount(s)).wallet).toBe('{}');
    await client.rpc(s, 'credit', { coins: 25, gems: 2 });
    await client.rpc(s, 'credit', { coins: -5 });
    expect(JSON.parse((await client.getAccount(s)).wallet!)).toEqual({ coins: 20, gems: 2 });
  });

  it('DELETE /v2/account removes the user’s data, refuses its tokens and closes its sockets with 4005', async () => {
    const client = await start();
    const deviceId = `device-${unique()}`;
    const doomed = await connectPlayer(server!, players, { deviceId });
    const second = await connectPlayer(server!, players, { deviceId });
    const friend = await connectPlayer(server!, players);
    const s: Session = doomed.session;
    const userId = s.user_id!;
    // Data in several features: storage, wallet and ledger, a chat message in a room.
    await client.writeStorageObjects(s, [
      { collection: 'saves', key: 'a', value: { x: 1 }, permission_read: 2 },
    ]);
    await client.writeStorageObjects(friend.session, [
      { collection: 'saves', key: 'a', value: { y: 1 }, permission_read: 2 },
    ]);
    await client.rpc(s, 'credit', { coins: 5 });
    const room = await doomed.socket.joinChat('lobby', 1, true, false);
    await friend.socket.joinChat('lobby', 1, true, false);
    await doomed.socket.writeChatMessage(room.id, { text: 'bye' });
    await friend.socket.writeChatMessage(room.id, { text: 'stay' });
    // And social ties: a friendship, a group the friend owns, and a group the doomed user owns alone.
    await client.addFriends(s, [friend.session.user_id!]);
    await client.addFriends(friend.session, [userId]);
    const club = await client.createGroup(friend.session, { name: `club-${unique()}`, open: true });
    await client.joinGroup(s, club.id!);
    const solo = await client.createGroup(s, { name: `solo-${unique()}`, open: true });
    expect((await client.listGroupUsers(friend.session, club.id!)).group_users).toHaveLength(2);

    expect(await client.deleteAccount(s)).toBe(true);

    for (const p of [doomed, second]) {
      expect(await p.events.next('ondisconnect')).toMatchObject({
        code: 4005,
        reason: 'user account deleted',
      });
    }
    expect(friend.events.all('ondisconnect')).toEqual([]);
    expect(server!.realtime.sessions.byUser(userId)).toEqual([]);
    expect(await refusal(client.getAccount(s))).toMatchObject({ status: 401, code: 16 });
    expect(await refusal(client.sessionRefresh(s))).toMatchObject({ status: 401, code: 16 });
    // Its objects, ledger and messages are gone; the friend's remain.
    const everyone = await client.listStorageObjects(friend.session, 'saves', undefined, 10);
    expect(everyone.objects.map((o) => o.user_id)).toEqual([friend.session.user_id]);
    const history = await client.listChannelMessages(friend.session, room.id, 10, true);
    expect(history.messages?.map((m) => m.content)).toEqual([{ text: 'stay' }]);
    const ledger = await client.rpc(friend.session, 'ledger', userId as unknown as object);
    expect(ledger.payload).toEqual({ items: [], cursor: null });
    const users = await call(server!.baseUrl, 'GET', `/v2/user?ids=${userId}`, {
      auth: bearer(friend.session.token),
    });
    expect(users.body).toEqual({});
    // Its group membership is gone and the count follows; its own group went with it (last superadmin).
    const members = await client.listGroupUsers(friend.session, club.id!);
    expect(members.group_users?.map((g) => g.user?.id)).toEqual([friend.session.user_id]);
    const clubNow = await client.listGroups(friend.session, club.name);
    expect(clubNow.groups?.[0]).toMatchObject({ id: club.id, edge_count: 1 });
    expect((await client.listGroups(friend.session, solo.name)).groups ?? []).toEqual([]);
    expect((await client.listFriends(friend.session)).friends ?? []).toEqual([]);
    // The device is free: logging in creates a new, empty account.
    const fresh = await call(server!.baseUrl, 'POST', '/v2/account/authenticate/device', {
      auth: basicAuth(),
      body: { id: deviceId },
    });
    expect(fresh.body).toMatchObject({ created: true });
    // Deleting again with a token of the deleted user is refused at authentication (401).
    expect(await refusal(client.deleteAccount(s))).toMatchObject({ status: 401 });
  });
});
