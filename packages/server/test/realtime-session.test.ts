import type { DefaultSocket, Notification } from '@heroiclabs/nakama-js';
import { describe, expect, it } from 'vitest';
import { bearer, call, claimsOf, deviceLogin } from './http-client.ts';
import { connectPlayer, nakamaClient, RawSocket, serverPerTest } from './realtime-helpers.ts';

/** Resolves after the raw socket has received `count` protocol pings from the server. */
function pings(socket: RawSocket, count: number): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const onPing = () => {
      if (++seen < count) return;
      socket.ws.off('ping', onPing);
      resolve();
    };
    socket.ws.on('ping', onPing);
  });
}

/** Counts the `ping` envelopes nakama-js sends (its heartbeat) and resolves at `count`. */
function heartbeats(socket: DefaultSocket, count: number): Promise<void> {
  const adapter = socket.adapter as unknown as { send(msg: Record<string, unknown>): void };
  const send = adapter.send.bind(adapter);
  let seen = 0;
  return new Promise((resolve) => {
    adapter.send = (msg) => {
      send(msg);
      if ('ping' in msg && ++seen === count) resolve();
    };
  });
}

interface CloseEventLike {
  code: number;
  reason: string;
}

describe('realtime sessions', () => {
  const { players, raws, start, server } = serverPerTest();

  async function raw(query = '', options = {}, token?: string): Promise<RawSocket> {
    const socket = token
      ? await RawSocket.open(server()!, `token=${encodeURIComponent(token)}${query}`, options)
      : await RawSocket.login(server()!, query, options);
    raws.push(socket);
    return socket;
  }

  it("stays open on nakama-js's own heartbeat alone, over many pong-wait periods", async () => {
    // The server pings only a session silent for 0.9 s, which nakama-js's 100 ms heartbeat never
    // is: only its application pings keep the session alive. A pong wait of a second, not less: on a
    // loaded machine a longer stall of the test process would close the socket for a reason this
    // test is not about. (The pong wait must be longer than the ping period.)
    const s = await start({ socketPingPeriodMs: 900, socketPongWaitMs: 1000 });
    const a = await connectPlayer(s, players, { heartbeatMs: 100 });
    await heartbeats(a.socket as DefaultSocket, 30); // about 3 s: 3 pong-wait periods
    expect(a.events.all('ondisconnect')).toEqual([]);
    expect(a.events.all('onheartbeattimeout')).toEqual([]);
    expect(s.realtime.sessions.byUser(a.session.user_id!)).toHaveLength(1);
  });

  it('pings silent clients and closes one that never answers with 1001 "heartbeat timeout"', async () => {
    const s = await start({ socketPingPeriodMs: 50, socketPongWaitMs: 300 });
    const answering = await raw();
    const silent = await raw('', { autoPong: false });
    const silentPinged = pings(silent, 1);
    // The answering client sends nothing but pongs, for twice the pong wait: pongs keep it alive.
    await pings(answering, 12);
    await silentPinged;
    expect(await silent.closed).toEqual({ code: 1001, reason: 'heartbeat timeout' });
    expect(answering.ws.readyState).toBe(answering.ws.OPEN);
    expect(await answering.request('1', { ping: {} })).toEqual({ cid: '1', pong: {} });
    expect(s.realtime.sessions.size).toBe(1);
  });

  it('closes the sockets of a logged-out session with 4002; logout everywhere closes all of them', async () => {
    const s = await start();
    const client = nakamaClient(s);
    const phone = await connectPlayer(s, players, { deviceId: 'device-logout-1' });
    const tablet = await connectPlayer(s, players, { deviceId: 'device-logout-1' });
    await client.sessionLogout(phone.session, phone.session.token, phone.session.refresh_token);
    expect(await phone.events.next<CloseEventLike>('ondisconnect')).toMatchObject({
      code: 4002,
      reason: 'session revoked: logged out',
    });
    expect(s.realtime.sessions.byUser(tablet.session.user_id!)).toHaveLength(1);

    const everywhere = await call(s.baseUrl, 'POST', '/v2/session/logout', {
      auth: bearer(tablet.session.token),
      body: {},
    });
    expect(everywhere.status).toBe(200);
    expect(await tablet.events.next<CloseEventLike>('ondisconnect')).toMatchObject({
      code: 4002,
      reason: 'session revoked: all sessions of the user were logged out',
    });
    expect(s.realtime.sessions.size).toBe(0);
  });

  it('single_socket: older sockets of the user get a -7 notification, then close with 4003', async () => {
    const s = await start();
    const old = await connectPlayer(s, players, { deviceId: 'device-single-01', status: true });
    const watcher = await connectPlayer(s, players);
    await watcher.socket.followUsers([old.session.user_id!]);
    const { token } = await deviceLogin(s.baseUrl, 'device-single-01');
    const fresh = await raw('&single_socket=true&status=true', {}, token);
    const note = await old.events.next<Notification>('onnotification');
    expect(note).toMatchObject({ code: -7, subject: 'single_socket', content: {} });
    expect(note.create_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(await old.events.next<CloseEventLike>('ondisconnect')).toMatchObject({
      code: 4003,
      reason: 'replaced by a newer connection of this user (single_socket)',
    });
    const [session] = s.realtime.sessions.byUser(old.session.user_id!);
    expect(session?.identity.tokenId).toBe(claimsOf(token).tid);
    // Followers see the swap in one event: the new socket's join and the old one's leave.
    const swap = await watcher.events.next<{ joins?: { session_id: string }[]; leaves?: unknown[] }>(
      'onstatuspresence',
    );
    expect(swap.joins?.map((p) => p.session_id)).toEqual([session!.id]);
    expect(swap.leaves).toHaveLength(1);
    expect(await fresh.request('1', { ping: {} })).toEqual({ cid: '1', pong: {} });
  });

  it('sends each reply before the pushes it causes, and pushes to one session in order', async () => {
    const s = await start();
    const watcher = await raw();
    const actor = await connectPlayer(s, players, { status: true });
    await actor.events.next('onstatuspresence'); // its own join at connect
    expect(
      await watcher.request('1', { status_follow: { user_ids: [actor.session.user_id] } }),
    ).toMatchObject({
      cid: '1',
      status: { presences: [{ status: '' }] },
    });

    // nakama-js: the update's promise has resolved (and its continuation run) before the push arrives.
    let replied = false;
    const pushSeenAfterReply = new Promise<boolean>((resolve) => {
      actor.socket.onstatuspresence = () => resolve(replied);
    });
    void actor.socket.updateStatus('one').then(() => {
      replied = true;
    });
    expect(await pushSeenAfterReply).toBe(true);

    // Many changes in a row: the watcher sees them in the order they were made. Changes handled in
    // the same event-loop turn are batched, so intermediate statuses may be skipped, never reordered.
    const statuses = ['two', 'three', 'four', 'five', 'six'];
    for (const status of statuses) void actor.socket.updateStatus(status);
    await watcher.next('status_presence_event', 0);
    const deadline = Date.now() + 5000;
    const joined = () =>
      watcher.received
        .filter((e) => 'status_presence_event' in e)
        .flatMap((e) => (e.status_presence_event as { joins?: { status: string }[] }).joins ?? [])
        .map((p) => p.status);
    while (joined().at(-1) !== 'six' && Date.now() < deadline) {
      await watcher.next('status_presence_event', watcher.received.length);
    }
    const order = ['one', ...statuses];
    const seen = joined();
    expect(seen[0]).toBe('one');
    expect(seen.at(-1)).toBe('six');
    expect(seen.map((x) => order.indexOf(x))).toEqual([...seen.map((x) => order.indexOf(x))].sort());

    // On one raw socket: reply, then the push it caused, even within one write.
    const self = await raw('&status=true');
    await self.next('status_presence_event'); // own join
    const from = self.received.length;
    self.send({ cid: '9', status_update: { status: 'later' } });
    await self.next('status_presence_event', from);
    const after = self.received.slice(from);
    expect(after[0]).toEqual({ cid: '9' });
    expect(after[1]).toMatchObject({ status_presence_event: { joins: [{ status: 'later' }] } });
  });

  it('closes every session with 1001 "server shutting down" on shutdown', async () => {
    const s = await start();
    const a = await connectPlayer(s, players);
    const r = await raw();
    await s.close();
    expect(await a.events.next<CloseEventLike>('ondisconnect')).toMatchObject({
      code: 1001,
      reason: 'server shutting down',
    });
    expect(await r.closed).toEqual({ code: 1001, reason: 'server shutting down' });
  });

  it('keeps a socket open past its token expiry by default, and closes it with 4001 when configured', async () => {
    // Tokens live 2 s: enough to log in and connect on a loaded machine, short enough to wait out.
    const lenient = await start({ tokenExpirySec: 2, socketPingPeriodMs: 100 });
    const { token } = await deviceLogin(lenient.baseUrl, 'device-expiry-01');
    const expiresAt = (claimsOf(token).exp as number) * 1000;
    const open = await raw('', {}, token);
    while (Date.now() < expiresAt + 200) await pings(open, 1);
    expect(await open.request('1', { ping: {} })).toEqual({ cid: '1', pong: {} });
    open.close();
    await lenient.stop();

    const strict = await start({ tokenExpirySec: 2, socketCloseOnTokenExpiry: true });
    const { token: second } = await deviceLogin(strict.baseUrl, 'device-expiry-02');
    const closing = await raw('', {}, second);
    expect(await closing.closed).toEqual({ code: 4001, reason: 'token expired' });
    expect(Date.now()).toBeGreaterThanOrEqual((claimsOf(second).exp as number) * 1000);
  });
});
