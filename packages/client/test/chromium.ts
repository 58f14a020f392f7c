/**
 * What the Chromium tests share: Debian's Chromium through playwright-core, a test page bundled for
 * the browser with esbuild, and a small HTTP server on 127.0.0.1:0 that serves it.
 */

import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/**
 * Whether a suite's Chromium tests run: when Chromium is installed, and always when CI=true (where a
 * missing Chromium then fails the test). Warns, naming `suite`, when they are skipped.
 */
export function chromiumTestsRun(suite: string): boolean {
  const run = existsSync(CHROMIUM) || process.env.CI === 'true';
  if (!run) {
    console.warn(`[${suite}] SKIPPING the Chromium test: ${CHROMIUM} is missing (required when CI=true)`);
  }
  return run;
}

/** The browser bundle of a test page, and every input esbuild put in it. */
export async function bundlePage(entry: URL): Promise<{ bundle: string; inputs: string[] }> {
  const result = await build({
    entryPoints: [fileURLToPath(entry)],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    // The workspace packages' TypeScript sources (docs/architecture.md, "No build step").
    conditions: ['@tether/source'],
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  return { bundle: result.outputFiles[0]?.text ?? '', inputs: Object.keys(result.metafile.inputs) };
}

/** Serves `bundle` as `/page.js`, and at every other path a page that loads it as a module. */
export async function servePage(bundle: string): Promise<{ http: Server; port: number }> {
  const http = createServer((req, res) => {
    if (req.url?.startsWith('/page.js')) {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
    } else {
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end('<!doctype html><script type="module" src="/page.js"></script>');
    }
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return { http, port: (http.address() as AddressInfo).port };
}

/** Closes a server from {@link servePage}, if there is one. */
export function closePageServer(http: Server | undefined): Promise<void> {
  return new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve()));
}

/** Headless Chromium with nothing running in the background. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
