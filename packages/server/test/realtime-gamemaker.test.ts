import { afterEach, describe, expect, it } from 'vitest';
import type { TetherConfig } from '../src/config/config.ts';
import { GmTestClient, packet } from './gm-client.ts';
import { GmRealtimeClient } from './gm-realtime-client.ts';
import { startTestServer, type TestServer } from './helpers.ts';
import { claimsOf } from './http-client.ts';
import { connectPlayer, disconnectAll, type Player, type PresenceEventBody } from './realtime-helpers.ts';

/** UTF-8 of `text`, except that characters outside the BMP are CESU-8 (as GameMaker HTML5 writes them). */
function cesu8(text: string): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdfff) {
      parts.push(Buffer.from([0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)]));
    } else parts.push(Buffer.from(text[i]!, 'utf8'));
  }
  return Buffer.concat(parts);
}

describe('realtime over the GameMaker carriers', () => {
  let server: TestServer | undefined;
  const players: Player[] = [];
  const clients: GmRealtimeClient[] = [];
  afterEach(async () => {
    disconnectAll(players);
    for (const c of clients.splice(0)) c.destroy();
    await server?.stop();
    server = undefined;
  });

  async function start(overrides: Partial<TetherConfig> = {}): Promise<TestServer> {
    server = await startTestServer(overrides);
    return server;
  }

  async function tcp(): Promise<GmRealtimeClient> {
    const c = await GmRealtimeClient.tcp(server!.gm!.port);
    clients.push(c);
    return c;
  }

  async function gmWs(): Promise<GmRealtimeClient> {
    const c = await GmRealtimeClient.ws(`ws://127.0.0.1:${server!.http.port}/gm`);
    clients.push(c);
    return c;
  }

  it('TCP: authenticates with an HTTP token, then speaks envelopes with nakama-js users', async () => {
    const s = await start();
    const token = await GmRealtimeClient.token(s.baseUrl, 'gm-device-00001');
    const friend = await connectPlayer(s, players, { status: true });
    await friend.events.next('onstatuspresence'); // own join

    // Byte level first (GmTestClient checks the hello and ack bytes): the exact bytes a GML client
    // writes, buffer_string's NUL included, in one packet with network_send_packet's header.
    const bytes = await GmTestClient.tcp(s.gm!.port);
    bytes.sendRaw(packet(`{"cid":"1","authenticate":{"token":"${token}","status":true}}\0`));
    const first = await bytes.next(); // one packet: UTF-8 JSON without a terminator
    expect(first.at(-1)).not.toBe(0);
    const session = JSON.parse(first.toString('utf8'));
    const userId = claimsOf(token).uid as string;
    expect(session).toEqual({
      cid: '1',
      session: { session_id: expect.any(String), user_id: userId, username: claimsOf(token).usn },
    });
    expect(s.realtime.sessions.get(session.session.session_id)?.identity.lang).toBe('en');

    // With status=true it appears online, and (following its own user) hears its own join.
    expect(JSON.parse((await bytes.next()).toString('utf8'))).toMatchObject({
      status_presence_event: { joins: [{ session_id: session.session.session_id, status: '' }] },
    });
    bytes.sendRaw(packet('{"cid":"2","ping":{}}'));
    expect(JSON.parse((await bytes.next()).toString('utf8'))).toEqual({ cid: '2', pong: {} });

    // A second connection of the same user, at envelope level.
    const probe = await tcp();
    await probe.authenticate(token);
    expect(await probe.request('ping')).toEqual({ cid: '2', pong: {} });
    const follow = await probe.request('status_follow', { user_ids: [friend.session.user_id] });
    expect(follow).toMatchObject({ cid: '3', status: { presences: [{ user_id: friend.session.user_id }] } });
    await friend.socket.updateStatus('hello from js');
    await friend.events.next('onstatuspresence'); // its own change (every session follows its user)
    const push = await probe.nextPush('status_presence_event');
    expect(push.status_presence_event).toMatchObject({
      joins: [{ status: 'hello from js' }],
      leaves: [{ status: '' }],
    });

    // And the other way: nakama-js follows the GameMaker user and sees its status changes.
    const reply = await friend.socket.followUsers([userId]);
    expect(reply.presences?.map((p) => p.session_id)).toEqual([session.session.session_id]);
    expect(await probe.request('status_update', { status: 'from gml' })).toEqual({ cid: '4' });
    // probe itself did not appear online; the first GM session did, with status "".
    const event = await friend.events.next<PresenceEventBody>('onstatuspresence');
    expect(event.joins!.map((p) => p.status)).toEqual(['from gml']);
    bytes.destroy();
  });

  it('/gm WebSocket: the same handshake, authentication and envelopes', async () => {
    const s = await start();
    const gm = await gmWs();
    const token = await GmRealtimeClient.token(s.baseUrl);
    const session = await gm.authenticate(token, { lang: 'fr', single_socket: false });
    expect(session.user_id).toBe(claimsOf(token).uid);
    expect(s.realtime.sessions.get(session.session_id as string)?.identity.lang).toBe('fr');
    expect(await gm.request('ping')).toEqual({ cid: '2', pong: {} });
    expect(await gm.request('authenticate', { token })).toEqual({
      cid: '3',
      error: { code: 3, message: 'Already authenticated' },
    });
  });

  it('refuses anything but authenticate first, and bad tokens, with an error then a close', async () => {
    const s = await start();
    const early = await tcp();
    early.send({ cid: '7', ping: {} });
    expect(await early.waitFor((e) => e.cid === '7')).toEqual({
      cid: '7',
      error: {
        code: 3,
        message: 'Not authenticated: the first message must be {"authenticate":{"token":"<session token>"}}',
      },
    });
    expect(await early.nextPush('error')).toEqual({ error: { code: 1008, message: 'not authenticated' } });
    await early.ended;

    const bad = await tcp();
    bad.send({ cid: '1', authenticate: { token: 'not.a.token' } });
    const refused = await bad.waitFor((e) => e.cid === '1');
    expect(refused.error).toMatchObject({ code: 3, message: expect.stringMatching(/^Auth token invalid/) });
    const notice = await bad.nextPush('error');
    expect(notice.error).toMatchObject({
      code: 1008,
      message: expect.stringMatching(/^authentication failed: /),
    });

    const missing = await gmWs();
    missing.send({ cid: '1', authenticate: {} });
    expect((await missing.waitFor((e) => e.cid === '1')).error).toEqual({
      code: 3,
      message: 'Auth token required',
      context: { field: 'authenticate.token' },
    });
    expect(await missing.gm.closed).toEqual({ code: 1008, reason: 'not authenticated' });

    const junk = await gmWs();
    junk.send('{"cid":"1",');
    expect((await junk.waitFor((e) => 'error' in e)).error).toMatchObject({ code: 1 });
    expect((await junk.gm.closed).code).toBe(1008);
    expect(s.realtime.sessions.size).toBe(0);
  });

  it('closes a connection that does not authenticate in time', async () => {
    await start({ socketAuthTimeoutMs: 150 });
    const idle = await tcp();
    expect((await idle.nextPush('error')).error).toMatchObject({
      code: 3,
      message: expect.stringMatching(/^Authentication timeout: .* within 150 ms$/),
    });
    expect((await idle.nextPush('error')).error).toEqual({ code: 1008, message: 'authentication timeout' });
    await idle.ended;
  });

  it('handles envelopes sent right behind authenticate, in order, after the session reply', async () => {
    const s = await start();
    const token = await GmRealtimeClient.token(s.baseUrl);
    const gm = await tcp();
    gm.gm.sendRaw(
      Buffer.concat([
        packet(`{"cid":"1","authenticate":{"token":"${token}"}}\0`),
        packet('{"cid":"2","ping":{}}'),
        packet('{"cid":"3","status_update":{"status":"racing"}}\0'),
      ]),
    );
    await gm.waitFor((e) => e.cid === '3');
    const replies = gm.received.filter((e) => e.cid !== undefined);
    expect(replies.map((e) => e.cid)).toEqual(['1', '2', '3']);
    expect(replies[0]).toHaveProperty('session');
    expect(replies[1]).toEqual({ cid: '2', pong: {} });
    expect(s.realtime.status.presencesOf(claimsOf(token).uid as string).map((p) => p.status)).toEqual([
      'racing',
    ]);
  });

  it('decodes CESU-8 (GameMaker HTML5 emoji) and plain UTF-8 the same way', async () => {
    const s = await start();
    const token = await GmRealtimeClient.token(s.baseUrl);
    const watcher = await connectPlayer(s, players);
    const gm = await gmWs();
    const me = await gm.authenticate(token, { status: true });
    await watcher.socket.followUsers([me.user_id as string]);
    gm.gm.sendRaw(
      packet(Buffer.concat([cesu8('{"cid":"9","status_update":{"status":"gg 😀"}}'), Buffer.from([0])])),
    );
    expect(await gm.waitFor((e) => e.cid === '9')).toEqual({ cid: '9' });
    const event = await watcher.events.next<PresenceEventBody>('onstatuspresence');
    expect(event.joins!.map((p) => p.status)).toEqual(['gg 😀']);
    gm.nul = false;
    expect(await gm.request('status_update', { status: 'ok 🎮' })).toEqual({ cid: '2' });
    expect(s.realtime.status.presencesOf(me.user_id as string).map((p) => p.status)).toEqual(['ok 🎮']);
  });

  it('keeps a GameMaker client that sends ping envelopes, and closes a silent one with 1001', async () => {
    // GameMaker TCP has no protocol ping: the ping period only has to be below the pong wait.
    const s = await start({ socketPingPeriodMs: 200, socketPongWaitMs: 300 });
    const pinger = await tcp();
    const silent = await tcp();
    await pinger.authenticate(await GmRealtimeClient.token(s.baseUrl));
    await silent.authenticate(await GmRealtimeClient.token(s.baseUrl));
    const silentClosed = silent.nextPush('error', 3000);
    // Ping every 100 ms (the client's own interval) until the silent client has been closed, then
    // for three more pong-wait periods.
    const until = async (done: () => boolean) => {
      while (!done()) {
        expect(await pinger.request('ping')).toMatchObject({ pong: {} });
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    let closed = false;
    void silentClosed.then(() => {
      closed = true;
    });
    await until(() => closed);
    expect((await silentClosed).error).toEqual({ code: 1001, message: 'heartbeat timeout' });
    const start2 = Date.now();
    await until(() => Date.now() - start2 > 900);
    expect(s.realtime.sessions.size).toBe(1);
  });

  it('answers an oversized envelope with an error naming the limit, then a 1009 close notice', async () => {
    const s = await start({ socketMaxMessageBytes: 512 });
    const gm = await tcp();
    await gm.authenticate(await GmRealtimeClient.token(s.baseUrl));
    gm.send({ cid: '5', ping: { pad: 'x'.repeat(600) } });
    // The size is checked before the envelope is parsed; the cid is read from the start of the text.
    const tooLarge = await gm.waitFor((e) => e.cid === '5' && 'error' in e, 'the error reply');
    expect(tooLarge.error).toMatchObject({
      code: 3,
      message: expect.stringMatching(/^Message too large: \d+ bytes exceeds the limit of 512 bytes$/),
    });
    expect((await gm.nextPush('error')).error).toMatchObject({ code: 1009 });
  });
});
