/**
 * The friends and groups sections of the admin console: their admin API on every backend (alongside
 * the unmodified nakama-js 2.8.0 client, which sees the effects), and the groups page and the
 * account panels in Debian's Chromium.
 */
import type { ChannelMessage } from '@heroiclabs/nakama-js';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chromiumTestsRun, launchChromium } from '../../client/test/chromium.ts';
import { type TestStore, testBackends } from './backends.ts';
import { consoleLogin, consoleUrl, eventually } from './console-helpers.ts';
import { startTestServer, type TestServer } from './helpers.ts';
import { connectPlayer, disconnectAll, nakamaClient, type Player } from './realtime-helpers.ts';

const backends = await testBackends('console social');
const runChromium = chromiumTestsRun('console-social.test');

describe.each(backends)('console friends and groups API on $name', (backend) => {
  let store: TestStore | undefined;
  let server: TestServer | undefined;
  const players: Player[] = [];
  afterEach(async () => {
    disconnectAll(players);
    await server?.stop();
    await store?.dispose();
    server = store = undefined;
  });

  it("lists and ends a user's relationships, and manages a group and its members as server code", async () => {
    store = backend.newStore();
    server = await store.start();
    const admin = await consoleLogin(server);
    const client = nakamaClient(server);
    const [ann, ben, cat] = [
      await connectPlayer(server, players, { username: 'ann' }),
      await connectPlayer(server, players, { username: 'ben' }),
      await connectPlayer(server, players, { username: 'cat' }),
    ];
    const id = (p: Player) => p.session.user_id!;
    await client.addFriends(ann.session, [id(ben), id(cat)]);
    await client.addFriends(ben.session, [id(ann)]);
    const friends = await admin.call('GET', `/v2/console/account/${id(ann)}/friend`);
    expect(
      (friends.body!.friends as { user: { username: string; online?: boolean }; state: number }[]).map(
        (f) => [f.user.username, f.state, f.user.online],
      ),
    ).toEqual([
      ['ben', 0, true],
      ['cat', 1, true],
    ]);
    expect((await admin.call('DELETE', `/v2/console/account/${id(ann)}/friend/${id(ben)}`)).status).toBe(200);
    expect((await client.listFriends(ben.session)).friends).toEqual([]);
    expect((await admin.call('GET', '/v2/console/account/nope/friend')).status).toBe(400);

    const group = await client.createGroup(ann.session, { name: 'Console Knights', open: true });
    await client.joinGroup(ben.session, group.id!);
    await client.joinGroup(cat.session, group.id!);
    const channel = await ben.socket.joinChat(group.id!, 3, true, false);
    const found = await admin.call('GET', '/v2/console/group?name=console');
    expect((found.body!.groups as { name: string }[]).map((g) => g.name)).toEqual(['Console Knights']);
    expect((await admin.call('GET', `/v2/console/group/${group.id}`)).body).toMatchObject({
      name: 'Console Knights',
      edge_count: 3,
    });
    const act = (userId: string, action: string) =>
      admin.call('POST', `/v2/console/group/${group.id}/member/${userId}/${action}`, {});
    expect((await act(id(cat), 'promote')).status).toBe(200);
    expect((await act(id(cat), 'promote')).status).toBe(200);
    // Server code may take a superadmin's rank while another remains.
    expect((await act(id(ann), 'demote')).status).toBe(200);
    expect((await act(id(ben), 'ban')).status).toBe(200);
    // Ben sees his ban in the channel, and is off it.
    const banned = await eventually(() =>
      ben.events.all<ChannelMessage>('onchannelmessage').find((m) => m.code === 8),
    );
    expect(banned).toMatchObject({ sender_id: id(ben), channel_id: channel.id });
    expect((await act(id(ben), 'dance')).body).toMatchObject({ code: 3 });
    const members = await admin.call('GET', `/v2/console/group/${group.id}/member`);
    expect(
      (members.body!.group_users as { user: { username: string }; state: number }[]).map((m) => [
        m.user.username,
        m.state,
      ]),
    ).toEqual([
      ['cat', 0],
      ['ann', 1],
    ]);
    const bans = await admin.call('GET', `/v2/console/group/${group.id}/member?state=4`);
    expect((bans.body!.group_users as { user: { id: string } }[]).map((m) => m.user.id)).toEqual([id(ben)]);
    const annGroups = await admin.call('GET', `/v2/console/account/${id(ann)}/group`);
    expect(annGroups.body).toMatchObject({ user_groups: [{ group: { name: 'Console Knights' }, state: 1 }] });
    expect((await admin.call('DELETE', `/v2/console/group/${group.id}`)).status).toBe(200);
    expect((await admin.call('GET', `/v2/console/group/${group.id}`)).status).toBe(404);
    expect((await client.listUserGroups(ann.session, id(ann))).user_groups).toEqual([]);
    // Behind the console login, and not on the public port.
    expect((await fetch(`${consoleUrl(server)}/v2/console/group`)).status).toBe(401);
    expect((await fetch(`${server.baseUrl}/v2/console/group`)).status).toBe(404);
  });
});

describe.skipIf(!runChromium)('groups page and social account panels in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  const players: Player[] = [];

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  });
  afterAll(async () => {
    disconnectAll(players);
    await browser?.close();
    await server?.stop();
  });

  it('finds a group, promotes and kicks members, and shows friends and groups on an account', async () => {
    const client = nakamaClient(server);
    const [owner, fan] = [
      await connectPlayer(server, players, { username: 'guildmaster' }),
      await connectPlayer(server, players, { username: 'newcomer' }),
    ];
    const group = await client.createGroup(owner.session, { name: 'Harbour Guild', open: true });
    await client.joinGroup(fan.session, group.id!);
    await client.addFriends(owner.session, [fan.session.user_id!]);

    await page.goto(`${consoleUrl(server)}/`);
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill('password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('link', { name: 'Groups' }).click();
    await page.getByLabel('Group name starts with').fill('harb');
    await page.getByRole('button', { name: 'Search groups' }).click();
    await page.getByRole('table', { name: 'Groups' }).getByText('Harbour Guild').click();
    const members = page.getByRole('table', { name: 'Group members' });
    await members.getByText('newcomer').waitFor();
    await page.getByRole('button', { name: 'promote newcomer' }).click();
    await members.getByText('admin', { exact: true }).waitFor();
    const listed = async () =>
      (await client.listGroupUsers(owner.session, group.id!)).group_users?.map((m) => m.state);
    expect(
      await eventually(async () => ((await listed())?.includes(1) ? await listed() : undefined)),
    ).toEqual([0, 1]);
    await page.getByRole('button', { name: 'kick newcomer' }).click();
    await members.getByText('newcomer').waitFor({ state: 'detached' });

    await members.getByRole('link', { name: 'guildmaster' }).click();
    await page.getByRole('table', { name: 'Friends' }).getByText('invitation sent').waitFor();
    await page.getByRole('table', { name: 'User groups' }).getByText('Harbour Guild').waitFor();
  });
});
