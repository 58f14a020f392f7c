/**
 * The protobuf codec in a real Chromium: the protocol package (protobufjs included) is bundled for
 * the browser with esbuild, and the page must compute exactly what Node computes.
 */
import type { Server } from 'node:http';
import type { Browser } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  bundlePage,
  chromiumTestsRun,
  closePageServer,
  launchChromium,
  servePage,
} from '../../client/test/chromium.ts';
import { protobufSamples } from './protobuf-samples.ts';

const runChromium = chromiumTestsRun('protobuf-browser.test');

describe('protobuf codec browser bundle', () => {
  it('bundles without Node modules', async () => {
    const { inputs } = await bundlePage(new URL('./protobuf-browser-page.ts', import.meta.url));
    expect(inputs.some((i) => i.includes('node_modules/protobufjs/'))).toBe(true);
    expect(inputs.filter((i) => i.startsWith('node:'))).toEqual([]);
  });
});

describe.skipIf(!runChromium)('protobuf codec in Chromium', () => {
  let browser: Browser | undefined;
  let http: Server | undefined;

  afterAll(async () => {
    await browser?.close();
    await closePageServer(http);
  });

  it('gives the same results as in Node', async () => {
    const { bundle } = await bundlePage(new URL('./protobuf-browser-page.ts', import.meta.url));
    const served = await servePage(bundle);
    http = served.http;
    browser = await launchChromium();
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${served.port}/`);
    await page.waitForFunction(() => window.__pbResult !== undefined, null, { timeout: 10_000 });
    const inBrowser = await page.evaluate(() => window.__pbResult);
    const inNode = protobufSamples();
    expect(inBrowser).toEqual(inNode);
    expect(inNode).toMatchObject({
      pong: '0a01318a0200',
      matchDataBody: { op_code: -7, data: [0, 1, 2, 255], plainUint8Array: true },
      garbage: { code: 1 },
    });
  });
});
