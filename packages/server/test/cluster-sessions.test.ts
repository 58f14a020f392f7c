/**
 * Cluster mode, account-wide session policies: a logout, a ban, an account deletion or a
 * `single_socket` connection made on one node closes the user's sockets on every node (nakama-js on n1, GameMaker TCP on n2, the SDK
 * on n3).
 */
import type { Notification } from '@heroiclabs/nakama-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RealtimeSocket } from '../../client/src/node.ts';
import { connectedPlayer, until } from '../../client/test/realtime-helpers.ts';
import { ClusterBed, clusterAvailable } from './cluster-helpers.ts';
import { GmRealtimeClient } from './gm-realtime-client.ts';
import type { TestServer } from './helpers.ts';
import { bearer, call, deviceLogin } from './http-client.ts';
import { connectPlayer, disconnectAll, type Player } from './realtime-helpers.ts';

const available = await clusterAvailable('cluster-sessions');
const bed = new ClusterBed();
let n1: TestServer;
let n2: TestServer;
let n3: TestServer;
const opened: Player[] = [];
const gms: GmRealtimeClient[] = [];
const sdks: RealtimeSocket[] = [];

beforeAll(async () => {
  if (!available) return;
  [n1, n2, n3] = (await bed.start('n1', 'n2', 'n3')) as [TestServer, TestServer, TestServer];
}, 60_000);
afterEach(() => {
  disconnectAll(opened);
  for (const gm of gms.splice(0)) gm.destroy();
  for (const s of sdks.splice(0)) s.disconnect();
});
afterAll(() => bed.stop(), 60_000);

async function gm(server: TestServer, token: string, options: { single_socket?: boolean } = {}) {
  const client = await GmRealtimeClient.tcp(server.gm!.port);
  gms.push(client);
  await client.authenticate(token, options);
  return client;
}

describe.runIf(available)('account-wide policies across nodes', () => {
  it('a logout on n3 closes the sockets of that session on n1 and n2', async () => {
    const deviceId = `logout-${Date.now()}`;
    const js = await connectPlayer(n1, opened, { deviceId });
    const gmSocket = await gm(n2, js.session.token);
    const out = await call(n3.baseUrl, 'POST', '/v2/session/logout', {
      auth: bearer(js.session.token),
      body: { token: js.session.token, refresh_token: js.session.refresh_token },
    });
    expect(out.status).toBe(200);
    expect(await js.events.next<{ code: number }>('ondisconnect')).toMatchObject({ code: 4002 });
    await gmSocket.ended;
    expect(gmSocket.received.at(-1)).toMatchObject({ error: { code: 4002 } });
  });

  it('a token logged out on n3 is refused at once by n1 and n2, which had just accepted it', async () => {
    const s = await deviceLogin(n1.baseUrl, `logout-http-${Date.now()}`);
    const account = (node: TestServer) => call(node.baseUrl, 'GET', '/v2/account', { auth: bearer(s.token) });
    for (const node of [n1, n2, n1, n2]) expect((await account(node)).status).toBe(200);
    const out = await call(n3.baseUrl, 'POST', '/v2/session/logout', {
      auth: bearer(s.token),
      body: { token: s.token, refresh_token: s.refreshToken },
    });
    expect(out.status).toBe(200);
    // No waiting for the bus: the next request on any node is refused.
    for (const node of [n1, n2, n3]) expect((await account(node)).status).toBe(401);
  });

  it('a ban made on n2 tells and closes the sockets of the user on n1 and n3', async () => {
    const deviceId = `ban-${Date.now()}`;
    const js = await connectPlayer(n1, opened, { deviceId });
    const sdk = await connectedPlayer(n3, 'banned');
    sdks.push(sdk.socket);
    // The SDK socket is another user: ban both users from n2.
    await n2.runtime.nk.usersBanId([js.session.user_id!, sdk.session.userId]);
    expect(await js.events.next<Notification>('onnotification')).toMatchObject({
      code: -8,
      subject: 'banned',
    });
    expect(await js.events.next<{ code: number }>('ondisconnect')).toMatchObject({ code: 4004 });
    const closed = await until(sdk.socket, 'disconnected');
    expect(closed).toMatchObject({ code: 4004, willReconnect: false });
  });

  it('an account deleted on n3 has its sockets on n1 and n2 closed with 4005', async () => {
    const deviceId = `delete-${Date.now()}`;
    const js = await connectPlayer(n1, opened, { deviceId });
    const gmSocket = await gm(n2, js.session.token);
    const deleted = await call(n3.baseUrl, 'DELETE', '/v2/account', { auth: bearer(js.session.token) });
    expect(deleted.status).toBe(200);
    expect(await js.events.next<{ code: number }>('ondisconnect')).toMatchObject({ code: 4005 });
    await gmSocket.ended;
    expect(gmSocket.received.at(-1)).toMatchObject({ error: { code: 4005 } });
  });

  it('single_socket on n2 replaces the older socket of the user on n1', async () => {
    const deviceId = `single-${Date.now()}`;
    const old = await connectPlayer(n1, opened, { deviceId });
    const { token } = await deviceLogin(n2.baseUrl, deviceId);
    const fresh = await gm(n2, token, { single_socket: true });
    const note = await old.events.next<Notification>('onnotification');
    expect(note).toMatchObject({ code: -7, subject: 'single_socket' });
    expect(await old.events.next<{ code: number }>('ondisconnect')).toMatchObject({ code: 4003 });
    // The newer socket stays.
    expect((await fresh.request('ping')).pong).toEqual({});
    expect(n1.realtime.sessions.byUser(old.session.user_id!)).toHaveLength(0);
    expect(n2.realtime.sessions.byUser(old.session.user_id!)).toHaveLength(1);
  });
});
