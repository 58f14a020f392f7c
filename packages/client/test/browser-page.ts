/**
 * Page script for browser.test.ts, bundled by esbuild for the browser. It plays a tiny "game": a frame
 * loop that drains the socket's event queue, sends a framed packet and a text frame once connected,
 * and publishes what it saw on `window.__tetherResult` when the server disconnects it.
 */

import { createSocket, GmBuffer } from '../src/index.ts';

/** What the page reports back to the test. */
export interface BrowserResult {
  log: string[];
  disconnect?: { code: number; reason: string; wasClean: boolean };
  lastError: string;
  /** The `non_blocking_connect` of a second socket aimed at a port where nothing listens. */
  refused?: { succeeded: number; error: string; lastError: string };
}

declare global {
  interface Window {
    __tetherResult?: BrowserResult;
  }
}

const params = new URLSearchParams(location.search);
const socket = createSocket({ type: 'ws', connectTimeoutMs: 3000 });
socket.connect(`ws://127.0.0.1:${Number(params.get('port'))}/gm`);
const probe = createSocket({ type: 'ws', connectTimeoutMs: 3000 });
probe.connect('127.0.0.1', Number(params.get('closedPort')));
const log: string[] = [];
let refused: BrowserResult['refused'];
let finished: Omit<BrowserResult, 'refused'> | undefined;

function frame(): void {
  for (const event of probe.poll()) {
    if (event.type === 'non_blocking_connect') {
      refused = { succeeded: event.succeeded, error: event.error ?? '', lastError: probe.lastError() };
    }
  }
  if (!finished) drainMain();
  if (finished && refused) {
    window.__tetherResult = { ...finished, refused };
    return;
  }
  // setTimeout rather than requestAnimationFrame: headless pages may throttle animation frames.
  setTimeout(frame, 16);
}

function drainMain(): void {
  for (const event of socket.poll()) {
    switch (event.type) {
      case 'non_blocking_connect': {
        log.push(`connect:${event.succeeded}${event.error ? `:${event.error}` : ''}`);
        if (event.succeeded) {
          const packet = new GmBuffer(32).writeU8(1).writeString('hello from browser');
          log.push(`sent-packet:${socket.sendPacket(packet, packet.tell())}`);
          log.push(`sent-text:${socket.sendRaw('text from browser')}`);
        }
        break;
      }
      case 'data':
        if (event.messageType === 'text') log.push(`text:${event.data}`);
        else log.push(`packet:${event.buffer.readU8()}:${event.buffer.readString()}`);
        break;
      case 'error':
        log.push(`error:${event.error}`);
        break;
      case 'disconnect':
        log.push('disconnect');
        finished = {
          log,
          disconnect: { code: event.code, reason: event.reason, wasClean: event.wasClean },
          lastError: socket.lastError(),
        };
        return;
      case 'connect':
        break;
    }
  }
  if (socket.isClosed()) finished = { log, lastError: socket.lastError() };
}
frame();
