/**
 * Runs the browser entry point in a real Chromium: the page script is bundled for the browser with
 * esbuild, served over HTTP, and talks GameMaker framing to a `ws` server, all on 127.0.0.1:0.
 */

import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { encodeGmPacket } from '@tether/protocol';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserResult } from './browser-page.ts';
import {
  bundlePage,
  CHROMIUM,
  chromiumTestsRun,
  closePageServer,
  launchChromium,
  servePage,
} from './chromium.ts';
import { bytesOf, closedPort, startWsServer, type TestServer } from './helpers.ts';

const runChromium = chromiumTestsRun('browser.test');

let bundle = '';
let inputs: string[] = [];

beforeAll(async () => {
  ({ bundle, inputs } = await bundlePage(new URL('./browser-page.ts', import.meta.url)));
});

describe('browser bundle', () => {
  it('contains the client and no Node-only module', () => {
    expect(bundle.length).toBeGreaterThan(1000);
    expect(inputs.some((i) => i.endsWith('packages/client/src/index.ts'))).toBe(true);
    expect(inputs.some((i) => i.endsWith('packages/client/src/socket.ts'))).toBe(true);
    expect(inputs.filter((i) => i.startsWith('node:') || i.includes('node_modules/ws/'))).toEqual([]);
    expect(bundle).not.toMatch(/["']node:[a-z]/);
    expect(bundle).not.toMatch(/\brequire\(/);
  });
});

describe.skipIf(!runChromium)('browser (Chromium)', () => {
  let browser: Browser | undefined;
  let http: Server | undefined;
  let ws: TestServer | undefined;

  afterAll(async () => {
    await browser?.close();
    await ws?.close();
    await closePageServer(http);
  });

  it('connects, exchanges framed and text messages through the event queue, and sees the disconnect', async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} must be installed when CI=true`).toBe(true);

    const server = await startWsServer({ path: '/gm' });
    ws = server;
    const served = await servePage(bundle);
    http = served.http;

    browser = await launchChromium();
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`http://127.0.0.1:${served.port}/?port=${server.port}&closedPort=${await closedPort()}`);

    // Server side of the conversation: handshake, read the page's packet and text, answer, hang up.
    const peer = await server.peers.next();
    expect(await peer.ready).toBe(0); // the client sends game id 0 by default, like the HTML5 runtime
    const packet = (await peer.inbox.next()) as Uint8Array;
    expect(packet[0]).toBe(1);
    expect(new TextDecoder().decode(packet.subarray(1))).toBe('hello from browser\0');
    expect(await peer.inbox.next()).toBe('text from browser');
    const reply = (text: string) => encodeGmPacket(new Uint8Array([2, ...bytesOf(text), 0]));
    // Two GameMaker packets in one WebSocket message, then a text frame, then a close.
    peer.sendRaw(new Uint8Array([...reply('hello from server'), ...reply('second packet')]));
    peer.sendRaw('text from server');
    peer.close(4000, 'test over');

    await page.waitForFunction(() => window.__tetherResult !== undefined, null, { timeout: 10_000 });
    const result = (await page.evaluate(() => window.__tetherResult)) as BrowserResult;
    expect(pageErrors).toEqual([]);
    expect(result.log).toEqual([
      'connect:1',
      `sent-packet:${12 + 1 + 19}`,
      'sent-text:17',
      'packet:2:hello from server',
      'packet:2:second packet',
      'text:text from server',
      'disconnect',
    ]);
    expect(result.disconnect).toEqual({ code: 4000, reason: 'test over', wasClean: true });
    expect(result.lastError).toBe('');
    // Browsers give no detail on a failed WebSocket; the client still reports a real message.
    expect(result.refused).toMatchObject({ succeeded: 0 });
    expect(result.refused?.error).toMatch(/^WebSocket connection to ws:\/\/127\.0\.0\.1:\d+\/ failed/);
    expect(result.refused?.lastError).toBe(result.refused?.error);
  });
});
