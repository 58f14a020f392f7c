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

/**
 * Settings a benchmark on loopback needs, where the package has them: the admin console on a free
 * port (two servers in one run must not both take 7351), and no per-address connection limit (every
 * client runs from 127.0.0.1).
 */
const LOOPBACK_SETTINGS = { consolePort: 0, socketMaxConnectionsPerAddress: 0 } as const;

/** The entry points of a server package, and the loopback settings it knows. */
export interface TetherPackage {
  readonly loadConfig: typeof loadConfig;
  readonly startServer: typeof startServer;
  /**
   * The {@link LOOPBACK_SETTINGS} this package's configuration has: all of them for this checkout,
   * those an older checkout's `config.ts` names (its configuration refuses unknown keys).
   */
  readonly loopback: Partial<typeof LOOPBACK_SETTINGS>;
}

/**
 * The server package to run: this checkout's, or with `root` (`--before <checkout>`) the one of
 * another checkout of Tether (its own dependencies installed), to compare two commits in one run.
 */
export async function tetherPackage(root: string | undefined): Promise<TetherPackage> {
  if (root === undefined) return { loadConfig, startServer, loopback: LOOPBACK_SETTINGS };
  const url = pathToFileURL(join(root, 'packages/server/src/index.ts')).href;
  const pkg = (await import(url)) as { loadConfig: typeof loadConfig; startServer: typeof startServer };
  const config = readFileSync(join(root, 'packages/server/src/config/config.ts'), 'utf8');
  const loopback = Object.fromEntries(
    Object.entries(LOOPBACK_SETTINGS).filter(([key]) => config.includes(key)),
  ) as Partial<typeof LOOPBACK_SETTINGS>;
  return { loadConfig: pkg.loadConfig, startServer: pkg.startServer, loopback };
}
