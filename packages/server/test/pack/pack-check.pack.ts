/**
 * The packages as a game project gets them from npm. Builds the four packages, packs them with
 * `npm pack`, installs the tarballs into a fresh folder outside the repository, then, from there:
 * serves docs/runtime.md's module with the installed `tether` command, talks to it with the client
 * SDK in Node, typechecks the module, and scaffolds a project with `tether init` and typechecks it.
 *
 * Slow (a build and an install, one to two minutes): not part of `npm test`. CI runs it with
 * `npm run test:pack`. better-sqlite3's install downloads a prebuilt binary from GitHub, or compiles
 * one for minutes where GitHub is out of reach; so the install is offered the binary this checkout
 * already has (same version, same Node ABI) through prebuild-install's mirror setting, served from
 * 127.0.0.1. Everything of Tether's own comes from the tarballs.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServingCli, startCli } from '../cli-process.ts';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const PACKAGES = ['@tether/protocol', '@tether/client', '@tether/console', '@tether/server'];

/** Runs a command to its end; rejects with its output when it fails. */
function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<string> {
  const child = spawn(cmd, args, { cwd, env: { ...process.env, CI: 'true', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      if (code === 0) resolve(stdout);
      else reject(new Error(`${cmd} ${args.join(' ')} failed (${code}):\n${stdout}\n${stderr}`));
    });
  });
}

/** A package.json's dependencies. */
function dependencies(path: string): Record<string, string> {
  return (
    (JSON.parse(readFileSync(path, 'utf8')) as { dependencies?: Record<string, string> }).dependencies ?? {}
  );
}

/**
 * This checkout's better-sqlite3 binary as the prebuilt tarball prebuild-install asks a mirror for
 * (`<mirror>/v<version>/better-sqlite3-v<version>-node-v<abi>-<platform>-<arch>.tar.gz`), or nothing
 * when the checkout has none.
 */
async function betterSqliteMirror(
  dir: string,
): Promise<{ version: string; env: Record<string, string>; http: Server } | undefined> {
  const home = join(ROOT, 'node_modules', 'better-sqlite3');
  if (!existsSync(join(home, 'build', 'Release', 'better_sqlite3.node'))) return undefined;
  const version = (JSON.parse(readFileSync(join(home, 'package.json'), 'utf8')) as { version: string })
    .version;
  const tarball = join(dir, 'better-sqlite3-prebuilt.tar.gz');
  await run('tar', ['czf', tarball, '-C', home, 'build/Release/better_sqlite3.node'], dir);
  const expected = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  const http = createServer((req, res) => {
    if (req.url?.endsWith(`/v${version}/${expected}`)) res.writeHead(200).end(readFileSync(tarball));
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  return { version, env: { npm_config_better_sqlite3_binary_host: url }, http };
}

/** docs/runtime.md's first example, as a game developer copies it. */
const HELLO = `import type { InitModule } from '@tether/server';

const init: InitModule = (initializer, nk, logger) => {
  initializer.registerRpc('hello', (ctx, payload) =>
    JSON.stringify({ hi: ctx.username ?? 'server', got: payload }),
  );
  logger.info('hello module loaded');
};
export default init;
`;

/** A Node script using the client SDK from the installed package: log in, connect, call the RPC. */
const CLIENT = `import { TetherClient, createRealtimeSocket, nodeWebSocketCarrier } from '@tether/client/node';
import * as browserEntry from '@tether/client';
import { protobufCodec } from '@tether/client/protobuf';

const client = new TetherClient({ host: '127.0.0.1', port: Number(process.argv[2]) });
const session = await client.authenticateDevice('pack-check-device-0001', { username: 'packer' });
const socket = createRealtimeSocket(client, session);
await socket.connect();
const reply = await socket.rpc('hello', { n: 1 });
socket.disconnect();
const pb = createRealtimeSocket(client, session, { carrier: nodeWebSocketCarrier({ codec: protobufCodec }) });
await pb.connect();
const pbReply = await pb.rpc('hello', 'pb');
pb.disconnect();
console.log(JSON.stringify({ reply, pbReply, browserEntry: typeof browserEntry.createSocket }));
`;

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    noEmit: true,
    types: ['node'],
    skipLibCheck: false,
  },
  include: ['modules/**/*.ts'],
};

describe('the packed packages in a fresh project', () => {
  let dir: string;
  let tarballs: string[];
  let server: ServingCli | undefined;
  let mirror: Awaited<ReturnType<typeof betterSqliteMirror>>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tether-pack-'));
    const project = join(dir, 'game');
    mkdirSync(join(project, 'modules'), { recursive: true });
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'game', private: true, type: 'module' }),
    );
    const typescript = (
      JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
        devDependencies: Record<string, string>;
      }
    ).devDependencies.typescript!;
    // While the packages build, install their third-party dependencies (better-sqlite3 compiles where
    // no prebuilt binary is reachable, the slow part); the tarballs' install then finds them in place.
    const thirdParty = Object.entries({
      ...dependencies(join(ROOT, 'packages/server/package.json')),
      ...dependencies(join(ROOT, 'packages/client/package.json')),
      ...dependencies(join(ROOT, 'packages/console/package.json')),
      ...dependencies(join(ROOT, 'packages/protocol/package.json')),
    })
      .filter(([name]) => !name.startsWith('@tether/'))
      .map(([name, range]) => `${name}@${range}`);
    mirror = await betterSqliteMirror(dir);
    if (mirror) thirdParty.push(`better-sqlite3@${mirror.version}`);
    const npmInstall = ['install', '--no-audit', '--no-fund', '--prefer-offline'];
    const [packed] = await Promise.all([
      run('npm', ['run', 'build'], ROOT).then(() =>
        run(
          'npm',
          ['pack', '--json', ...PACKAGES.flatMap((p) => ['-w', p]), '--pack-destination', dir],
          ROOT,
        ),
      ),
      run(
        'npm',
        [...npmInstall, ...thirdParty, `typescript@${typescript}`, '@types/node@20'],
        project,
        mirror?.env,
      ),
    ]);
    tarballs = (JSON.parse(packed) as { filename: string }[]).map((p) => join(dir, p.filename));
    await run('npm', [...npmInstall, ...tarballs], project);
    writeFileSync(join(project, 'modules', 'hello.ts'), HELLO);
    writeFileSync(join(project, 'client.mjs'), CLIENT);
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify(TSCONFIG));
  }, 175_000);

  afterAll(() => {
    server?.child.kill('SIGKILL');
    mirror?.http.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('ships compiled JavaScript, declarations and the licence, without sources or tests', async () => {
    for (const name of PACKAGES) {
      const home = join(dir, 'game', 'node_modules', name);
      const pkg = JSON.parse(readFileSync(join(home, 'package.json'), 'utf8')) as {
        exports: Record<string, Record<string, string>>;
      };
      for (const [entry, conditions] of Object.entries(pkg.exports)) {
        // What a game resolves: every condition but the repository's own source one.
        expect(Object.keys(conditions)[0], `${name} ${entry}`).toBe('@tether/source');
        expect(Object.keys(conditions).slice(1), `${name} ${entry}`).toEqual(['types', 'default']);
        expect(conditions.types, name).toMatch(/^\.\/dist\/.*\.d\.ts$/);
        expect(conditions.default, name).toMatch(/^\.\/dist\/.*\.js$/);
        expect(existsSync(join(home, conditions.types!)), conditions.types).toBe(true);
        expect(existsSync(join(home, conditions.default!)), conditions.default).toBe(true);
      }
      expect(existsSync(join(home, 'LICENSE')), name).toBe(true);
      expect(existsSync(join(home, 'src')), name).toBe(false);
      expect(await run('find', [home, '-name', '*.test.*', '-not', '-path', '*/node_modules/*'], dir)).toBe(
        '',
      );
    }
  });

  it('serves a TypeScript module with the installed tether command, and the client SDK talks to it', async () => {
    const project = join(dir, 'game');
    server = await startCli(
      [
        '--host',
        '127.0.0.1',
        '--port',
        '0',
        '--gm-port',
        '0',
        '--data',
        join(dir, 'data'),
        '--runtime',
        'modules',
      ],
      { cwd: project, command: [join(project, 'node_modules', '.bin', 'tether')] },
    );
    expect(server.lines.find((l) => l.msg === 'runtime loaded')).toMatchObject({ modules: ['hello.ts'] });
    // The admin console is bundled from the installed package's app/ on its first request.
    const consoleUrl = String(server.lines.find((l) => l.msg === 'tether started')?.console);
    const page = await fetch(consoleUrl);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/console/app.js');
    const app = await fetch(`${consoleUrl}/console/app.js`);
    expect(app.status).toBe(200);
    expect((await app.text()).length).toBeGreaterThan(1000);
    const out = await run(process.execPath, ['client.mjs', String(server.httpPort)], project);
    expect(JSON.parse(out)).toEqual({
      reply: JSON.stringify({ hi: 'packer', got: JSON.stringify({ n: 1 }) }),
      pbReply: JSON.stringify({ hi: 'packer', got: 'pb' }),
      browserEntry: 'function',
    });
  });

  it('typechecks a module against the published declarations', async () => {
    const project = join(dir, 'game');
    await run(join(project, 'node_modules', '.bin', 'tsc'), ['-p', project], project);
  });

  it('scaffolds a project with tether init, and the scaffold typechecks', async () => {
    const project = join(dir, 'game');
    const out = await run(join(project, 'node_modules', '.bin', 'tether'), ['init', 'starter'], project);
    expect(out).toContain('Created starter');
    const starter = join(project, 'starter');
    const pkg = JSON.parse(readFileSync(join(starter, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(Object.keys(pkg.dependencies).sort()).toEqual(['@tether/client', '@tether/server']);
    // The starter resolves the packed packages from the project folder above it.
    await run(join(project, 'node_modules', '.bin', 'tsc'), ['-p', starter], starter);
  });
});
