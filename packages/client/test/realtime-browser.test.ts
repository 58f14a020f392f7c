/**
 * The realtime client in a real Chromium against a real Tether server: the page (bundled for the
 * browser with esbuild, no Node modules) logs in with fetch, opens the `/ws` socket with the browser's
 * own WebSocket, joins a chat room, and sends and receives messages through the event queue, talking
 * with a Node client in the same room.
 */

import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bundlePage,
  CHROMIUM,
  chromiumTestsRun,
  closePageServer,
  launchChromium,
  servePage,
} from './chromium.ts';
import type { RealtimePageResult } from './realtime-browser-page.ts';
import { connectedPlayer, startTestServer, type TestServer, until } from './realtime-helpers.ts';

const runChromium = chromiumTestsRun('realtime-browser.test');

let bundle = '';
let inputs: string[] = [];

beforeAll(async () => {
  ({ bundle, inputs } = await bundlePage(new URL('./realtime-browser-page.ts', import.meta.url)));
});

describe('realtime browser bundle', () => {
  it('contains the realtime client and no Node-only module', () => {
    expect(inputs.some((i) => i.endsWith('packages/client/src/realtime/connection.ts'))).toBe(true);
    expect(inputs.some((i) => i.endsWith('packages/client/src/realtime/http-client.ts'))).toBe(true);
    expect(inputs.filter((i) => i.startsWith('node:') || i.includes('node_modules/ws/'))).toEqual([]);
    expect(inputs.some((i) => i.includes('/client/src/node'))).toBe(false);
    expect(bundle).not.toMatch(/["']node:[a-z]/);
    expect(bundle).not.toMatch(/\brequire\(/);
  });
});

describe.skipIf(!runChromium)('realtime in Chromium', () => {
  let browser: Browser | undefined;
  let http: Server | undefined;
  let server: TestServer | undefined;

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await closePageServer(http);
  });

  it('logs in, joins a room, and sends and receives chat through the event queue', async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} must be installed when CI=true`).toBe(true);
    server = await startTestServer();
    const node = await connectedPlayer(server, 'nodepeer');
    const room = `browser-room-${Date.now()}`;
    const channel = await node.socket.joinChat(room);

    // The page comes from another origin than the API: fetch goes through CORS, as in a real game.
    const served = await servePage(bundle);
    http = served.http;
    browser = await launchChromium();
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(
      `http://127.0.0.1:${served.port}/?port=${server.http.port}&room=${encodeURIComponent(room)}`,
    );

    // The browser's message reaches the Node client; the Node client answers.
    const fromBrowser = await until(
      node.socket,
      'channel_message',
      (e) => e.body.content.includes('from browser'),
      15_000,
    );
    expect(fromBrowser.body.channel_id).toBe(channel.id);
    await node.socket.writeChatMessage(channel.id, { text: 'from node' });

    await page.waitForFunction(() => window.__tetherRealtime !== undefined, null, { timeout: 15_000 });
    const result = (await page.evaluate(() => window.__tetherRealtime)) as RealtimePageResult;
    expect(pageErrors).toEqual([]);
    expect(result.error).toBeUndefined();
    expect(result.userId).toBe(fromBrowser.body.sender_id);
    expect(result.log).toEqual([
      'ack:0',
      'connected:ws',
      'message:me:{"text":"from browser"}',
      'message:other:{"text":"from node"}',
    ]);
    node.socket.disconnect();
  });
});
