/**
 * `nk.friends*`, `nk.group*` and `nk.userGroupsList` as a runtime module gets them, on a real server:
 * Nakama's JavaScript runtime shapes, server code's rights (every right without a caller, the
 * caller's rank with one), and the same rules and errors as the client API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RuntimeApi } from '../src/runtime/api.ts';
import { startTestServer, type TestServer } from './helpers.ts';
import { basicAuth, call } from './http-client.ts';

let server: TestServer;
let nk: RuntimeApi;

beforeAll(async () => {
  server = await startTestServer();
  await server.runtime.run((_initializer, api) => {
    nk = api;
  });
});
afterAll(() => server.stop());

let n = 0;
async function newUser(): Promise<{ id: string; username: string }> {
  const username = `rt${++n}x${Date.now() % 100000}`;
  const r = await call(server.baseUrl, 'POST', `/v2/account/authenticate/custom?username=${username}`, {
    auth: basicAuth(),
    body: { id: `runtime-social-${username}` },
  });
  const claims = JSON.parse(Buffer.from((r.body!.token as string).split('.')[1]!, 'base64url').toString());
  return { id: claims.uid as string, username };
}

describe('nk social functions', () => {
  it('create, update, list, get and delete groups with the runtime shapes', async () => {
    const owner = await newUser();
    const group = await nk.groupCreate(
      owner.id,
      'Runtime Guild',
      null,
      'fr',
      'made by code',
      null,
      true,
      { tier: 2 },
      10,
    );
    expect(group).toEqual({
      id: expect.any(String),
      creatorId: owner.id,
      name: 'Runtime Guild',
      description: 'made by code',
      avatarUrl: null,
      langTag: 'fr',
      metadata: { tier: 2 },
      open: true,
      edgeCount: 1,
      maxCount: 10,
      createTime: expect.any(Number),
      updateTime: expect.any(Number),
    });
    await nk.groupUpdate(group.id, null, 'Renamed Guild', null, null, '', null, false, { tier: 3 }, 5);
    const [got] = await nk.groupsGetId([group.id, '0193a5c0-0000-7000-8000-00000000dead']);
    expect(got).toMatchObject({
      name: 'Renamed Guild',
      description: null,
      open: false,
      metadata: { tier: 3 },
      maxCount: 5,
    });
    expect((await nk.groupsList('renamed%')).groups.map((g) => g.id)).toEqual([group.id]);
    expect((await nk.userGroupsList(owner.id)).userGroups).toEqual([{ group: got, state: 0 }]);
    const member = await newUser();
    await nk.groupUsersAdd(group.id, [member.id]);
    await expect(nk.groupUpdate(group.id, member.id, 'Mine')).rejects.toThrow(
      "Group not found or you're not allowed to update.",
    );
    await expect(nk.groupUpdate(group.id, null, null, null, null, null, null, null, null, 1)).rejects.toThrow(
      'Group max count cannot be below its 2 members.',
    );
    await nk.groupDelete(group.id);
    await nk.groupDelete(group.id); // gone: a no-op for server code
    expect(await nk.groupsGetId([group.id])).toEqual([]);
  });

  it('membership functions act with every right unless a caller is named', async () => {
    const [a, b, c] = [await newUser(), await newUser(), await newUser()];
    const group = await nk.groupCreate(a.id, `Members ${n}`, null, null, null, null, false);
    await nk.groupUserJoin(group.id, b.id, b.username); // closed: a join request
    // By state, then by name: within one state members are listed by when they reached it, which is
    // the same millisecond when the machine is fast (then by user id, random here).
    const sorted = (rows: readonly (readonly [string, number])[]) =>
      [...rows].sort((x, y) => x[1] - y[1] || x[0].localeCompare(y[0]));
    const list = async () =>
      sorted((await nk.groupUsersList(group.id)).groupUsers.map((m) => [m.user.username, m.state] as const));
    expect(await list()).toEqual(
      sorted([
        [a.username, 0],
        [b.username, 3],
      ]),
    );
    expect((await nk.groupUsersList(group.id)).groupUsers[0]!.user).toMatchObject({
      userId: a.id,
      username: a.username,
      metadata: {},
      online: false,
    });
    // b may not add anyone; server code may, and that accepts b's request too.
    await expect(nk.groupUsersAdd(group.id, [c.id], b.id)).rejects.toThrow(
      'Group not found or permission denied.',
    );
    await nk.groupUsersAdd(group.id, [b.id, c.id]);
    await nk.groupUsersPromote(group.id, [b.id, c.id]);
    await nk.groupUsersPromote(group.id, [b.id]);
    expect(await list()).toEqual(
      sorted([
        [a.username, 0],
        [b.username, 0],
        [c.username, 1],
      ]),
    );
    // Server code may demote a superadmin while another remains, never the last one.
    await nk.groupUsersDemote(group.id, [a.id]);
    await expect(nk.groupUsersDemote(group.id, [b.id])).rejects.toThrow(
      'Cannot demote the last superadmin of a group.',
    );
    await expect(nk.groupUsersKick(group.id, [b.id])).rejects.toThrow(
      'Cannot kick the last superadmin of a group.',
    );
    await expect(nk.groupUsersBan(group.id, [c.id], a.id)).rejects.toThrow(
      'Admins cannot ban other admins or superadmins.',
    );
    await nk.groupUsersBan(group.id, [c.id], b.id);
    expect((await nk.groupUsersList(group.id, 10, 4)).groupUsers.map((m) => m.user.userId)).toEqual([c.id]);
    await nk.groupUserLeave(group.id, a.id, a.username);
    expect(await list()).toEqual([[b.username, 0]]);
    expect((await nk.userGroupsList(c.id)).userGroups).toEqual([]);
  });

  it('friends functions: invitations with metadata, acceptance, blocks and deletes', async () => {
    const [a, b] = [await newUser(), await newUser()];
    await nk.friendsAdd(a.id, a.username, [b.id], [], { met: 'in game' });
    expect((await nk.friendsList(a.id)).friends).toEqual([
      {
        user: expect.objectContaining({ userId: b.id, username: b.username }),
        state: 1,
        updateTime: expect.any(Number),
        metadata: { met: 'in game' },
      },
    ]);
    await nk.friendsAdd(b.id, b.username, [], [a.username]);
    expect((await nk.friendsList(b.id, 10, 0)).friends.map((f) => f.user.userId)).toEqual([a.id]);
    await nk.friendsBlock(a.id, a.username, [b.id], []);
    expect((await nk.friendsList(a.id, 10, -1)).friends.map((f) => f.state)).toEqual([3]);
    expect((await nk.friendsList(b.id)).friends).toEqual([]);
    await nk.friendsDelete(a.id, a.username, [b.id], []);
    expect((await nk.friendsList(a.id)).friends).toEqual([]);
    await expect(nk.friendsAdd(a.id, a.username, [a.id], [])).rejects.toThrow('Cannot add self as friend.');
    await expect(nk.friendsAdd(a.id, a.username, [b.id], [], [] as never)).rejects.toThrow(
      'invalid metadata: must be an object',
    );
    await expect(nk.friendsList('nope')).rejects.toThrow("Invalid user ID: 'nope'");
    await expect(nk.friendsList(a.id, 0)).rejects.toThrow(
      'Invalid limit - limit must be between 1 and 1000.',
    );
  });
});
