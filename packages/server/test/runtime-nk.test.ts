/**
 * The `nk` functions that reach players: custom streams and notifications, called from RPCs of a
 * runtime module and received by the unmodified nakama-js 2.8.0 client; and the list of `nk`
 * functions in docs/runtime.md, which must name exactly those `nk` has.
 */
import { readFileSync } from 'node:fs';
import type { Notification, StreamData } from '@heroiclabs/nakama-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers.ts';
import { rejection } from './match-helpers.ts';
import {
  connectPlayer,
  disconnectAll,
  nakamaClient,
  type Player,
  type PresenceEventBody,
} from './realtime-helpers.ts';

const ROOM = { mode: 100, subject: 'radio' };

let server: TestServer;
const opened: Player[] = [];

beforeAll(async () => {
  server = await startTestServer();
  await server.runtime.run((initializer, nk) => {
    // The caller tunes in: its own user and socket session, from the RPC context.
    initializer.registerRpc('tune_in', (ctx) => String(nk.streamUserJoin(ctx.userId!, ctx.sessionId!, ROOM)));
    initializer.registerRpc('tune_out', (ctx) =>
      String(nk.streamUserLeave(ctx.userId!, ctx.sessionId!, ROOM)),
    );
    initializer.registerRpc('broadcast', (_ctx, payload) => {
      nk.streamSend(ROOM, payload);
      return JSON.stringify(nk.streamUserList(ROOM).map((p) => p.username));
    });
    initializer.registerRpc('steal', (ctx, sessionId) =>
      String(nk.streamUserJoin(ctx.userId!, sessionId, ROOM)),
    );
    initializer.registerRpc('notify', async (ctx, payload) => {
      await nk.notificationSend(ctx.userId!, 'reward', { coins: Number(payload) }, 101, null, true);
    });
  });
});
afterEach(() => disconnectAll(opened));
afterAll(() => server.stop());

describe('nk from a runtime module', () => {
  it('streamUserJoin/List/Send/Leave reach nakama-js as stream presence events and stream data', async () => {
    const a = await connectPlayer(server, opened, { username: `dj-${Date.now()}` });
    const b = await connectPlayer(server, opened, { username: `fan-${Date.now()}` });
    expect((await a.socket.rpc('tune_in')).payload).toBe('true');
    expect((await a.socket.rpc('tune_in')).payload).toBe('false');
    await b.socket.rpc('tune_in');
    const own = await a.events.next<PresenceEventBody>('onstreampresence');
    expect(own.stream).toEqual(ROOM);
    const names = JSON.parse((await a.socket.rpc('broadcast', 'hello listeners')).payload!) as string[];
    expect(names).toEqual([a.session.username, b.session.username]);
    expect(await b.events.next<StreamData>('onstreamdata')).toMatchObject({
      stream: ROOM,
      data: 'hello listeners',
    });
    expect((await b.socket.rpc('tune_out')).payload).toBe('true');
  });

  it('refuse a session of another user', async () => {
    const a = await connectPlayer(server, opened);
    const b = await connectPlayer(server, opened);
    const [bSession] = server.realtime.sessions.byUser(b.session.user_id!);
    expect(await rejection(a.socket.rpc('steal', bSession!.id))).toEqual({
      code: 7,
      message: `Session ${bSession!.id} does not belong to user ${a.session.user_id}`,
    });
  });

  it('notificationSend reaches the user live and is listed when persistent', async () => {
    const a = await connectPlayer(server, opened);
    await a.socket.rpc('notify', '25');
    const n = await a.events.next<Notification>('onnotification');
    expect(n).toMatchObject({ subject: 'reward', content: { coins: 25 }, code: 101, persistent: true });
    const listed = await nakamaClient(server).listNotifications(a.session, 10);
    expect(listed.notifications?.map((x) => [x.subject, x.content])).toEqual([['reward', { coins: 25 }]]);
  });
});

describe('the nk functions docs/runtime.md lists', () => {
  it('are exactly the functions nk has', () => {
    const doc = readFileSync(new URL('../../../docs/runtime.md', import.meta.url), 'utf8');
    const start = doc.indexOf("## `nk` beside Nakama's");
    const end = doc.indexOf("Nakama's that Tether does not have", start);
    expect(start).toBeGreaterThan(0);
    const section = doc.slice(start, end);
    const listed = [...section.matchAll(/`([a-zA-Z]+)`/g)].map((m) => m[1]).filter((n) => n !== 'nk');
    const have = Object.keys(server.runtime.nk);
    expect(listed.sort()).toEqual(have.sort());
    expect(section).toContain(`Tether's \`nk\` has these ${have.length},`);
  });
});
