/**
 * Page script for realtime-browser.test.ts (resume), bundled by esbuild for the browser: the realtime
 * client on Nakama's protobuf format, through a proxy that the test cuts. It logs in, opens the socket
 * (`protobufWebSocketCarrier`, the browser's own WebSocket), joins a room and reads the event queue in
 * a frame loop until `count` chat messages from the test have arrived, logging the connection events.
 */

import { createRealtimeSocket, TetherClient } from '../src/index.ts';
import { protobufWebSocketCarrier } from '../src/protobuf.ts';

/** What the page reports back to the test. */
export interface ResumePageResult {
  /** Connection events in order: `connected:<carrier>`, `disconnected:<willReconnect>`, `reconnected:…`. */
  log: string[];
  /** The `seq` of every chat message from the other player, in arrival order. */
  seqs: number[];
  error?: string;
}

declare global {
  interface Window {
    __tetherResume?: ResumePageResult;
    /** The room's channel id, once joined. */
    __tetherResumeChannel?: string;
  }
}

const params = new URLSearchParams(location.search);
const client = new TetherClient({ host: '127.0.0.1', port: Number(params.get('port')), timeoutMs: 5000 });
const count = Number(params.get('count'));
const log: string[] = [];
const seqs: number[] = [];

async function main(): Promise<void> {
  const session = await client.authenticateDevice(`browser-${Math.random().toString(36).slice(2)}-device`, {
    username: `pb${Date.now() % 1e6}`,
  });
  const socket = createRealtimeSocket(client, session, {
    carrier: protobufWebSocketCarrier(),
    port: Number(params.get('wsPort')),
    heartbeat: { intervalMs: 1000, timeoutMs: 2000 },
  });
  await socket.connect();
  const channel = await socket.joinChat(params.get('room') ?? 'resume-room');
  window.__tetherResumeChannel = channel.id;

  const frame = () => {
    for (const event of socket.poll()) {
      if (event.type === 'connected') log.push(`connected:${event.carrier}`);
      else if (event.type === 'disconnected') log.push(`disconnected:${event.willReconnect}`);
      else if (event.type === 'reconnected')
        log.push(`reconnected:${event.sessionResumed}:${event.resumed.length}:${event.failed.length}`);
      else if (event.type === 'channel_message' && event.body.username !== session.username)
        seqs.push((JSON.parse(event.body.content) as { seq: number }).seq);
      else if (event.type === 'error') log.push(`error:${JSON.stringify(event)}`);
    }
    if (seqs.length >= count) {
      socket.disconnect();
      window.__tetherResume = { log, seqs };
      return;
    }
    setTimeout(frame, 16);
  };
  frame();
}

main().catch((err: unknown) => {
  window.__tetherResume = {
    log,
    seqs,
    error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
  };
});
