/**
 * The realtime socket over the GameMaker carriers (TCP on --gm-port and WebSocket at /gm): the
 * `authenticate` first envelope, talking with a `/ws` client, close notices turned into close codes,
 * and reconnection over TCP after a server restart.
 */

import { afterEach, describe, expect, it } from 'vitest';
import {
  createRealtimeSocket,
  gameMakerTcpCarrier,
  nodeGameMakerWebSocketCarrier,
  RealtimeFailure,
  type RealtimeSocket,
  Session,
} from '../src/node.ts';
import { clientFor, connectedPlayer, deviceId, FAST, RestartableServer, until } from './realtime-helpers.ts';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function gmPlayer(host: RestartableServer, label: string, kind: 'tcp' | 'ws' = 'tcp') {
  const client = clientFor(host.server);
  const session = await client.authenticateDevice(deviceId(label), {
    username: `${label}${Date.now() % 1e6}`,
  });
  const carrier =
    kind === 'tcp' ? gameMakerTcpCarrier({ port: host.server.gm!.port }) : nodeGameMakerWebSocketCarrier();
  const socket: RealtimeSocket = createRealtimeSocket(client, session, {
    ...FAST,
    carrier,
    appearOnline: true,
  });
  cleanup.push(() => socket.disconnect());
  await socket.connect();
  return { client, session, socket };
}

describe('realtime over GameMaker carriers', () => {
  it('authenticates with the first envelope over TCP and /gm, and talks with a /ws client', async () => {
    const host = new RestartableServer();
    cleanup.push(() => host.dispose());
    await host.start();
    const gm = await gmPlayer(host, 'gmtcp');
    const connected = await until(gm.socket, 'connected');
    expect(connected.carrier).toBe('gm-tcp');
    expect(connected.session).toMatchObject({ user_id: gm.session.userId, username: gm.session.username });
    expect(gm.socket.sessionInfo?.session_id).toMatch(/^[0-9a-f-]{36}$/);
    const web = await gmPlayer(host, 'gmws', 'ws');
    expect((await until(web.socket, 'connected')).carrier).toBe('gm-ws');
    const ws = await connectedPlayer(host.server, 'plain');
    cleanup.push(() => ws.socket.disconnect());

    const room = await gm.socket.joinChat('gm-room');
    await web.socket.joinChat('gm-room');
    await ws.socket.joinChat('gm-room');
    await ws.socket.writeChatMessage(room.id, { from: 'ws' });
    expect((await until(gm.socket, 'channel_message')).body.content).toBe('{"from":"ws"}');
    expect((await until(web.socket, 'channel_message')).body.content).toBe('{"from":"ws"}');

    const match = await gm.socket.createMatch();
    await ws.socket.joinMatch(match.match_id);
    ws.socket.sendMatchData(match.match_id, 0, new Uint8Array([0, 128, 255]));
    const data = await until(gm.socket, 'match_data');
    expect(data.body.op_code).toBe(0);
    expect([...data.body.data]).toEqual([0, 128, 255]);
    gm.socket.sendMatchData(match.match_id, 12, 'émoji ✓');
    expect(new TextDecoder().decode((await until(ws.socket, 'match_data')).body.data)).toBe('émoji ✓');
    expect(await gm.socket.ping()).toBeGreaterThanOrEqual(0);
  });

  it('reads close codes from the TCP close notice: 1001 on restart (reconnects), 4002 on logout (stops)', async () => {
    const host = new RestartableServer();
    cleanup.push(() => host.dispose());
    await host.start();
    const gm = await gmPlayer(host, 'notice');
    const room = await gm.socket.joinChat('notice-room');
    await host.stop();
    await host.start(); // the same --gm-port
    const down = await until(gm.socket, 'disconnected');
    expect(down).toMatchObject({ code: 1001, reason: 'server restarting', willReconnect: true });
    const back = await until(gm.socket, 'reconnected');
    expect(back.resumed).toContainEqual({
      kind: 'channel',
      channelId: room.id,
      target: 'notice-room',
      channelType: 1,
    });
    expect(gm.socket.sessionInfo?.user_id).toBe(gm.session.userId);

    await gm.client.sessionLogout(gm.socket.session);
    const out = await until(gm.socket, 'disconnected');
    expect(out).toMatchObject({ code: 4002, willReconnect: false });
    expect(out.reason).toMatch(/logged out/);
    expect(gm.socket.state).toBe('closed');
  });

  it('reports a refused token as SESSION_EXPIRED with the server reason', async () => {
    const host = new RestartableServer();
    cleanup.push(() => host.dispose());
    await host.start();
    const client = clientFor(host.server);
    const session = await client.authenticateDevice(deviceId('revoked'));
    await client.sessionLogout(session);
    // No refresh token to try: the refusal is final at once.
    const stale = Session.restore(session.token, '');
    const socket = createRealtimeSocket(client, stale, {
      ...FAST,
      carrier: gameMakerTcpCarrier({ port: host.server.gm!.port }),
    });
    const err = await socket.connect().then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err).toMatchObject({ code: RealtimeFailure.SESSION_EXPIRED });
    expect(err?.message).toMatch(/authentication failed: Auth token revoked/);
  });
});
