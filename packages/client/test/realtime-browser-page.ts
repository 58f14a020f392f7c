/**
 * Page script for realtime-browser.test.ts, bundled by esbuild for the browser. A tiny chat "game":
 * log in over HTTP, open the realtime socket, join a room, send a message, and read everything from the
 * event queue in a frame loop until its own message and a reply from the test have arrived.
 */

import { createRealtimeSocket, TetherClient } from '../src/index.ts';

/** What the page reports back to the test. */
export interface RealtimePageResult {
  log: string[];
  userId: string;
  error?: string;
}

declare global {
  interface Window {
    __tetherRealtime?: RealtimePageResult;
    __tetherUserId?: string;
  }
}

const params = new URLSearchParams(location.search);
const room = params.get('room') ?? 'browser-room';
const client = new TetherClient({ host: '127.0.0.1', port: Number(params.get('port')), timeoutMs: 5000 });
const log: string[] = [];

async function main(): Promise<void> {
  const session = await client.authenticateDevice(`browser-${Math.random().toString(36).slice(2)}-device`, {
    username: `browser${Date.now() % 1e6}`,
  });
  window.__tetherUserId = session.userId;
  const socket = createRealtimeSocket(client, session, { heartbeat: { intervalMs: 1000, timeoutMs: 2000 } });
  await socket.connect();
  const channel = await socket.joinChat(room);
  const ack = await socket.writeChatMessage(channel.id, { text: 'from browser' });
  log.push(`ack:${ack.code}`);

  // The game loop: drain the queue once per frame.
  const frame = () => {
    for (const event of socket.poll()) {
      if (event.type === 'connected') log.push(`connected:${event.carrier}`);
      else if (event.type === 'channel_message')
        log.push(
          `message:${event.body.username === session.username ? 'me' : 'other'}:${event.body.content}`,
        );
      else if (event.type === 'error' || event.type === 'disconnected')
        log.push(`${event.type}:${JSON.stringify(event)}`);
    }
    if (log.some((l) => l.startsWith('message:other:'))) {
      socket.disconnect();
      window.__tetherRealtime = { log, userId: session.userId };
      return;
    }
    setTimeout(frame, 16);
  };
  frame();
}

main().catch((err: unknown) => {
  window.__tetherRealtime = {
    log,
    userId: '',
    error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
  };
});
