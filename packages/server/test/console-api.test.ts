/**
 * The admin console's API on its own port: the console login (constant-time check, rate-limited
 * failures, tokens separate from game sessions), and the admin routes of every page on every
 * available backend, driven alongside the unmodified nakama-js 2.8.0 client.
 */
import type { ChannelMessage, Notification } from '@heroiclabs/nakama-js';
import { afterEach, describe, expect, it } from 'vitest';
import { type TestStore, testBackends } from './backends.ts';
import { consoleLogin, consoleUrl, eventually } from './console-helpers.ts';
import { startTestServer, type TestServer } from './helpers.ts';
import { bearer, call } from './http-client.ts';
import { connectPlayer, disconnectAll, type Player } from './realtime-helpers.ts';

const backends = await testBackends('console api');

describe('console login', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('refuses wrong credentials without saying which, then issues a token that logout ends', async () => {
    server = await startTestServer({ consoleUsername: 'ops', consolePassword: 'correct horse' });
    const url = consoleUrl(server);
    for (const body of [
      { username: 'ops', password: 'wrong' },
      { username: 'admin', password: 'correct horse' },
      { username: 'ops', password: '' },
    ]) {
      const r = await call(url, 'POST', '/v2/console/authenticate', { body });
      expect(r).toMatchObject({
        status: 401,
        body: { code: 16, message: 'Invalid console username or password.' },
      });
    }
    expect((await call(url, 'POST', '/v2/console/authenticate', { body: {} })).status).toBe(400);
    expect((await call(url, 'GET', '/v2/console/status')).status).toBe(401);

    const admin = await consoleLogin(server, 'ops', 'correct horse');
    expect(admin.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await admin.call('GET', '/v2/console/status')).status).toBe(200);
    expect((await admin.call('POST', '/v2/console/authenticate/logout', {})).status).toBe(200);
    expect(await admin.call('GET', '/v2/console/status')).toMatchObject({ status: 401, body: { code: 16 } });
  });

  it('locks an address out after too many failures, even with the right password', async () => {
    server = await startTestServer({ authFailuresPerAddress: 3 });
    const url = consoleUrl(server);
    for (let i = 0; i < 3; i++) {
      const r = await call(url, 'POST', '/v2/console/authenticate', {
        body: { username: 'admin', password: 'x' },
      });
      expect(r.status).toBe(401);
    }
    const locked = await call(url, 'POST', '/v2/console/authenticate', {
      body: { username: 'admin', password: 'password' },
    });
    expect(locked).toMatchObject({ status: 429, body: { code: 8 } });
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('keeps console tokens and game tokens apart, and the console API off the public port', async () => {
    server = await startTestServer();
    const admin = await consoleLogin(server);
    const player = await call(server.baseUrl, 'POST', '/v2/account/authenticate/device', {
      auth: `Basic ${Buffer.from('defaultkey:').toString('base64')}`,
      body: { id: 'console-separation-1' },
    });
    const gameToken = player.body!.token as string;
    expect((await call(server.baseUrl, 'GET', '/v2/account', { auth: bearer(admin.token) })).status).toBe(
      401,
    );
    expect(
      (await call(consoleUrl(server), 'GET', '/v2/console/status', { auth: bearer(gameToken) })).status,
    ).toBe(401);
    expect(
      (await call(server.baseUrl, 'GET', '/v2/console/status', { auth: bearer(admin.token) })).status,
    ).toBe(404);
    expect((await call(server.baseUrl, 'GET', '/metrics')).status).toBe(404);
    // Every page's routes are behind the login.
    for (const path of [
      '/v2/console/config',
      '/v2/console/account?q=x',
      '/v2/console/match',
      '/v2/console/channel',
    ]) {
      expect((await call(consoleUrl(server), 'GET', path)).status).toBe(401);
    }
  });

  it('shows the configuration with every secret redacted', async () => {
    server = await startTestServer({
      serverKey: 'server-key-xyz',
      httpKey: 'http-key-xyz',
      sessionEncryptionKey: 'session-key-xyz',
      refreshEncryptionKey: 'refresh-key-xyz',
      consolePassword: 'console-pw-xyz',
    });
    const admin = await consoleLogin(server, 'admin', 'console-pw-xyz');
    const r = await admin.call('GET', '/v2/console/config');
    expect(r.status).toBe(200);
    expect(JSON.stringify(r.body)).not.toMatch(/xyz/);
    expect(r.body!.config).toMatchObject({
      serverKey: '(redacted)',
      consolePassword: '(redacted)',
      consoleUsername: 'admin',
      port: 0,
      database: 'sqlite',
    });
  });
});

describe.each(backends)('console admin API on $name', (backend) => {
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
    await server.runtime.run((initializer) => {
      initializer.registerRpc('whoami', (ctx, payload) =>
        JSON.stringify({ source: ctx.source, userId: ctx.userId, username: ctx.username, payload }),
      );
      initializer.registerMatch('arena', {
        matchInit: () => ({ state: {}, tickRate: 5, label: JSON.stringify({ mode: 'ranked' }) }),
        matchJoinAttempt: (_c, _d, _t, state) => ({ state, accept: true }),
        matchLoop: (_c, _d, _t, state) => ({ state }),
      });
    }, 'console-test-module');
    return server;
  }

  it('finds accounts by id, username, device, custom id and email; edits, bans (closing sockets) and unbans', async () => {
    const s = await start();
    const admin = await consoleLogin(s);
    const player = await connectPlayer(s, players, {
      deviceId: 'console-device-0001',
      username: 'Console_Ann',
    });
    const userId = player.session.user_id!;
    const email = await call(s.baseUrl, 'POST', '/v2/account/authenticate/email?username=bob_mail', {
      auth: `Basic ${Buffer.from('defaultkey:').toString('base64')}`,
      body: { email: 'Bob@Example.com', password: 'password1' },
    });
    expect(email.status).toBe(200);

    const found = async (q: string) =>
      (
        (await admin.call('GET', `/v2/console/account?q=${encodeURIComponent(q)}`)).body!.users as {
          username: string;
        }[]
      ).map((u) => u.username);
    expect(await found(userId)).toEqual(['Console_Ann']);
    expect(await found(userId.toUpperCase())).toEqual(['Console_Ann']);
    expect(await found('console_ann')).toEqual(['Console_Ann']);
    expect(await found('console-device-0001')).toEqual(['Console_Ann']);
    expect(await found('bob@example.com')).toEqual(['bob_mail']);
    expect(await found('nobody-here')).toEqual([]);
    expect((await admin.call('GET', '/v2/console/account?q=')).status).toBe(400);

    const account = await admin.call('GET', `/v2/console/account/${userId}`);
    expect(account.body).toMatchObject({
      user: { id: userId, username: 'Console_Ann' },
      devices: [{ id: 'console-device-0001' }],
    });
    expect((await admin.call('GET', '/v2/console/account/not-a-uuid')).status).toBe(404);

    const edit = await admin.call('PUT', `/v2/console/account/${userId}`, {
      display_name: 'Ann the Admin-edited',
      metadata: '{"vip":true}',
    });
    expect(edit).toMatchObject({
      status: 200,
      body: { display_name: 'Ann the Admin-edited', metadata: '{"vip":true}' },
    });
    expect((await admin.call('PUT', `/v2/console/account/${userId}`, { username: 'bob_mail' })).status).toBe(
      409,
    );
    expect((await admin.call('PUT', `/v2/console/account/${userId}`, { metadata: '[1]' })).status).toBe(400);

    const sessions = await admin.call('GET', `/v2/console/account/${userId}/session`);
    expect(sessions.body!.sessions).toMatchObject([{ user_id: userId, carrier: 'ws', format: 'json-text' }]);

    expect(await admin.call('POST', `/v2/console/account/${userId}/ban`, {})).toMatchObject({
      status: 200,
      body: { user_ids: [userId] },
    });
    expect(await player.events.next<Notification>('onnotification')).toMatchObject({ code: -8 });
    expect(await player.events.next('ondisconnect')).toMatchObject({ code: 4004 });
    expect((await admin.call('GET', `/v2/console/account/${userId}`)).body!.disable_time).toMatch(/^\d{4}-/);
    expect((await admin.call('GET', `/v2/console/account/${userId}/session`)).body!.sessions).toEqual([]);
    expect(
      (
        await call(s.baseUrl, 'POST', '/v2/account/authenticate/device', {
          auth: `Basic ${Buffer.from('defaultkey:').toString('base64')}`,
          body: { id: 'console-device-0001' },
        })
      ).status,
    ).toBe(403);

    expect((await admin.call('POST', `/v2/console/account/${userId}/unban`, {})).status).toBe(200);
    expect((await admin.call('GET', `/v2/console/account/${userId}`)).body).not.toHaveProperty(
      'disable_time',
    );
    expect(
      (await admin.call('POST', '/v2/console/account/00000000-0000-4000-8000-000000000000/ban', {})).status,
    ).toBe(404);
  });

  it("lists and deletes a user's notifications, and disconnects a live session", async () => {
    const s = await start();
    const admin = await consoleLogin(s);
    const player = await connectPlayer(s, players);
    const userId = player.session.user_id!;
    await s.runtime.nk.notificationSend(userId, 'welcome', { n: 1 }, 101, null, true);
    await s.runtime.nk.notificationSend(userId, 'reward', { n: 2 }, 102, null, true);
    const list = await admin.call('GET', `/v2/console/account/${userId}/notification`);
    const notes = list.body!.notifications as { id: string; subject: string }[];
    expect(notes.map((n) => n.subject)).toEqual(['welcome', 'reward']);
    expect(
      (await admin.call('DELETE', `/v2/console/account/${userId}/notification/${notes[0]!.id}`)).body,
    ).toEqual({ deleted: 1 });
    const after = await admin.call('GET', `/v2/console/account/${userId}/notification`);
    expect((after.body!.notifications as { subject: string }[]).map((n) => n.subject)).toEqual(['reward']);

    const [live] = (await admin.call('GET', `/v2/console/account/${userId}/session`)).body!.sessions as {
      session_id: string;
    }[];
    expect((await admin.call('DELETE', `/v2/console/session/${live!.session_id}`)).status).toBe(200);
    expect(await player.events.next('ondisconnect')).toMatchObject({ code: 1000 });
    expect((await admin.call('DELETE', `/v2/console/session/${live!.session_id}`)).status).toBe(404);
  });

  it('lists channels with members, reads history and deletes a message, telling the members', async () => {
    const s = await start();
    const admin = await consoleLogin(s);
    const ann = await connectPlayer(s, players);
    const bob = await connectPlayer(s, players);
    const channel = await ann.socket.joinChat('lobby', 1, true, false);
    await bob.socket.joinChat('lobby', 1, true, false);
    const first = await ann.socket.writeChatMessage(channel.id, { text: 'hello' });
    await ann.socket.writeChatMessage(channel.id, { text: 'spam!' });

    const channels = await admin.call('GET', '/v2/console/channel');
    expect(channels.body!.channels).toEqual([
      { channel_id: '2...lobby', kind: 'room', members: 2, room_name: 'lobby' },
    ]);
    const history = await admin.call('GET', `/v2/console/channel/${encodeURIComponent(channel.id)}/message`);
    const messages = history.body!.messages as { message_id: string; content: string }[];
    expect(messages.map((m) => JSON.parse(m.content).text)).toEqual(['spam!', 'hello']);

    const spam = messages[0]!;
    expect(
      (
        await admin.call(
          'DELETE',
          `/v2/console/channel/${encodeURIComponent(channel.id)}/message/${spam.message_id}`,
        )
      ).status,
    ).toBe(200);
    // Members see the removal as its sender's own would look: code 2, content {}.
    const removal = await eventually(() =>
      bob.events.all<ChannelMessage>('onchannelmessage').find((m) => m.code === 2),
    );
    expect(removal).toMatchObject({ message_id: spam.message_id, code: 2, content: {} });
    const left = await admin.call('GET', `/v2/console/channel/${encodeURIComponent(channel.id)}/message`);
    expect((left.body!.messages as { message_id: string }[]).map((m) => m.message_id)).toEqual([
      first.message_id,
    ]);
    expect(
      (
        await admin.call(
          'DELETE',
          `/v2/console/channel/${encodeURIComponent(channel.id)}/message/${spam.message_id}`,
        )
      ).status,
    ).toBe(404);
    expect((await admin.call('GET', '/v2/console/channel/nonsense/message')).status).toBe(400);
  });

  it('lists relayed and authoritative matches with labels, sizes and members', async () => {
    const s = await start();
    const admin = await consoleLogin(s);
    const ann = await connectPlayer(s, players, { username: 'match_ann' });
    const bob = await connectPlayer(s, players, { username: 'match_bob' });
    const relayed = await ann.socket.createMatch();
    await bob.socket.joinMatch(relayed.match_id);
    const arenaId = s.runtime.nk.matchCreate('arena');
    await ann.socket.joinMatch(arenaId);

    const list = await admin.call('GET', '/v2/console/match');
    expect(list.body!.counts).toEqual({ authoritative: 1, relayed: 1 });
    const byId = new Map((list.body!.matches as { match_id: string }[]).map((m) => [m.match_id, m]));
    expect(byId.get(arenaId)).toMatchObject({
      authoritative: true,
      label: '{"mode":"ranked"}',
      size: 1,
      tick_rate: 5,
      handler_name: 'arena',
      presences: [{ username: 'match_ann' }],
    });
    expect(byId.get(relayed.match_id)).toMatchObject({
      size: 2,
      presences: [{ username: 'match_ann' }, { username: 'match_bob' }],
    });
    const filtered = await admin.call(
      'GET',
      `/v2/console/match?query=${encodeURIComponent('+label.mode:ranked')}`,
    );
    expect((filtered.body!.matches as { match_id: string }[]).map((m) => m.match_id)).toEqual([arenaId]);
    expect((await admin.call('GET', `/v2/console/match/${arenaId}`)).body).toMatchObject({
      match_id: arenaId,
      size: 1,
    });
    expect((await admin.call('GET', '/v2/console/match/00000000-0000-4000-8000-000000000000.')).status).toBe(
      404,
    );
  });

  it('shows the runtime and calls an RPC as a chosen user, or as nobody', async () => {
    const s = await start();
    const admin = await consoleLogin(s);
    const player = await connectPlayer(s, players, { username: 'rpc_user' });
    const runtime = await admin.call('GET', '/v2/console/runtime');
    expect(runtime.body).toMatchObject({
      modules: ['console-test-module'],
      rpc_ids: ['whoami'],
      match_handlers: ['arena'],
      matchmaker_hook: false,
    });
    const asUser = await admin.call('POST', '/v2/console/rpc/whoami', {
      user_id: player.session.user_id,
      payload: '{"x":1}',
    });
    expect(asUser.status).toBe(200);
    expect(JSON.parse(asUser.body!.payload as string)).toEqual({
      source: 'console',
      userId: player.session.user_id,
      username: 'rpc_user',
      payload: '{"x":1}',
    });
    const asNobody = await admin.call('POST', '/v2/console/rpc/WhoAmI', {});
    expect(JSON.parse(asNobody.body!.payload as string)).toEqual({ source: 'console', payload: '' });
    expect((await admin.call('POST', '/v2/console/rpc/missing', {})).status).toBe(404);
    expect(
      (
        await admin.call('POST', '/v2/console/rpc/whoami', {
          user_id: '00000000-0000-4000-8000-000000000000',
        })
      ).status,
    ).toBe(404);
    expect((await admin.call('GET', '/v2/console/rpc')).body).toEqual({ ids: ['whoami'] });
  });
});
