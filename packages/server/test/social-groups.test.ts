/**
 * Groups with the unmodified nakama-js 2.8.0 client (raw HTTP for exact wire shapes and the filters
 * nakama-js cannot send), on every backend: the wire shape of a group, notifications for join requests
 * (-5) and adds (-4) live and stored, ranks and bans, member counts that match the members after
 * every kind of change, listings with cursors, and Nakama's errors with nothing changed.
 */
import type { Client } from '@heroiclabs/nakama-js';
import { describe, expect, it } from 'vitest';
import { testBackends } from './backends.ts';
import { type ChatUser, chatServerPerTest } from './nakama-chat.ts';
import { installNakamaShim } from './realtime-helpers.ts';
import { api, httpError } from './social-helpers.ts';

installNakamaShim();
const backends = await testBackends('groups (nakama-js)');

describe.each(backends)('groups on $name', (backend) => {
  const { start, user, server } = chatServerPerTest(backend);

  /** The members of a group as `username:state`, in list order. */
  async function members(client: Client, u: ChatUser, groupId: string, state?: number): Promise<string[]> {
    const out: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.listGroupUsers(u.session, groupId, state, 2, cursor);
      out.push(...(page.group_users ?? []).map((g) => `${g.user?.username}:${g.state}`));
      cursor = page.cursor;
    } while (cursor);
    return out;
  }
  /** The group's member count, as listed, and its superadmins, admins and members counted. */
  async function counts(client: Client, u: ChatUser, groupId: string) {
    const listed = (await client.listGroups(u.session, undefined, undefined, 100)).groups?.find(
      (g) => g.id === groupId,
    );
    const real = (await members(client, u, groupId)).filter((m) => Number(m.split(':')[1]) <= 2).length;
    return { edgeCount: listed?.edge_count, real };
  }

  it('creates a group with Nakama wire shapes, notifies admins of join requests and users they add', async () => {
    const client = await start();
    const [ann, ben, cat] = [await user(client, 'ann'), await user(client, 'ben'), await user(client, 'cat')];
    const created = await api(server()!, ann.session, 'POST', '/v2/group', {
      name: 'Knights',
      lang_tag: 'fr',
      max_count: 3,
    });
    expect(created.body).toEqual({
      id: expect.any(String),
      creator_id: ann.id,
      name: 'Knights',
      lang_tag: 'fr',
      metadata: '{}',
      open: false,
      edge_count: 1,
      max_count: 3,
      create_time: expect.stringMatching(/Z$/),
      update_time: expect.stringMatching(/Z$/),
    });
    const groupId = created.body!.id as string;
    await client.addGroupUsers(ann.session, groupId, [cat.id]);
    await client.promoteGroupUsers(ann.session, groupId, [cat.id]);
    // A join request reaches the superadmin and the admin, live and stored.
    await client.joinGroup(ben.session, groupId);
    for (const admin of [ann, cat]) {
      const n = await admin.log.notification(admin === cat ? 1 : 0);
      expect(n).toMatchObject({
        code: -5,
        subject: 'User ben wants to join your group',
        content: { group_id: groupId, username: 'ben' },
        sender_id: ben.id,
        persistent: true,
      });
    }
    expect((await client.listNotifications(ann.session, 10)).notifications?.map((n) => n.code)).toEqual([-5]);
    // Cat was told when ann added them; ben is told when cat accepts the request.
    expect(cat.log.notifications[0]).toMatchObject({
      code: -4,
      subject: "You've been added to group Knights",
      content: { group_id: groupId, name: 'Knights' },
      sender_id: ann.id,
    });
    await client.addGroupUsers(cat.session, groupId, [ben.id]);
    expect(await ben.log.notification(0)).toMatchObject({ code: -4, sender_id: cat.id });
    expect(await members(client, ann, groupId)).toEqual(['ann:0', 'cat:1', 'ben:2']);
    expect(await counts(client, ann, groupId)).toEqual({ edgeCount: 3, real: 3 });
  });

  it('keeps the member count equal to the members through joins, requests, leaves, kicks, bans and adds', async () => {
    const client = await start();
    const [owner, ...users] = await Promise.all(['own', 'u1', 'u2', 'u3', 'u4'].map((n) => user(client, n)));
    const open = await client.createGroup(owner!.session, { name: 'Open', open: true, max_count: 4 });
    const gid = open.id!;
    const check = async (expected: number) =>
      expect(await counts(client, owner!, gid)).toEqual({ edgeCount: expected, real: expected });
    for (const u of users.slice(0, 3)) await client.joinGroup(u.session, gid);
    await check(4);
    expect(await httpError(client.joinGroup(users[3]!.session, gid))).toEqual({
      status: 400,
      code: 3,
      message: 'Group is full.',
    });
    expect(await httpError(client.addGroupUsers(owner!.session, gid, [users[3]!.id]))).toMatchObject({
      message: 'Group is full.',
    });
    await check(4);
    await client.leaveGroup(users[0]!.session, gid);
    await check(3);
    await client.kickGroupUsers(owner!.session, gid, [users[1]!.id]);
    await check(2);
    await client.banGroupUsers(owner!.session, gid, [users[2]!.id, users[3]!.id]);
    await check(1);
    expect(await members(client, owner!, gid, 4)).toEqual(['u3:4', 'u4:4']);
    expect(await httpError(client.joinGroup(users[3]!.session, gid))).toEqual({
      status: 403,
      code: 7,
      message: 'You are banned from this group.',
    });
    // Add leaves a banned user banned (as Nakama); a kick lifts the ban.
    await client.addGroupUsers(owner!.session, gid, [users[3]!.id]);
    await check(1);
    await client.kickGroupUsers(owner!.session, gid, [users[3]!.id]);
    await client.joinGroup(users[3]!.session, gid);
    await check(2);
    // Closed: requests are not members until accepted.
    await client.updateGroup(owner!.session, gid, { open: false });
    await client.joinGroup(users[0]!.session, gid);
    await check(2);
    expect(await members(client, owner!, gid)).toEqual(['own:0', 'u4:2', 'u1:3']);
    await client.addGroupUsers(owner!.session, gid, [users[0]!.id]);
    await check(3);
  });

  it('enforces ranks: admins cannot act on admins, superadmins cannot be demoted by others, members cannot be demoted', async () => {
    const client = await start();
    const [sa, sb, ad, ad2, me] = await Promise.all(
      ['sa', 'sb', 'ad', 'ad2', 'me'].map((n) => user(client, n)),
    );
    const g = await client.createGroup(sa!.session, { name: 'Ranks', open: true });
    const gid = g.id!;
    await client.addGroupUsers(sa!.session, gid, [sb!.id, ad!.id, ad2!.id, me!.id]);
    await client.promoteGroupUsers(sa!.session, gid, [sb!.id, ad!.id, ad2!.id]);
    await client.promoteGroupUsers(sa!.session, gid, [sb!.id]);
    const before = await members(client, sa!, gid);
    expect(before).toEqual(['sa:0', 'sb:0', 'ad:1', 'ad2:1', 'me:2']);
    const refused = async (p: Promise<unknown>, status: number, code: number, message: string) =>
      expect(await httpError(p)).toEqual({ status, code, message });
    await refused(
      client.kickGroupUsers(ad!.session, gid, [ad2!.id]),
      403,
      7,
      'Admins cannot kick other admins or superadmins.',
    );
    await refused(
      client.banGroupUsers(ad!.session, gid, [me!.id, sa!.id]),
      403,
      7,
      'Admins cannot ban other admins or superadmins.',
    );
    await refused(
      client.promoteGroupUsers(ad!.session, gid, [ad2!.id]),
      403,
      7,
      'Admins cannot promote other admins.',
    );
    await refused(
      client.demoteGroupUsers(sa!.session, gid, [sb!.id]),
      403,
      7,
      'A superadmin cannot be demoted by another user.',
    );
    await refused(
      client.demoteGroupUsers(ad!.session, gid, [me!.id]),
      400,
      3,
      'Members cannot be demoted: it is the lowest rank.',
    );
    await refused(client.demoteGroupUsers(sa!.session, gid, []), 400, 3, 'User IDs must be set.');
    await refused(
      client.kickGroupUsers(me!.session, gid, [ad!.id]),
      404,
      5,
      'Group not found or permission denied.',
    );
    await refused(
      client.addGroupUsers(me!.session, gid, [sa!.id]),
      404,
      5,
      'Group not found or permission denied.',
    );
    await refused(
      client.addGroupUsers(sa!.session, gid, ['0193a5c0-0000-7000-8000-00000000dead']),
      400,
      3,
      'One or more users not found.',
    );
    await refused(
      client.updateGroup(me!.session, gid, { name: 'Mine' }),
      404,
      5,
      "Group not found or you're not allowed to update.",
    );
    await refused(
      client.deleteGroup(ad!.session, gid),
      400,
      3,
      "Group not found or you're not allowed to delete.",
    );
    expect(await members(client, sa!, gid)).toEqual(before);
    // What ranks do allow: an admin demotes a peer admin; a superadmin kicks another superadmin.
    await client.demoteGroupUsers(ad!.session, gid, [ad2!.id]);
    await client.kickGroupUsers(sa!.session, gid, [sb!.id]);
    expect(await members(client, sa!, gid)).toEqual(['sa:0', 'ad:1', 'ad2:2', 'me:2']);
    // The last superadmin cannot leave while others remain; alone, leaving deletes the group.
    await refused(
      client.leaveGroup(sa!.session, gid),
      400,
      3,
      'Cannot leave group when you are the last superadmin.',
    );
    await client.kickGroupUsers(sa!.session, gid, [ad!.id, ad2!.id, me!.id]);
    await client.leaveGroup(sa!.session, gid);
    expect(await httpError(client.listGroupUsers(sa!.session, gid))).toMatchObject({
      status: 404,
      message: 'Group not found.',
    });
  });

  it('refuses bad input with Nakama codes and changes nothing', async () => {
    const client = await start();
    const ann = await user(client, 'ann');
    const g = await client.createGroup(ann.session, { name: 'Unique', open: true });
    const post = (path: string, body?: unknown) => api(server()!, ann.session, 'POST', path, body);
    expect((await post('/v2/group', { name: 'unIQUE' })).body).toMatchObject({
      code: 6,
      message: 'Group name is in use.',
    });
    expect((await post('/v2/group', { open: true })).body).toMatchObject({
      code: 3,
      message: 'Group name must be set.',
    });
    expect((await post('/v2/group', { name: 'x', max_count: -1 })).body).toMatchObject({
      code: 3,
      message: 'Group max count must be >= 1 when set.',
    });
    expect((await post('/v2/group', { name: 'x'.repeat(256) })).status).toBe(400);
    await client.createGroup(ann.session, { name: 'Other' });
    expect(await httpError(client.updateGroup(ann.session, g.id!, { name: 'OTHER' }))).toEqual({
      status: 400,
      code: 3,
      message: 'Group name is in use.',
    });
    expect(await httpError(client.updateGroup(ann.session, g.id!, { name: '' }))).toMatchObject({
      message: 'Group name cannot be empty.',
    });
    expect(await httpError(client.updateGroup(ann.session, g.id!, {}))).toMatchObject({
      message: 'Specify at least one field to update.',
    });
    expect(await httpError(client.joinGroup(ann.session, 'nope'))).toMatchObject({
      status: 400,
      message: 'Group ID must be a valid ID.',
    });
    expect(await httpError(client.joinGroup(ann.session, '0193a5c0-0000-7000-8000-00000000dead'))).toEqual({
      status: 404,
      code: 5,
      message: 'Group not found.',
    });
    expect(await httpError(client.listGroupUsers(ann.session, g.id!, 5))).toMatchObject({
      message: 'Invalid state - state must be between 0 and 4.',
    });
    expect(await httpError(client.listGroupUsers(ann.session, g.id!, undefined, 101))).toMatchObject({
      message: 'Invalid limit - limit must be between 1 and 100.',
    });
    expect(await httpError(client.listGroupUsers(ann.session, g.id!, undefined, 1, 'junk'))).toMatchObject({
      message: 'Cursor is invalid.',
    });
    expect(await httpError(client.listUserGroups(ann.session, 'nope'))).toMatchObject({
      message: 'User ID must be a valid ID.',
    });
    expect(await httpError(client.listGroups(ann.session, 'x', 'junk'))).toMatchObject({
      message: 'Malformed cursor was used.',
    });
    const combined = await api(server()!, ann.session, 'GET', '/v2/group?name=uni&lang_tag=en');
    expect(combined.body).toMatchObject({
      code: 3,
      message: 'name filter cannot be combined with any other filter',
    });
    const listed = await client.listGroups(ann.session, 'uniq%', undefined, 10);
    expect(listed.groups?.map((x) => [x.name, x.edge_count])).toEqual([['Unique', 1]]);
  });

  it('lists groups by name prefix, language, openness and size, with cursors bound to the filter', async () => {
    const client = await start();
    const ann = await user(client, 'ann');
    for (const [name, lang, open] of [
      ['Red Dragons', 'en', true],
      ['red foxes', 'fr', false],
      ['Redwood', 'fr', true],
      ['Blue', 'fr', true],
    ] as const) {
      await client.createGroup(ann.session, { name, lang_tag: lang, open });
    }
    const names = async (query: string) => {
      const out: string[] = [];
      let cursor = '';
      do {
        const r = await api(
          server()!,
          ann.session,
          'GET',
          `/v2/group?limit=1&${query}${cursor && `&cursor=${cursor}`}`,
        );
        expect(r.status).toBe(200);
        out.push(...((r.body!.groups as { name: string }[] | undefined) ?? []).map((g) => g.name));
        cursor = (r.body!.cursor as string | undefined) ?? '';
      } while (cursor);
      return out;
    };
    expect(await names(`name=${encodeURIComponent('%RED%')}`)).toEqual([
      'Red Dragons',
      'red foxes',
      'Redwood',
    ]);
    expect(await names('name=redwood')).toEqual(['Redwood']);
    expect(await names('lang_tag=fr')).toEqual(['red foxes', 'Redwood', 'Blue']);
    expect(await names('lang_tag=fr&open=true')).toEqual(['Redwood', 'Blue']);
    expect(await names('members=1&open=false')).toEqual(['red foxes']);
    const first = await api(server()!, ann.session, 'GET', '/v2/group?limit=1&lang_tag=fr');
    const reused = await api(
      server()!,
      ann.session,
      'GET',
      `/v2/group?limit=1&lang_tag=en&cursor=${first.body!.cursor}`,
    );
    expect(reused.body).toMatchObject({ code: 3, message: 'Malformed cursor was used.' });
  });
});
