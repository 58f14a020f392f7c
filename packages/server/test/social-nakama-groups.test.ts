/**
 * The scenarios of nakama-js 2.8.0's own group tests (`packages/nakama-js-test/client-group.test.ts`,
 * 28 cases), run with the unmodified client against a real server on every backend. Facts, not code:
 * each case repeats the upstream scenario and its assertions.
 */
import { randomUUID } from 'node:crypto';
import type { Client, Session } from '@heroiclabs/nakama-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackends } from './backends.ts';
import type { TestServer } from './helpers.ts';
import { nakamaClient } from './realtime-helpers.ts';

const backends = await testBackends('groups (nakama-js scenarios)');

/** Upstream's `generateid()`: a fresh random id, used for custom ids and group names. */
const generateid = () => randomUUID();

describe.each(backends)('nakama-js group scenarios on $name', (backend) => {
  const store = backend.newStore();
  let server: TestServer;
  let client: Client;
  beforeAll(async () => {
    server = await store.start();
    client = nakamaClient(server);
  });
  afterAll(async () => {
    await server.stop();
    await store.dispose();
  });
  const login = (): Promise<Session> => client.authenticateCustom(generateid());
  /** States of a member list, in list order. */
  const states = (r: { group_users?: { state?: number }[] }) => (r.group_users ?? []).map((u) => u.state);

  it('should create group', async () => {
    const session = await login();
    const name = generateid();
    const result = await client.createGroup(session, { name, open: true });
    expect(result.name).toBe(name);
    expect(result.edge_count).toBe(1);
    expect(result.max_count).toBe(100);
    expect(result.metadata).toEqual({});
    expect(result.open).toBe(true);
  });

  it('should create then list group', async () => {
    const session = await login();
    const name = generateid();
    await client.createGroup(session, { name, open: true });
    const result = await client.listUserGroups(session, session.user_id!);
    expect(result.user_groups).toHaveLength(1);
    const [ug] = result.user_groups!;
    expect(ug!.group).toMatchObject({ name, edge_count: 1, max_count: 100, metadata: {}, open: true });
    expect(ug!.state).toBe(0);
  });

  it('should create, update, then list group', async () => {
    const session = await login();
    const [name1, name2] = [generateid(), generateid()];
    const group = await client.createGroup(session, { name: name1, open: true });
    await client.updateGroup(session, group.id!, { name: name2 });
    const result = await client.listUserGroups(session, session.user_id!);
    expect(result.user_groups).toHaveLength(1);
    expect(result.user_groups![0]!.group).toMatchObject({
      name: name2,
      edge_count: 1,
      max_count: 100,
      open: true,
    });
    expect(result.user_groups![0]!.group!.metadata).toEqual({});
    expect(result.user_groups![0]!.state).toBe(0);
  });

  it('should create, delete, then list group', async () => {
    const session = await login();
    const group = await client.createGroup(session, { name: generateid(), open: true });
    await client.deleteGroup(session, group.id!);
    expect((await client.listUserGroups(session, session.user_id!)).user_groups).toHaveLength(0);
  });

  it('should create then list group users', async () => {
    const session = await login();
    const group = await client.createGroup(session, { name: generateid(), open: true });
    expect(states(await client.listGroupUsers(session, group.id!))).toEqual([0]);
  });

  it('should create, join, then list group users', async () => {
    const [s1, s2] = [await login(), await login()];
    const group = await client.createGroup(s1, { name: generateid(), open: true });
    await client.joinGroup(s2, group.id!);
    expect(states(await client.listGroupUsers(s1, group.id!)).sort()).toEqual([0, 2]);
  });

  it('should create, add, then list group users', async () => {
    const [s1, s2] = [await login(), await login()];
    const group = await client.createGroup(s1, { name: generateid(), open: true });
    await client.addGroupUsers(s1, group.id!, [s2.user_id!]);
    expect(states(await client.listGroupUsers(s1, group.id!)).sort()).toEqual([0, 2]);
  });

  it('should create, add, kick, then list group users', async () => {
    const [s1, s2] = [await login(), await login()];
    const group = await client.createGroup(s1, { name: generateid(), open: true });
    await client.addGroupUsers(s1, group.id!, [s2.user_id!]);
    await client.kickGroupUsers(s1, group.id!, [s2.user_id!]);
    expect(states(await client.listGroupUsers(s1, group.id!))).toEqual([0]);
  });

  it('should create closed, request to join, then list group users', async () => {
    const [s1, s2] = [await login(), await login()];
    const group = await client.createGroup(s1, { name: generateid(), open: false });
    await client.joinGroup(s2, group.id!);
    expect(states(await client.listGroupUsers(s1, group.id!)).sort()).toEqual([0, 3]);
  });

  it('should create open, join, then list user groups and see count affected', async () => {
    const [s1, s2] = [await login(), await login()];
    const group = await client.createGroup(s1, { name: generateid(), open: true });
    await client.joinGroup(s2, group.id!);
    const result = await client.listUserGroups(s1, s1.user_id!);
    expect(result.user_groups).toHaveLength(1);
    expect(result.user_groups![0]!.group!.edge_count).toBe(2);
  });

  it('should create closed, request to join, then list user groups and see count unaffected', async () => {
    const [s1, s2] = [await login(), await login()];
    const group = await client.createGroup(s1, { name: generateid(), open: false });
    await client.joinGroup(s2, group.id!);
    const result = await client.listUserGroups(s1, s1.user_id!);
    expect(result.user_groups).toHaveLength(1);
    expect(result.user_groups![0]!.group!.edge_count).toBe(1);
  });

  // Upstream has this scenario twice (the second is named "... promote ..." but adds).
  for (const name of [
    'should create closed, request to join, add, then list user groups and see count affected',
    'should create closed group, request to join, promote, then list user groups and see count affected',
  ]) {
    it(name, async () => {
      const [s1, s2] = [await login(), await login()];
      const group = await client.createGroup(s1, { name: generateid(), open: false });
      await client.joinGroup(s2, group.id!);
      await client.addGroupUsers(s1, group.id!, [s2.user_id!]);
      const result = await client.listUserGroups(s1, s1.user_id!);
      expect(result.user_groups).toHaveLength(1);
      expect(result.user_groups![0]!.group!.edge_count).toBe(2);
    });
  }

  it('should create open, join, leave, then list user groups and see count affected', async () => {
    const [s1, s2] = [await login(), await login()];
    const group = await client.createGroup(s1, { name: generateid(), open: true });
    await client.joinGroup(s2, group.id!);
    await client.leaveGroup(s2, group.id!);
    const result = await client.listUserGroups(s1, s1.user_id!);
    expect(result.user_groups).toHaveLength(1);
    expect(result.user_groups![0]!.group!.edge_count).toBe(1);
  });

  it('should create closed, request to join, leave, then list user groups and see count unaffected', async () => {
    const [s1, s2] = [await login(), await login()];
    const group = await client.createGroup(s1, { name: generateid(), open: false });
    await client.joinGroup(s2, group.id!);
    await client.leaveGroup(s2, group.id!);
    const result = await client.listUserGroups(s1, s1.user_id!);
    expect(result.user_groups).toHaveLength(1);
    expect(result.user_groups![0]!.group!.edge_count).toBe(1);
  });

  // Upstream again has the add scenario twice, once named "promote".
  for (const name of [
    'should create closed, request to join, add, then list group users',
    'should create closed, request to join, promote, then list group users',
  ]) {
    it(name, async () => {
      const [s1, s2] = [await login(), await login()];
      const group = await client.createGroup(s1, { name: generateid(), open: false });
      await client.joinGroup(s2, group.id!);
      await client.addGroupUsers(s1, group.id!, [s2.user_id!]);
      expect(states(await client.listGroupUsers(s1, group.id!)).sort()).toEqual([0, 2]);
    });
  }

  it('should create closed, request to join, kick, then list group users', async () => {
    const [s1, s2] = [await login(), await login()];
    const group = await client.createGroup(s1, { name: generateid(), open: false });
    await client.joinGroup(s2, group.id!);
    await client.kickGroupUsers(s1, group.id!, [s2.user_id!]);
    expect(states(await client.listGroupUsers(s1, group.id!))).toEqual([0]);
  });

  it('should create, add, promote, then list group users', async () => {
    const [s1, s2] = [await login(), await login()];
    const group = await client.createGroup(s1, { name: generateid(), open: true });
    await client.addGroupUsers(s1, group.id!, [s2.user_id!]);
    await client.promoteGroupUsers(s1, group.id!, [s2.user_id!]);
    expect(states(await client.listGroupUsers(s1, group.id!)).sort()).toEqual([0, 1]);
  });

  it('should create, add, promote twice, then list group users', async () => {
    const [s1, s2] = [await login(), await login()];
    const group = await client.createGroup(s1, { name: generateid(), open: true });
    await client.addGroupUsers(s1, group.id!, [s2.user_id!]);
    await client.promoteGroupUsers(s1, group.id!, [s2.user_id!]);
    await client.promoteGroupUsers(s1, group.id!, [s2.user_id!]);
    expect(states(await client.listGroupUsers(s1, group.id!))).toEqual([0, 0]);
  });

  it('should create, join, leave, then list group users', async () => {
    const [s1, s2] = [await login(), await login()];
    const group = await client.createGroup(s1, { name: generateid(), open: true });
    await client.joinGroup(s2, group.id!);
    await client.leaveGroup(s2, group.id!);
    expect(states(await client.listGroupUsers(s1, group.id!))).toEqual([0]);
  });

  it('should create closed, request to join, leave, then list group users', async () => {
    const [s1, s2] = [await login(), await login()];
    const group = await client.createGroup(s1, { name: generateid(), open: false });
    await client.joinGroup(s2, group.id!);
    await client.leaveGroup(s2, group.id!);
    expect(states(await client.listGroupUsers(s1, group.id!))).toEqual([0]);
  });

  it('should create, add, promote, add, promote, then list group users', async () => {
    const [s1, s2, s3] = [await login(), await login(), await login()];
    const group = await client.createGroup(s1, { name: generateid(), open: true });
    await client.addGroupUsers(s1, group.id!, [s2.user_id!]);
    await client.promoteGroupUsers(s1, group.id!, [s2.user_id!]);
    await client.addGroupUsers(s2, group.id!, [s3.user_id!]);
    await client.promoteGroupUsers(s2, group.id!, [s3.user_id!]);
    expect(states(await client.listGroupUsers(s1, group.id!))).toHaveLength(3);
  });

  it('should create, list group', async () => {
    const session = await login();
    const name = generateid();
    await client.createGroup(session, { name, open: true });
    const result = await client.listGroups(session, `%${name}%`);
    expect(result.groups).toHaveLength(1);
    expect(result.cursor).not.toBeNull();
  });

  it('should create, add, ban, then list group users', async () => {
    const [s1, s2] = [await login(), await login()];
    const group = await client.createGroup(s1, { name: generateid(), open: true });
    await client.addGroupUsers(s1, group.id!, [s2.user_id!]);
    await client.banGroupUsers(s1, group.id!, [s2.user_id!]);
    expect(states(await client.listGroupUsers(s1, group.id!))).toHaveLength(1);
  });

  it('should create group and fail to demote superadmin', async () => {
    const session = await login();
    const group = await client.createGroup(session, { name: generateid(), open: true });
    await client.demoteGroupUsers(session, group.id!, [session.user_id!]);
    expect(states(await client.listGroupUsers(session, group.id!, 0))[0]).toBe(0);
  });

  it('should create group, add user and promote and demote them', async () => {
    const [s1, s2] = [await login(), await login()];
    const group = await client.createGroup(s1, { name: generateid(), open: true });
    await client.addGroupUsers(s1, group.id!, [s2.user_id!]);
    await client.promoteGroupUsers(s1, group.id!, [s1.user_id!]);
    await client.demoteGroupUsers(s1, group.id!, [s1.user_id!]);
    expect(states(await client.listGroupUsers(s1, group.id!, 2))).toHaveLength(1);
  });

  it('should create group, add user and fail to demote lowest-ranking user', async () => {
    const [s1, s2] = [await login(), await login()];
    const group = await client.createGroup(s1, { name: generateid(), open: true });
    await client.addGroupUsers(s1, group.id!, [s2.user_id!]);
    await client.demoteGroupUsers(s1, group.id!, [s1.user_id!]);
    expect(states(await client.listGroupUsers(s1, group.id!, 2))).toHaveLength(1);
  });
});
