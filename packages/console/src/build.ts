/**
 * Builds the admin console's front-end: `app/` (Preact components in TSX, uPlot graphs) bundled by
 * esbuild into one script and one stylesheet, in memory. The server calls it on the first request for
 * the console page, so a fresh clone needs no build step and there is no bundle to keep in sync.
 *
 * @packageDocumentation
 */
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The console page and the files it loads. */
export interface ConsoleBundle {
  /** The page served at `/`: it loads `/console/app.css` and `/console/app.js`. */
  readonly html: string;
  readonly js: string;
  readonly css: string;
}

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tether console</title>
<link rel="stylesheet" href="/console/app.css">
</head>
<body>
<div id="app"></div>
<script type="module" src="/console/app.js"></script>
</body>
</html>
`;

/** Bundles the console (minified, for browsers from 2022 on). Takes a few hundred milliseconds. */
export async function bundleConsole(): Promise<ConsoleBundle> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('../app/main.tsx', import.meta.url))],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: true,
    legalComments: 'none',
    outdir: 'console',
    write: false,
    logLevel: 'silent',
  });
  const file = (ext: string) => result.outputFiles.find((f) => f.path.endsWith(ext))?.text ?? '';
  return { html: PAGE, js: file('.js'), css: file('.css') };
}
