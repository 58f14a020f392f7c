/**
 * Reconnection and resume against real servers: a server restart on the same data folder and ports,
 * a silent network (a frozen proxy) found by the heartbeat, a session refreshed before reconnecting,
 * and a refused refresh that stops the socket with a clear error.
 */

import { afterEach, describe, expect, it } from 'vitest';
import {
  createRealtimeSocket,
  RealtimeFailure,
  type RealtimeSocket,
  type ResumeFailure,
  Session,
} from '../src/node.ts';
import {
  clientFor,
  connectedPlayer,
  deviceId,
  FAST,
  RestartableServer,
  TcpProxy,
  until,
} from './realtime-helpers.ts';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

function track(socket: RealtimeSocket): RealtimeSocket {
  cleanup.push(() => socket.disconnect());
  return socket;
}

const kinds = (items: readonly { kind: string }[]) => items.map((i) => i.kind).sort();
const failureOf = (failed: readonly ResumeFailure[], kind: string) =>
  failed.find((f) => f.item.kind === kind);

describe('reconnect and resume', () => {
  it('survives a server restart: reconnects, resumes chat, a named match, status and follows, and talks again', async () => {
    const host = new RestartableServer();
    cleanup.push(() => host.dispose());
    const server = await host.start();
    const ann = await connectedPlayer(server, 'ann');
    const bob = await connectedPlayer(server, 'bob');
    track(ann.socket);
    track(bob.socket);

    const lobby = await ann.socket.joinChat('lobby', 1, { persistence: false });
    await bob.socket.joinChat('lobby');
    const arena = await ann.socket.createMatch('arena');
    const joined = await bob.socket.createMatch('arena'); // the same name: the same relayed match
    expect(joined.match_id).toBe(arena.match_id);
    const solo = await ann.socket.createMatch(); // unnamed: gone for good with the server
    const party = await ann.socket.createParty(true, 4);
    const ticket = await ann.socket.addMatchmaker({ query: '*', minCount: 2, maxCount: 2 });
    await ann.socket.followUsers([bob.session.userId]);
    await ann.socket.updateStatus('waiting');

    await host.stop();
    await host.start(); // same ports, same SQLite file: the tokens still verify
    for (const p of [ann, bob]) {
      const down = await until(p.socket, 'disconnected');
      expect(down).toMatchObject({ code: 1001, reason: 'server restarting', willReconnect: true });
    }
    const annBack = await until(ann.socket, 'reconnected');
    const bobBack = await until(bob.socket, 'reconnected');
    expect(annBack.skipped.some((e) => e.type === 'reconnecting')).toBe(true);
    expect(kinds(annBack.resumed)).toEqual(['channel', 'follows', 'match', 'status']);
    expect(annBack.resumed).toContainEqual({ kind: 'match', matchId: arena.match_id, name: 'arena' });
    expect(annBack.resumed).toContainEqual({
      kind: 'channel',
      channelId: lobby.id,
      target: 'lobby',
      channelType: 1,
    });
    expect(kinds(annBack.failed.map((f) => f.item))).toEqual(['match', 'matchmaker', 'party']);
    expect(failureOf(annBack.failed, 'match')).toMatchObject({
      item: { matchId: solo.match_id },
      error: { code: 4, message: 'Match not found' },
    });
    expect(failureOf(annBack.failed, 'party')?.item).toEqual({ kind: 'party', partyId: party.party_id });
    expect(failureOf(annBack.failed, 'party')?.error.message).toMatch(/party not found/);
    expect(failureOf(annBack.failed, 'matchmaker')).toMatchObject({
      item: { ticket: ticket.ticket },
      error: { code: RealtimeFailure.NOT_RESUMABLE },
    });
    expect(kinds(bobBack.resumed)).toEqual(['channel', 'match']);

    // Both are back in the room and the match: messages flow again.
    await ann.socket.writeChatMessage(lobby.id, { text: 'still here?' });
    const chat = await until(bob.socket, 'channel_message');
    expect(chat.body.content).toBe('{"text":"still here?"}');
    expect(ann.socket.sendMatchData(arena.match_id, 3, 'after restart')).toBe(true);
    const data = await until(bob.socket, 'match_data');
    expect(new TextDecoder().decode(data.body.data)).toBe('after restart');
    bob.socket.sendMatchData(arena.match_id, 4, new Uint8Array([4, 2]));
    expect([...(await until(ann.socket, 'match_data')).body.data]).toEqual([4, 2]);
    // Ann's follow was re-applied: Bob's new status reaches her.
    await bob.socket.updateStatus('back');
    await until(ann.socket, 'status_presence_event', (e) => !!e.body.joins?.some((j) => j.status === 'back'));
    expect(ann.socket.state).toBe('open');
  });

  it('finds a silent network with the heartbeat, queues requests meanwhile, and re-joins by id without server resume', async () => {
    const host = new RestartableServer();
    cleanup.push(() => host.dispose());
    const server = await host.start();
    const proxy = await TcpProxy.start(server.http.port);
    cleanup.push(() => proxy.close());
    const viaProxy = {
      port: proxy.port,
      heartbeat: { intervalMs: 200, timeoutMs: 400 },
      connectTimeoutMs: 500,
      // The re-join path (what a server without the resume extension needs).
      serverResume: false,
    };
    const ann = await connectedPlayer(server, 'ann', viaProxy);
    const bob = await connectedPlayer(server, 'bob');
    track(ann.socket);
    track(bob.socket);
    const match = await bob.socket.createMatch();
    await ann.socket.joinMatch(match.match_id, { team: 'red' });
    const room = await ann.socket.joinChat('watchers');
    await bob.socket.joinChat('watchers');

    proxy.freeze(); // nothing passes, nothing closes
    const down = await until(ann.socket, 'disconnected');
    expect(down).toMatchObject({ code: 1006, willReconnect: true });
    expect(down.reason).toMatch(/^heartbeat timeout/);
    // Attempts through the frozen proxy time out, with backoff.
    await until(ann.socket, 'reconnecting', (e) => e.attempt >= 2);
    const queued = ann.socket.writeChatMessage(room.id, { text: 'sent while offline' });
    expect(ann.socket.pendingRequests).toBe(1);
    proxy.restore();
    const back = await until(ann.socket, 'reconnected');
    expect(back.failed).toEqual([]);
    expect(back.sessionResumed).toBe(false);
    expect(back.resumed).toContainEqual({ kind: 'match', matchId: match.match_id, name: undefined });
    // The queued message went out after the channel was re-joined.
    expect((await queued).channel_id).toBe(room.id);
    const chat = await until(bob.socket, 'channel_message', (e) => e.body.content.includes('offline'));
    expect(chat.body.sender_id).toBe(ann.session.userId);
    ann.socket.sendMatchData(match.match_id, 9, 'hello again');
    const data = await until(bob.socket, 'match_data');
    expect(data.body).toMatchObject({ op_code: 9 });
  });

  it('refreshes a session that is about to expire before connecting and before reconnecting', async () => {
    const host = new RestartableServer({ tokenExpirySec: 30 });
    cleanup.push(() => host.dispose());
    const server = await host.start();
    const client = clientFor(server);
    const session = await client.authenticateDevice(deviceId('refresh'));
    // Tokens live 30 s, less than refreshBeforeExpiryMs: every (re)connect refreshes first.
    const reconnect = { ...FAST.reconnect, refreshBeforeExpiryMs: 60_000 };
    const socket = track(createRealtimeSocket(client, session, { ...FAST, reconnect }));
    await socket.connect();
    const first = await until(socket, 'connected');
    expect(first.skipped.map((e) => e.type)).toEqual(['session_refreshed']);
    await host.stop();
    await host.start();
    const refreshed = await until(socket, 'session_refreshed');
    expect(refreshed.session.userId).toBe(session.userId);
    expect(refreshed.session.tokenId).toBe(session.tokenId);
    await until(socket, 'reconnected');
    expect(socket.session).toBe(refreshed.session);
  });

  it('on 4001 (token expired) refreshes and reconnects; a refused refresh stops with SESSION_EXPIRED', async () => {
    const host = new RestartableServer({ tokenExpirySec: 2, socketCloseOnTokenExpiry: true });
    cleanup.push(() => host.dispose());
    const server = await host.start();
    const client = clientFor(server);
    const session = await client.authenticateDevice(deviceId('expiry'));
    const noEarlyRefresh = { ...FAST, reconnect: { ...FAST.reconnect, refreshBeforeExpiryMs: 0 } };
    const good = track(createRealtimeSocket(client, session, noEarlyRefresh));
    await good.connect();
    const room = await good.joinChat('expiring');
    // A refresh token with a broken signature: the server refuses it with 401.
    const bad = Session.restore(session.token, `${session.refreshToken.slice(0, -6)}AAAAAA`);
    const doomed = track(createRealtimeSocket(client, bad, noEarlyRefresh));
    await doomed.connect();

    const expired = await until(good, 'disconnected');
    expect(expired).toMatchObject({ code: 4001, reason: 'token expired', willReconnect: true });
    await until(good, 'session_refreshed');
    const back = await until(good, 'reconnected');
    expect(back.resumed).toContainEqual({
      kind: 'channel',
      channelId: room.id,
      target: 'expiring',
      channelType: 1,
    });

    expect(await until(doomed, 'disconnected')).toMatchObject({ code: 4001, willReconnect: true });
    const fatal = await until(doomed, 'error');
    expect(fatal).toMatchObject({ code: 'SESSION_EXPIRED', fatal: true });
    expect(fatal.message).toMatch(/^session refresh refused \(401: .+\); log in again$/);
    const final = await until(doomed, 'disconnected');
    expect(final).toMatchObject({ willReconnect: false });
    expect(doomed.state).toBe('closed');
    expect(doomed.hasEvent()).toBe(false);
  });
});
