/**
 * The browser entry's weight, as a game ships it: `@tether/client` bundled for the browser by
 * esbuild, minified, then gzipped. The schema library (zod) validates what clients send and is
 * the server's business; it was 57 % of this bundle (157.7 KB minified, 49.2 KB gzipped) until the
 * protocol's client-side helpers moved to modules without it (61.3 KB, 20.6 KB). This keeps it out.
 */
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

/** Gzipped bytes the browser entry may grow to before someone has to look at why. */
const GZIP_BUDGET = 28 * 1024;

describe('browser bundle of @tether/client', () => {
  it('leaves the schema library out and stays within its size budget', async () => {
    const result = await build({
      entryPoints: [fileURLToPath(new URL('../src/index.ts', import.meta.url))],
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      conditions: ['@tether/source'],
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const output = Object.values(result.metafile.outputs)[0]!;
    const shipped = Object.entries(output.inputs)
      .filter(([, input]) => input.bytesInOutput > 0)
      .map(([path]) => path);
    expect(shipped.some((path) => path.includes('packages/client/src/realtime/socket.ts'))).toBe(true);
    expect(shipped.filter((path) => path.includes('node_modules/'))).toEqual([]);
    const code = result.outputFiles[0]!.contents;
    expect(gzipSync(code).length).toBeLessThan(GZIP_BUDGET);
  });
});
