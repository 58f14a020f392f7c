/**
 * Loads the Tether server package a benchmark runs: this checkout's, or another checkout's for a
 * before/after comparison in one run (`--before <checkout>`). Shared by the fan-out and relay
 * benchmarks.
 *
 * @packageDocumentation
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig, startServer } from '@tether/server';

/** The entry points of a server package, and whether it has an admin console. */
export interface TetherPackage {
  readonly loadConfig: typeof loadConfig;
  readonly startServer: typeof startServer;
  /** An older checkout has no admin console, hence no `consolePort`. */
  readonly console: boolean;
}

/**
 * The server package to run: this checkout's, or with `root` (`--before <checkout>`) the one of
 * another checkout of Tether (its own dependencies installed), to compare two commits in one run.
 * An older checkout has no admin console, hence no `consolePort`.
 */
export async function tetherPackage(root: string | undefined): Promise<TetherPackage> {
  if (root === undefined) return { loadConfig, startServer, console: true };
  const url = pathToFileURL(join(root, 'packages/server/src/index.ts')).href;
  const pkg = (await import(url)) as { loadConfig: typeof loadConfig; startServer: typeof startServer };
  const console = readFileSync(join(root, 'packages/server/src/config/config.ts'), 'utf8').includes(
    'consolePort',
  );
  return { loadConfig: pkg.loadConfig, startServer: pkg.startServer, console };
}
