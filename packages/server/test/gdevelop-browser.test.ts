/**
 * docs/gdevelop.md's flow in a real Chromium, sending what GDevelop sends. GDevelop's "Send a request
 * to a web page" action is an XMLHttpRequest with the chosen method, one `Content-Type` header (the
 * chosen type, or `application/x-www-form-urlencoded` when left empty) and a text body, and nothing
 * else: no Authorization header. Its result variable gets the response text, its error variable the
 * status code when it is 400 or more. The page is served from another origin than the API, as a
 * published game is, so CORS applies. Then the game opens `/ws` with the browser's WebSocket (what
 * GDevelop's WebSocket extension uses), sends text frames, joins a chat room and talks with a
 * nakama-js player.
 */
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CHROMIUM,
  chromiumTestsRun,
  closePageServer,
  launchChromium,
  servePage,
} from '../../client/test/chromium.ts';
import { startTestServer, type TestServer } from './helpers.ts';
import { connectPlayer, disconnectAll, type Player } from './realtime-helpers.ts';

const runChromium = chromiumTestsRun('gdevelop-browser.test');

/** What GDevelop's request action leaves in its two variables. */
interface ActionResult {
  readonly response: string;
  readonly error: string;
}

/** Runs one "Send a request to a web page" in the page, as GDevelop's runtime does it. */
function gdevelopRequest(
  page: Page,
  url: string,
  body: string,
  method: string,
  contentType: string,
): Promise<ActionResult> {
  return page.evaluate(
    ([url, body, method, contentType]) =>
      new Promise<ActionResult>((resolve) => {
        const result = { response: '', error: '' };
        const xhr = new XMLHttpRequest();
        xhr.onerror = () => resolve({ ...result, error: xhr.status === 0 ? 'REQUEST_NOT_SENT' : 'error' });
        xhr.onreadystatechange = () => {
          if (xhr.readyState !== 4 || xhr.status === 0) return;
          if (xhr.status >= 400) result.error = String(xhr.status);
          resolve({ ...result, response: xhr.responseText });
        };
        xhr.open(method, url);
        xhr.setRequestHeader(
          'Content-Type',
          contentType === '' ? 'application/x-www-form-urlencoded' : contentType,
        );
        xhr.send(body);
      }),
    [url, body, method, contentType] as const,
  );
}

describe.skipIf(!runChromium)('GDevelop in Chromium', () => {
  let browser: Browser | undefined;
  let pages: Server | undefined;
  let server: TestServer | undefined;
  const players: Player[] = [];

  afterAll(async () => {
    disconnectAll(players);
    await browser?.close();
    await server?.stop();
    await closePageServer(pages);
  });

  it('logs in with the server key as a parameter, then chats over /ws with text frames', async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} must be installed when CI=true`).toBe(true);
    server = await startTestServer();
    const api = `http://127.0.0.1:${server.http.port}`;
    const served = await servePage('');
    pages = served.http;
    browser = await launchChromium();
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${served.port}/game`);

    // docs/gdevelop.md, step 1: the content type left empty, the key in the URL.
    const login = await gdevelopRequest(
      page,
      `${api}/v2/account/authenticate/device?create=true&username=gdplayer&server_key=defaultkey`,
      '{"id":"gdevelop-device-0001"}',
      'POST',
      '',
    );
    expect(login.error).toBe('');
    const token = (JSON.parse(login.response) as { token: string }).token;
    expect(token).toMatch(/^ey/);

    // The other form: JSON content type (a CORS preflight) and the key in the body.
    const second = await gdevelopRequest(
      page,
      `${api}/v2/account/authenticate/custom?create=true`,
      '{"id":"gdevelop-custom-0001","server_key":"defaultkey"}',
      'POST',
      'application/json',
    );
    expect(second.error).toBe('');
    // What a wrong key looks like to the game: the status in the error variable, the reason in the response.
    const wrong = await gdevelopRequest(
      page,
      `${api}/v2/account/authenticate/device?server_key=oops`,
      '{"id":"gdevelop-device-0001"}',
      'POST',
      '',
    );
    expect(wrong.error).toBe('401');
    expect(JSON.parse(wrong.response)).toMatchObject({ code: 16, message: 'Server key invalid' });

    // A nakama-js player waits in the room.
    const peer = await connectPlayer(server, players, { username: 'nodepeer' });
    const room = await peer.socket.joinChat('lobby', 1, false, false);

    // Step 2: /ws with the token, text frames only: join the room, say hello, hear the peer.
    const game = page.evaluate(
      (url) =>
        new Promise<string[]>((resolve, reject) => {
          const received: string[] = [];
          const ws = new WebSocket(url);
          const timer = setTimeout(() => reject(new Error(`timed out; got ${received.join(' | ')}`)), 10_000);
          ws.onerror = () => reject(new Error('socket error'));
          ws.onopen = () => ws.send('{"cid":"1","channel_join":{"target":"lobby","type":1}}');
          ws.onmessage = (event) => {
            received.push(typeof event.data === 'string' ? event.data : `[binary ${String(event.data)}]`);
            const msg = JSON.parse(String(event.data)) as Record<string, { id?: string; content?: string }>;
            if (msg.channel) {
              const send = { channel_id: msg.channel.id, content: '{"text":"hello from gdevelop"}' };
              ws.send(JSON.stringify({ cid: '2', channel_message_send: send }));
            }
            if (msg.channel_message?.content?.includes('hello from node')) {
              clearTimeout(timer);
              ws.close(1000, 'done');
              resolve(received);
            }
          };
        }),
      `ws://127.0.0.1:${server.http.port}/ws?token=${encodeURIComponent(token)}`,
    );
    // The peer hears the game in the same room, then answers.
    for (;;) {
      const message = await peer.events.next<{ content: { text?: string }; username: string }>(
        'onchannelmessage',
      );
      if (message.content.text === 'hello from gdevelop') {
        expect(message.username).toBe('gdplayer');
        break;
      }
    }
    await peer.socket.writeChatMessage(room.id, { text: 'hello from node' });
    const frames = await game;
    expect(frames.every((f) => !f.startsWith('[binary'))).toBe(true);
    expect(frames.some((f) => f.includes('"cid":"1"') && f.includes('"channel"'))).toBe(true);
  }, 30_000);
});
