/**
 * Bans, end to end on a real server and every available backend: server code bans a user with
 * `nk.usersBanId`, the unmodified nakama-js 2.8.0 client sees its sockets told and closed, its tokens
 * refused, and authentication and refresh refused until `nk.usersUnbanId`.
 */
import type { Notification, Session } from '@heroiclabs/nakama-js';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type TestStore, testBackends } from './backends.ts';
import { GmRealtimeClient } from './gm-realtime-client.ts';
import type { TestServer } from './helpers.ts';
import { basicAuth, bearer, call, deviceLogin } from './http-client.ts';
import { connectPlayer, disconnectAll, nakamaClient, type Player } from './realtime-helpers.ts';

const backends = await testBackends('accounts ban');
const BANNED = { status: 403, body: { code: 7, message: 'User account banned.' } };

/** What nakama-js rejected with (it throws the fetch Response): status and Nakama's error body. */
async function refusal(p: Promise<unknown>): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e as Response,
  );
  const body = (await res.json()) as Record<string, unknown>;
  return { status: res.status, body: { code: body.code, message: body.message } };
}

/** The HTTP answer to a `/ws` upgrade with this token (101 when the socket opens). */
function upgradeStatus(server: TestServer, token: string): Promise<number> {
  const ws = new WebSocket(`ws://127.0.0.1:${server.http.port}/ws?token=${encodeURIComponent(token)}`);
  return new Promise((resolve, reject) => {
    ws.once('open', () => {
      ws.terminate();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', reject);
  });
}

describe.each(backends)('bans on $name', (backend) => {
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

  /** A server whose module bans the users named in an RPC payload (`{"user_ids": [...]}`). */
  async function start(): Promise<TestServer> {
    store = backend.newStore();
    server = await store.start();
    await server.runtime.run((initializer, nk) => {
      initializer.registerRpc('ban', async (_ctx, payload) => {
        await nk.usersBanId((JSON.parse(payload) as { user_ids: string[] }).user_ids);
      });
    }, 'moderation');
    return server;
  }

  it('nk.usersBanId tells both sockets (-8), closes them with 4004 and refuses the tokens; unban lets the user back', async () => {
    const s = await start();
    const client = nakamaClient(s);
    const phone = await connectPlayer(s, players, { deviceId: 'device-banned-01', status: true });
    const tablet = await connectPlayer(s, players, { deviceId: 'device-banned-01' });
    const bystander = await connectPlayer(s, players);
    const userId = phone.session.user_id!;
    expect(tablet.session.user_id).toBe(userId);
    expect((await client.getAccount(phone.session)).disable_time).toBeUndefined();

    // Server to server, as an admin tool would: the module's RPC calls nk.usersBanId.
    await client.rpcHttpKey('defaulthttpkey', 'ban', { user_ids: [userId] });

    for (const p of [phone, tablet]) {
      const note = await p.events.next<Notification>('onnotification');
      expect(note).toMatchObject({ code: -8, subject: 'banned', content: {} });
      expect(note.create_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(await p.events.next('ondisconnect')).toMatchObject({
        code: 4004,
        reason: 'user account banned',
      });
      // The notice arrives before the close, never after (the phone also saw its own status join).
      const told = p.events.events.filter((e) => e.kind !== 'onstatuspresence').map((e) => e.kind);
      expect(told).toEqual(['onnotification', 'ondisconnect']);
    }
    expect(s.realtime.sessions.byUser(userId)).toEqual([]);
    expect(s.realtime.sessions.byUser(bystander.session.user_id!)).toHaveLength(1);
    expect(bystander.events.all('ondisconnect')).toEqual([]);
    expect(bystander.events.all('onnotification')).toEqual([]);

    // Every token of the user is refused: socket upgrade and REST, session and refresh token.
    for (const p of [phone, tablet]) {
      expect(await upgradeStatus(s, p.session.token)).toBe(401);
      expect(await refusal(client.getAccount(p.session))).toMatchObject({ status: 401, body: { code: 16 } });
      expect(await refusal(client.sessionRefresh(p.session))).toEqual(BANNED);
    }
    expect(await refusal(client.authenticateDevice('device-banned-01'))).toEqual(BANNED);
    expect(await refusal(client.authenticateDevice('device-banned-01', false))).toEqual(BANNED);
    const raw = await call(s.baseUrl, 'POST', '/v2/account/authenticate/device', {
      auth: basicAuth(),
      body: { id: 'device-banned-01' },
    });
    expect(raw).toMatchObject({
      status: 403,
      body: { code: 7, message: 'User account banned.', error: 'User account banned.' },
    });
    // Other users are not affected.
    expect((await client.getUsers(bystander.session, [userId])).users?.[0]).not.toHaveProperty(
      'disable_time',
    );

    await s.runtime.nk.usersUnbanId([userId]);
    const back = await client.authenticateDevice('device-banned-01');
    expect(back.user_id).toBe(userId);
    expect((await client.getAccount(back)).disable_time).toBeUndefined();
    expect(await upgradeStatus(s, back.token)).toBe(101);
    // The sessions the ban revoked stay revoked.
    expect(await upgradeStatus(s, phone.session.token)).toBe(401);
    expect((await refusal(client.sessionRefresh(phone.session))).status).toBe(401);
  });

  it('refuses a banned email account only after a correct password', async () => {
    const s = await start();
    const client = nakamaClient(s);
    const session: Session = await client.authenticateEmail('banned@example.com', 'correct horse');
    await s.runtime.nk.usersBanId([session.user_id!.toUpperCase()]);
    expect(await refusal(client.authenticateEmail('banned@example.com', 'correct horse'))).toEqual(BANNED);
    expect(await refusal(client.authenticateEmail('banned@example.com', 'wrong horse'))).toEqual({
      status: 401,
      body: { code: 16, message: 'Invalid credentials.' },
    });
    await s.runtime.nk.usersUnbanId([session.user_id!]);
    expect((await client.authenticateEmail('banned@example.com', 'correct horse')).user_id).toBe(
      session.user_id,
    );
  });

  it('closes a GameMaker TCP socket of the user too: notification, then a 4004 close notice', async () => {
    const s = await start();
    const { token } = await deviceLogin(s.baseUrl, 'device-gm-banned');
    const gm = await GmRealtimeClient.tcp(s.gm!.port);
    const me = (await gm.authenticate(token)) as { user_id: string };
    await s.runtime.nk.usersBanId([me.user_id]);
    await gm.ended;
    expect(gm.received.slice(1)).toEqual([
      { notifications: { notifications: [expect.objectContaining({ code: -8, subject: 'banned' })] } },
      { error: { code: 4004, message: 'user account banned' } },
    ]);
  });

  it('nk.usersBanId checks its ids: a malformed one bans no one, unknown ones are skipped', async () => {
    const s = await start();
    const client = nakamaClient(s);
    const player = await connectPlayer(s, players);
    const userId = player.session.user_id!;
    await expect(s.runtime.nk.usersBanId([userId, 'not-a-user'])).rejects.toThrow(
      "Invalid user ID: 'not-a-user'.",
    );
    await expect(s.runtime.nk.usersBanId(userId as unknown as string[])).rejects.toThrow(
      'User IDs must be an array',
    );
    await expect(s.runtime.nk.usersBanId(Array.from({ length: 1001 }, () => userId))).rejects.toThrow(
      'at most 1000',
    );
    await s.runtime.nk.usersBanId(['00000000-0000-4000-8000-000000000001']);
    await s.runtime.nk.usersBanId([]);
    expect((await client.getAccount(player.session)).user?.id).toBe(userId);
    expect(s.realtime.sessions.byUser(userId)).toHaveLength(1);
    // From a socket RPC, the error reaches the client as RPC error 7.
    expect(
      await player.socket.rpc('ban', JSON.stringify({ user_ids: ['x'] })).catch((e: unknown) => e),
    ).toMatchObject({ code: 7, message: "Invalid user ID: 'x'." });
  });

  it('keeps the ban across a restart', async () => {
    const s = await start();
    const { token } = await deviceLogin(s.baseUrl, 'device-restart-banned');
    const me = await call(s.baseUrl, 'GET', '/v2/account', { auth: bearer(token) });
    await s.runtime.nk.usersBanId([(me.body!.user as { id: string }).id]);
    await s.stop();
    server = await store!.start();
    const again = await call(server.baseUrl, 'POST', '/v2/account/authenticate/device', {
      auth: basicAuth(),
      body: { id: 'device-restart-banned' },
    });
    expect(again).toMatchObject(BANNED);
  });
});
