/**
 * The scenarios of nakama-js 2.8.0's own friend tests (`client-friend.test.ts`, the 5 that run; the
 * sixth needs Facebook Instant Games and is skipped upstream) and its group chat test
 * (`socket-channel.test.ts`, "should create a group, join group chat, then leave it", text adapter),
 * with the unmodified client against a real server on every backend.
 */
import { randomUUID } from 'node:crypto';
import type { Client, Session } from '@heroiclabs/nakama-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBackends } from './backends.ts';
import type { TestServer } from './helpers.ts';
import { installNakamaShim, nakamaClient } from './realtime-helpers.ts';

installNakamaShim();
const backends = await testBackends('friends (nakama-js scenarios)');
const generateid = () => randomUUID();

describe.each(backends)('nakama-js friend and group chat scenarios on $name', (backend) => {
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

  it('should add friend, then list', async () => {
    const [s1, s2] = [await login(), await login()];
    await client.addFriends(s1, [s2.user_id!]);
    const result = await client.listFriends(s1);
    expect(result.friends).toHaveLength(1);
    expect(result.friends![0]!.state).toBe(1);
  });

  it('should receive friend invite, then list', async () => {
    const [s1, s2] = [await login(), await login()];
    await client.addFriends(s1, [s2.user_id!]);
    const result = await client.listFriends(s2);
    expect(result.friends).toHaveLength(1);
    expect(result.friends![0]!.state).toBe(2);
  });

  it('should block friend, then list', async () => {
    const [s1, s2] = [await login(), await login()];
    await client.blockFriends(s1, [s2.user_id!]);
    const result = await client.listFriends(s1);
    expect(result.friends).toHaveLength(1);
    expect(result.friends![0]!.state).toBe(3);
  });

  it('should add friend, accept, then list', async () => {
    const [s1, s2] = [await login(), await login()];
    await client.addFriends(s1, [s2.user_id!]);
    await client.addFriends(s2, [s1.user_id!]);
    const result = await client.listFriends(s1);
    expect(result.friends).toHaveLength(1);
    expect(result.friends![0]!.state).toBe(0);
  });

  it('should add friend, reject, then list', async () => {
    const [s1, s2] = [await login(), await login()];
    await client.addFriends(s1, [s2.user_id!]);
    await client.deleteFriends(s2, [s1.user_id!]);
    expect((await client.listFriends(s1)).friends).toHaveLength(0);
  });

  it('should create a group, join group chat, then leave it', async () => {
    const session = await login();
    const socket = client.createSocket(false, false);
    await socket.connect(session, false);
    try {
      const group = await client.createGroup(session, { name: generateid(), open: true });
      const channel = await socket.joinChat(group.id!, 3, true, false);
      expect(channel).toMatchObject({ id: `3.${group.id}..`, group_id: group.id });
      expect(await socket.leaveChat(channel.id)).not.toBeNull();
    } finally {
      socket.disconnect(false);
    }
  });
});
