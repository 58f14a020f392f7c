/**
 * The SDK on Tether's server-side session resume: a connection reset under traffic gets the same
 * session back (no re-join, nothing lost or repeated, no leave seen by others); when the server
 * cannot give it back (its buffer overflowed) the SDK falls back to re-joining and says why.
 */

import { afterEach, describe, expect, it } from 'vitest';
import {
  gameMakerTcpCarrier,
  nodeGameMakerWebSocketCarrier,
  nodeWebSocketCarrier,
  type RealtimeEvent,
  type RealtimeSocket,
} from '../src/node.ts';
import { protobufCodec } from '../src/protobuf.ts';
import { connectedPlayer, RestartableServer, TcpProxy, until } from './realtime-helpers.ts';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

function track(socket: RealtimeSocket): RealtimeSocket {
  cleanup.push(() => socket.disconnect());
  return socket;
}

/** Every `seq` in the chat messages and match data `socket` has queued, until `n` of each arrived. */
async function collect(
  socket: RealtimeSocket,
  n: number,
): Promise<{ chat: number[]; data: number[]; others: RealtimeEvent[] }> {
  const chat: number[] = [];
  const data: number[] = [];
  const others: RealtimeEvent[] = [];
  while (chat.length < n || data.length < n) {
    const event = await until(socket, 'channel_message', () => true, 10_000).catch(() => undefined);
    if (!event) break;
    for (const e of [...event.skipped, event]) {
      if (e.type === 'channel_message') chat.push((JSON.parse(e.body.content) as { seq: number }).seq);
      else if (e.type === 'match_data') data.push(JSON.parse(new TextDecoder().decode(e.body.data)).seq);
      else others.push(e);
    }
  }
  return { chat, data, others };
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('server-side session resume in the SDK', () => {
  for (const carrier of ['ws', 'ws-protobuf', 'gm-tcp', 'gm-ws'] as const) {
    it(`gets the same session back after a reset under traffic (${carrier})`, async () => {
      const host = new RestartableServer({ socketRatePerSecond: 100_000, socketRateBurst: 100_000 });
      cleanup.push(() => host.dispose());
      const server = await host.start();
      const proxy = await TcpProxy.start(carrier === 'gm-tcp' ? server.gm!.port : server.http.port);
      cleanup.push(() => proxy.close());
      const carriers = {
        ws: { port: proxy.port },
        'ws-protobuf': { port: proxy.port, carrier: nodeWebSocketCarrier({ codec: protobufCodec }) },
        'gm-ws': { port: proxy.port, carrier: nodeGameMakerWebSocketCarrier() },
        'gm-tcp': { carrier: gameMakerTcpCarrier({ port: proxy.port }) },
      };
      const viaProxy = carriers[carrier];
      const ann = await connectedPlayer(server, 'ann', viaProxy);
      const bob = await connectedPlayer(server, 'bob');
      track(ann.socket);
      track(bob.socket);
      const room = await ann.socket.joinChat('resume-sdk');
      await bob.socket.joinChat('resume-sdk');
      const match = await bob.socket.createMatch();
      const joined = await ann.socket.joinMatch(match.match_id);
      const annSession = joined.self.session_id;
      const leaves: string[] = [];
      bob.socket.on('channel_presence_event', (e) => {
        for (const p of e.body.leaves ?? []) leaves.push(p.session_id);
      });
      bob.socket.on('match_presence_event', (e) => {
        for (const p of e.body.leaves ?? []) leaves.push(p.session_id);
      });

      const N = 200;
      let cut = false;
      for (let seq = 0; seq < N; seq++) {
        bob.socket.sendMatchData(match.match_id, 1, JSON.stringify({ seq }));
        await bob.socket.writeChatMessage(room.id, { seq });
        if (seq === N / 4) {
          proxy.cut();
          cut = true;
        }
      }
      expect(cut).toBe(true);
      const got = await collect(ann.socket, N);
      expect(got.chat).toEqual(range(N));
      expect(got.data).toEqual(range(N));
      expect(leaves).not.toContain(annSession);
      expect(server.realtime.lifecycle.held).toBe(0);
      // One reconnect, and nothing was re-joined: the server kept the session.
      const reconnects = got.others.filter((e) => e.type === 'reconnected');
      expect(reconnects).toMatchObject([{ sessionResumed: true, resumed: [], failed: [] }]);
    });
  }

  it('reports the reconnect as a server resume, and falls back to re-joining after an overflow', async () => {
    const host = new RestartableServer({ sessionResumeGraceSec: 600, sessionResumeBufferMessages: 5 });
    cleanup.push(() => host.dispose());
    const server = await host.start();
    const proxy = await TcpProxy.start(server.http.port);
    cleanup.push(() => proxy.close());
    const ann = await connectedPlayer(server, 'ann', { port: proxy.port });
    const bob = await connectedPlayer(server, 'bob');
    track(ann.socket);
    track(bob.socket);
    const room = await ann.socket.joinChat('overflow-sdk');
    await bob.socket.joinChat('overflow-sdk');

    proxy.cut();
    const back = await until(ann.socket, 'reconnected');
    expect(back).toMatchObject({ sessionResumed: true, resumed: [], failed: [] });

    // Hold the connection silent, then overflow the held session's buffer.
    proxy.freeze();
    proxy.cut();
    await until(ann.socket, 'disconnected');
    for (let seq = 0; seq < 10; seq++) await bob.socket.writeChatMessage(room.id, { seq });
    proxy.restore();
    const again = await until(ann.socket, 'reconnected');
    expect(again).toMatchObject({ sessionResumed: false, resumeFailure: 'overflow' });
    expect(again.resumed).toContainEqual(expect.objectContaining({ kind: 'channel' }));
    await bob.socket.writeChatMessage(room.id, { seq: 'after' });
    const after = await until(ann.socket, 'channel_message', (e) => e.body.content.includes('after'));
    expect(after.body.channel_id).toBe(room.id);
  });
});
