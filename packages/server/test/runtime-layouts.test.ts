/**
 * `tether serve --runtime` loads modules of every extension (`.ts`, `.mts`, `.cts`, `.js`, `.mjs`,
 * `.cjs`) from the three shapes a game folder takes: no `package.json`, a CommonJS package and an ES
 * module package. Each case is a real temporary folder and a real `tether serve` process; every
 * module's RPC is then called over HTTP.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type ServingCli, startCli } from './cli-process.ts';

/** The package.json of each layout (none for the first). */
const LAYOUTS = {
  'no package.json': undefined,
  'a CommonJS package': { name: 'my-game', version: '1.0.0', type: 'commonjs' },
  'an ES module package': { name: 'my-game', version: '1.0.0', type: 'module' },
} as const;

/** One module per extension, each in the syntax a game developer writes for it in that layout. */
function modules(esmJs: boolean): Record<string, string> {
  return {
    // A helper: not loaded as a module (leading `_`), imported by the TypeScript ones.
    '_shared.ts': "export const tag = (ext: string): string => 'module ' + ext + ' says hi';\n",
    // docs/runtime.md's example shape: a typed init, extensionless helper import.
    'a.ts': `import type { InitModule } from '@tether/server';
import { tag } from './_shared';

const init: InitModule = (initializer, _nk, logger) => {
  initializer.registerRpc('from_ts', () => tag('.ts'));
  logger.info('ts module loaded');
};
export default init;
`,
    'b.mts': `import type { InitModule } from '@tether/server';
import { tag } from './_shared.ts';

const init: InitModule = (initializer) => {
  initializer.registerRpc('from_mts', () => tag('.mts'));
};
export default init;
`,
    'c.cts': `import type { InitModule } from '@tether/server';

interface Reply { readonly text: string }
const init: InitModule = (initializer) => {
  initializer.registerRpc('from_cts', () => (<Reply>{ text: 'module .cts says hi' }).text);
};
export default init;
`,
    'd.js': esmJs
      ? "export default function init(initializer) {\n  initializer.registerRpc('from_js', () => 'module .js says hi');\n}\n"
      : "exports.init = function init(initializer) {\n  initializer.registerRpc('from_js', () => 'module .js says hi');\n};\n",
    'e.mjs':
      "export function init(initializer) {\n  initializer.registerRpc('from_mjs', () => 'module .mjs says hi');\n}\n",
    'f.cjs':
      "module.exports = function (initializer) {\n  initializer.registerRpc('from_cjs', () => 'module .cjs says hi');\n};\n",
  };
}

const dirs: string[] = [];
const serving: ServingCli[] = [];
afterAll(() => {
  for (const s of serving) s.child.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('runtime modules from any folder', () => {
  it.concurrent.each(Object.entries(LAYOUTS))(
    'loads every extension from %s',
    async (_name, pkg) => {
      const dir = mkdtempSync(join(tmpdir(), 'tether-layout-'));
      dirs.push(dir);
      const game = join(dir, 'modules');
      const data = join(dir, 'data');
      mkdirSync(game);
      if (pkg) writeFileSync(join(game, 'package.json'), JSON.stringify(pkg));
      for (const [file, source] of Object.entries(modules(pkg?.type !== 'commonjs'))) {
        writeFileSync(join(game, file), source);
      }
      const cli = await startCli(['--host', '127.0.0.1', '--port', '0', '--gm-port', '0', '--data', data], {
        env: { TETHER_RUNTIME: game },
      });
      serving.push(cli);
      const loaded = cli.lines.find((l) => l.msg === 'runtime loaded');
      expect(loaded).toMatchObject({ modules: ['a.ts', 'b.mts', 'c.cts', 'd.js', 'e.mjs', 'f.cjs'] });
      for (const ext of ['ts', 'mts', 'cts', 'js', 'mjs', 'cjs']) {
        const res = await fetch(
          `http://127.0.0.1:${cli.httpPort}/v2/rpc/from_${ext}?http_key=defaulthttpkey`,
        );
        expect(res.status, ext).toBe(200);
        expect(await res.json()).toEqual({ id: `from_${ext}`, payload: `module .${ext} says hi` });
      }
    },
    90_000,
  ); // three servers start at once, each compiling its modules
});
