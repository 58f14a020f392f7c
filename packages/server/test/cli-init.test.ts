/**
 * `tether init <dir>` writes a starter project and never overwrites one. (That the starter
 * typechecks against the published packages is checked by the pack check, `npm run test:pack`.)
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from './cli-process.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('tether init', () => {
  it('scaffolds package.json, tsconfig, a module and a browser page', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'tether-init-'));
    dirs.push(parent);
    const run = await runCli(['init', 'My Game'], { cwd: parent });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Created My Game');
    expect(run.stdout).toContain('cd "My Game"');
    const dir = join(parent, 'My Game');
    for (const file of [
      'package.json',
      'tsconfig.json',
      'modules/hello.ts',
      'client/main.ts',
      'public/index.html',
    ]) {
      expect(existsSync(join(dir, file)), file).toBe(true);
    }
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    expect(pkg).toMatchObject({
      name: 'my-game',
      type: 'module',
      scripts: { start: 'tether serve --runtime modules --runtime-watch' },
      dependencies: {
        '@tether/server': expect.stringMatching(/^\^\d/),
        '@tether/client': expect.any(String),
      },
    });
    expect(readFileSync(join(dir, 'modules/hello.ts'), 'utf8')).toContain("registerRpc('hello'");
    expect(readFileSync(join(dir, 'public/index.html'), 'utf8')).toContain('src="./main.js"');
  });

  it('refuses a folder that already has one of its files, writing nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tether-init-'));
    dirs.push(dir);
    mkdirSync(join(dir, 'modules'));
    writeFileSync(join(dir, 'modules', 'hello.ts'), '// mine\n');
    const run = await runCli(['init', dir]);
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toMatch(/^tether: .* already has modules\/hello\.ts: not overwriting/);
    expect(readFileSync(join(dir, 'modules', 'hello.ts'), 'utf8')).toBe('// mine\n');
    expect(existsSync(join(dir, 'package.json'))).toBe(false);
  });
});
