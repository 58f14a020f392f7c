/**
 * The accounts section of the admin API on every available backend: paged search by part of a
 * username or email (any case), exact device id, custom id or user id; unlinking a device, the custom
 * id and the email (never the last way to log in); deleting an account, which closes its socket
 * (4005) and ends its tokens. Driven alongside the unmodified nakama-js client.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type TestStore, testBackends } from './backends.ts';
import { consoleLogin } from './console-helpers.ts';
import type { TestServer } from './helpers.ts';
import { connectPlayer, disconnectAll, nakamaClient, type Player } from './realtime-helpers.ts';

const backends = await testBackends('console accounts');

describe.each(backends)('console accounts on $name', (backend) => {
  let store: TestStore | undefined;
  let server: TestServer | undefined;
  const players: Player[] = [];
  afterEach(async () => {
    disconnectAll(players);
    await server?.stop();
    await store?.dispose();
    server = store = undefined;
  });

  async function start(): Promise<TestServer> {
    store = backend.newStore();
    server = await store.start();
    return server;
  }

  it('searches by part of a username or email in any case, and pages the results', async () => {
    const s = await start();
    const admin = await consoleLogin(s);
    const client = nakamaClient(s);
    for (const n of ['Knight_04', 'knight_01', 'KNIGHT_03', 'knight_02', 'knight_05', 'rook_01']) {
      await client.authenticateDevice(`device-${n}`, true, n);
    }
    const mail = await client.authenticateEmail('Squire@Castle.example', 'password1', true, 'squire');
    await client.linkCustom(mail, { id: 'custom-squire' });

    type Page = { users: { username: string; id: string }[]; cursor?: string };
    const search = async (q: string, extra = '') =>
      (await admin.call('GET', `/v2/console/account?q=${encodeURIComponent(q)}${extra}`)).body as Page;
    const names = async (q: string) => (await search(q)).users.map((u) => u.username);

    expect(await names('NIGHT_0')).toEqual(['knight_01', 'knight_02', 'KNIGHT_03', 'Knight_04', 'knight_05']);
    expect(await names('castle.EXAMPLE')).toEqual(['squire']);
    expect(await names('custom-squire')).toEqual(['squire']);
    expect(await names('device-rook_01')).toEqual(['rook_01']);
    expect(await names(mail.user_id!.toUpperCase())).toEqual(['squire']);

    const seen: string[] = [];
    let page = await search('knight', '&limit=2');
    seen.push(...page.users.map((u) => u.username));
    while (page.cursor) {
      page = await search('knight', `&limit=2&cursor=${page.cursor}`);
      seen.push(...page.users.map((u) => u.username));
    }
    expect(seen).toEqual(['knight_01', 'knight_02', 'KNIGHT_03', 'Knight_04', 'knight_05']);

    const first = await search('knight', '&limit=2');
    const other = await admin.call('GET', `/v2/console/account?q=rook&cursor=${first.cursor}`);
    expect(other).toMatchObject({ status: 400, body: { code: 3 } });
    expect((await admin.call('GET', '/v2/console/account?q=knight&limit=101')).status).toBe(400);
    expect((await admin.call('GET', `/v2/console/account?q=${'x'.repeat(256)}`)).status).toBe(400);
  });

  it('unlinks a device, the custom id and the email, but never the last way to log in', async () => {
    const s = await start();
    const admin = await consoleLogin(s);
    const client = nakamaClient(s);
    const session = await client.authenticateDevice('unlink-device-1', true, 'linked');
    const userId = session.user_id!;
    await client.linkDevice(session, { id: 'unlink-device-2' });
    await client.linkCustom(session, { id: 'unlink-custom' });
    await client.linkEmail(session, { email: 'linked@example.com', password: 'password1' });
    const base = `/v2/console/account/${userId}`;
    const account = async () => (await admin.call('GET', base)).body!;

    expect(await admin.call('POST', `${base}/unlink/device`, { device_id: 'unlink-device-1' })).toMatchObject(
      {
        status: 200,
      },
    );
    expect((await account()).devices).toEqual([{ id: 'unlink-device-2' }]);
    // The unlinked device now logs in as a new account, not as this one.
    const again = await client.authenticateDevice('unlink-device-1', true);
    expect(again.user_id).not.toBe(userId);

    expect(await admin.call('POST', `${base}/unlink/device`, { device_id: 'not-mine' })).toMatchObject({
      status: 404,
      body: { message: "The account has no device 'not-mine'." },
    });
    expect((await admin.call('POST', `${base}/unlink/device`, {})).status).toBe(400);
    expect((await admin.call('POST', `${base}/unlink/custom`, {})).status).toBe(200);
    expect((await admin.call('POST', `${base}/unlink/custom`, {})).status).toBe(404);
    expect((await admin.call('POST', `${base}/unlink/email`, {})).status).toBe(200);
    const left = await account();
    expect(left).not.toHaveProperty('email');
    expect(left).not.toHaveProperty('custom_id');
    // One device is left: it is the last way to log in.
    expect(await admin.call('POST', `${base}/unlink/device`, { device_id: 'unlink-device-2' })).toMatchObject(
      { status: 403, body: { code: 7 } },
    );
    expect((await account()).devices).toEqual([{ id: 'unlink-device-2' }]);
    expect(
      (await admin.call('POST', '/v2/console/account/00000000-0000-4000-8000-000000000000/unlink/email', {}))
        .status,
    ).toBe(404);
  });

  it('deletes an account: its socket closes with 4005, its token stops working, it is gone', async () => {
    const s = await start();
    const admin = await consoleLogin(s);
    const player = await connectPlayer(s, players, { deviceId: 'doomed-device', username: 'doomed' });
    const userId = player.session.user_id!;
    const client = nakamaClient(s);

    const del = await admin.call('DELETE', `/v2/console/account/${userId}?record_deletion=true`);
    expect(del).toMatchObject({ status: 200, body: {} });
    expect(await player.events.next('ondisconnect')).toMatchObject({ code: 4005 });
    expect((await admin.call('GET', `/v2/console/account/${userId}`)).status).toBe(404);
    expect((await admin.call('GET', '/v2/console/account?q=doomed')).body!.users).toEqual([]);
    await expect(client.getAccount(player.session)).rejects.toMatchObject({ status: 401 });
    expect((await admin.call('DELETE', `/v2/console/account/${userId}`)).status).toBe(404);
    expect((await admin.call('DELETE', '/v2/console/account/not-a-uuid')).status).toBe(404);
  });
});
