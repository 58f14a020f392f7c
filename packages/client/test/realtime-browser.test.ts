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
import type { ResumePageResult } from './realtime-browser-resume-page.ts';
import { connectedPlayer, startTestServer, TcpProxy, type TestServer, until } from './realtime-helpers.ts';

const runChromium = chromiumTestsRun('realtime-browser.test');

let bundle = '';
let inputs: string[] = [];
let resumeBundle = '';

beforeAll(async () => {
  ({ bundle, inputs } = await bundlePage(new URL('./realtime-browser-page.ts', import.meta.url)));
  ({ bundle: resumeBundle } = await bundlePage(
    new URL('./realtime-browser-resume-page.ts', import.meta.url),
  ));
});

describe('realtime browser bundle', () => {
  it('contains the realtime client and no Node-only module', () => {
    expect(inputs.some((i) => i.endsWith('packages/client/src/realtime/connection.ts'))).toBe(true);
    expect(inputs.some((i) => i.endsWith('packages/client/src/realtime/http-client.ts'))).toBe(true);
    expect(inputs.filter((i) => i.startsWith('node:') || i.includes('node_modules/ws/'))).toEqual([]);
    expect(inputs.some((i) => i.includes('/client/src/node'))).toBe(false);
    expect(bundle).not.toMatch(/["']node:[a-z]/);
    expect(bundle).not.toMatch(/\brequire\(/);
    // A JSON-only game ships neither protobufjs nor the protobuf schema's tables (recognising a
    // protobuf session_resume takes one small module of its own).
    expect(bundle).not.toContain('index out of range');
    expect(bundle).not.toContain('ENVELOPE_MEMBERS');
    expect(resumeBundle).toContain('index out of range');
  });
});

describe.skipIf(!runChromium)('realtime in Chromium', () => {
  let browser: Browser | undefined;
  let http: Server | undefined;
  let server: TestServer | undefined;
  const cleanup: (() => Promise<void> | void)[] = [];

  afterAll(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
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

  it('resumes a protobuf socket after its connection is cut: the same session, every message once, in order', async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} must be installed when CI=true`).toBe(true);
    const host = await startTestServer();
    cleanup.push(() => host.stop());
    const proxy = await TcpProxy.start(host.http.port);
    cleanup.push(() => proxy.close());
    const node = await connectedPlayer(host, 'nodepeer');
    cleanup.push(() => node.socket.disconnect());
    const room = `resume-room-${Date.now()}`;
    const channel = await node.socket.joinChat(room);

    const served = await servePage(resumeBundle);
    cleanup.push(() => closePageServer(served.http));
    browser ??= await launchChromium();
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    const query = new URLSearchParams({
      port: String(host.http.port),
      wsPort: String(proxy.port),
      room,
      count: '6',
    });
    await page.goto(`http://127.0.0.1:${served.port}/?${query}`);
    await page.waitForFunction(() => window.__tetherResumeChannel !== undefined, null, { timeout: 15_000 });
    expect(await page.evaluate(() => window.__tetherResumeChannel)).toBe(channel.id);

    const send = async (seqs: number[]) => {
      for (const seq of seqs) await node.socket.writeChatMessage(channel.id, { seq });
    };
    await send([0, 1]);
    proxy.cut(); // a network drop: both halves reset, no close handshake
    await send([2, 3]);
    await new Promise((r) => setTimeout(r, 300));
    await send([4, 5]);

    await page.waitForFunction(() => window.__tetherResume !== undefined, null, { timeout: 20_000 });
    const result = (await page.evaluate(() => window.__tetherResume)) as ResumePageResult;
    expect(pageErrors).toEqual([]);
    expect(result.error).toBeUndefined();
    expect(result.seqs).toEqual([0, 1, 2, 3, 4, 5]);
    // One break, and the server gave the session back: nothing re-joined, nothing failed.
    expect(result.log).toEqual(['connected:ws', 'disconnected:true', 'reconnected:true:0:0']);
  });
});
