/**
 * Finding and importing game modules: `.ts`, `.mts`, `.cts`, `.js`, `.mjs` and `.cjs` files, from a
 * folder with no `package.json`, a CommonJS package or an ES module package.
 *
 * Why not a plain `import()`: with tsx's global loader, a `.ts` file in a folder that is not an ES
 * module package is CommonJS to Node, and Node 20.19+/22 then hands its ESM syntax to `require(esm)`,
 * which refuses it while the same file is being imported (`ERR_REQUIRE_CYCLE_MODULE`). tsx's
 * namespaced API registers its CommonJS and ESM hooks together for one namespace, so each file is
 * compiled in the format its folder gives it and both halves agree. A namespace is also a fresh module
 * graph (the namespace travels in every resolved URL), which is what a reload needs.
 *
 * @packageDocumentation
 */
import { randomUUID } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { extname, join, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { register as registerCommonJs } from 'tsx/cjs/api';
import { register as registerEsm } from 'tsx/esm/api';
import type { InitModule } from './api.ts';

/** File extensions loaded from the runtime folder. */
export const MODULE_EXTENSIONS: readonly string[] = ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'];

/** A module file that could not be loaded; the message names the file and the reason. */
export class RuntimeLoadError extends Error {
  override readonly name = 'RuntimeLoadError';
}

/** Whether a file in the runtime folder is a module (helpers `_x.ts`, `.x`, declarations and tests are not). */
export function isModuleFile(name: string): boolean {
  if (
    name.startsWith('.') ||
    name.startsWith('_') ||
    /\.d\.[cm]?ts$/.test(name) ||
    /\.test\.[cm]?[jt]s$/.test(name)
  ) {
    return false;
  }
  return MODULE_EXTENSIONS.includes(extname(name));
}

/** The module files of a folder (top level only), sorted by name; throws for a missing folder. */
export async function listModules(dir: string): Promise<{ root: string; files: string[] }> {
  const root = resolve(dir);
  const info = await stat(root).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new RuntimeLoadError(`runtime folder '${dir}' does not exist or is not a folder`);
  }
  const files = (await readdir(root)).filter(isModuleFile).sort();
  return { root, files };
}

/** One module's init function, or why there is none. */
export type ImportedModule = { readonly init: InitModule } | { readonly init: undefined };

/**
 * Imports the modules of one folder as one generation: every call is a new tsx namespace, so the
 * files (and the helpers they import) are compiled and evaluated afresh. CommonJS files are cached by
 * Node under their path alone, so the folder's entries are dropped from that cache first.
 */
export class ModuleGeneration {
  readonly #root: string;
  readonly #namespace = `tether-runtime-${randomUUID()}`;
  readonly #import: (specifier: string, parent: string) => Promise<unknown>;

  constructor(root: string) {
    this.#root = root;
    forgetCommonJs(root);
    // Both halves under one namespace: ESM files that import CommonJS ones (and the reverse) stay in it.
    registerCommonJs({ namespace: this.#namespace });
    this.#import = registerEsm({ namespace: this.#namespace }).import;
  }

  /** Imports one file of the folder and finds its init function. */
  async import(file: string): Promise<ImportedModule> {
    let mod: unknown;
    try {
      mod = await this.#import(pathToFileURL(join(this.#root, file)).href, import.meta.url);
    } catch (err) {
      throw new RuntimeLoadError(`module ${file}: cannot be imported: ${messageOf(err)}`, { cause: err });
    }
    return { init: initOf(mod) };
  }
}

/**
 * The init function of an imported module: `default`, else `init`. A CommonJS module arrives as
 * `{ default: module.exports }`, so its `exports.default` (what TypeScript's `export default` compiles
 * to in a `.cts` file), `exports.init` or a function `module.exports` are looked for one level down.
 */
function initOf(mod: unknown): InitModule | undefined {
  let current = mod;
  for (let depth = 0; depth < 3 && current !== null && current !== undefined; depth++) {
    if (typeof current === 'function') return current as InitModule;
    if (typeof current !== 'object') return undefined;
    const { default: fallback, init } = current as { default?: unknown; init?: unknown };
    if (typeof fallback === 'function') return fallback as InitModule;
    if (typeof init === 'function') return init as InitModule;
    current = fallback;
  }
  return undefined;
}

/** Drops the folder's CommonJS modules (not its `node_modules`) from Node's cache, so they load afresh. */
function forgetCommonJs(root: string): void {
  const cache = createRequire(import.meta.url).cache;
  const prefix = root.endsWith(sep) ? root : root + sep;
  for (const key of Object.keys(cache)) {
    const path = key.split('?')[0]!;
    if (path.startsWith(prefix) && !path.includes(`${sep}node_modules${sep}`)) delete cache[key];
  }
}

function messageOf(err: unknown): string {
  return (err as Error)?.message ?? String(err);
}
