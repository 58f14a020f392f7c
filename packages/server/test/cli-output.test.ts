/**
 * What a person sees from the `tether` command: a version, a `--help` that lists every setting, a
 * start-up banner on a terminal and one JSON line for machines, and one clear line (exit code 1, no
 * stack trace) for a busy port, a bad flag or a bad config file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigSchema, kebab } from '../src/config/config.ts';
import { runCli, runCliUntil, type ServingCli, startCli } from './cli-process.ts';

const dirs: string[] = [];
const serving: ServingCli[] = [];
const blockers: Server[] = [];
afterEach(() => {
  for (const s of serving.splice(0)) s.child.kill('SIGKILL');
  for (const b of blockers.splice(0)) b.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tether-cli-out-'));
  dirs.push(dir);
  return dir;
}

/** One line on stderr, exit code 1, no stack trace. */
function expectOneLineFailure(run: { code: number | null; stderr: string }, pattern: RegExp): void {
  expect(run.code).toBe(1);
  const lines = run.stderr.trimEnd().split('\n');
  expect(lines, run.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^tether: /);
  expect(lines[0]).toMatch(pattern);
  expect(run.stderr).not.toMatch(/\n\s+at /);
}

/** A port something else already listens on. */
async function busyPort(): Promise<number> {
  const blocker = createServer();
  blockers.push(blocker);
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  return (blocker.address() as { port: number }).port;
}

describe('tether command output', () => {
  it('prints its version', async () => {
    const run = await runCli(['--version']);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('lists every setting of the configuration in serve --help', async () => {
    const run = await runCli(['serve', '--help']);
    expect(run.code).toBe(0);
    const missing = Object.keys(ConfigSchema.shape).filter((key) => !run.stdout.includes(`--${kebab(key)}`));
    expect(missing).toEqual([]);
    expect(run.stdout).toContain('--log-format <format>');
    expect(run.stdout).toContain('--runtime-watch ');
  });

  it('ends with one line for an unknown flag, a bad value, or a missing argument', async () => {
    const [typo, value, format, command] = await Promise.all([
      runCli(['serve', '--prot', '7350']),
      runCli(['serve', '--port', 'abc']),
      runCli(['serve', '--log-format', 'xml']),
      runCli(['srve']),
    ]);
    expectOneLineFailure(typo, /unknown option '--prot'.*--port/);
    expectOneLineFailure(value, /port \(--port, TETHER_PORT\)/);
    expectOneLineFailure(format, /--log-format/);
    expectOneLineFailure(command, /unknown command 'srve'/);
  });

  it('ends with one line for an unreadable, malformed or wrong config file', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'broken.json'), '{"port": 7350,');
    writeFileSync(join(dir, 'typo.json'), '{"prot": 7350}');
    const [missing, broken, typo] = await Promise.all(
      ['missing.json', 'broken.json', 'typo.json'].map((f) => runCli(['serve', '--config', join(dir, f)])),
    );
    expectOneLineFailure(missing!, /cannot read config file .*missing\.json/);
    expectOneLineFailure(broken!, /cannot read config file .*broken\.json: .*JSON/);
    expectOneLineFailure(typo!, /unknown setting "prot"/);
  });

  it('ends with one line naming the flag when a port is busy', async () => {
    const data = tempDir();
    const http = await busyPort();
    expectOneLineFailure(
      await runCli([
        'serve',
        '--host',
        '127.0.0.1',
        '--port',
        String(http),
        '--gm-port',
        '0',
        '--data',
        data,
      ]),
      new RegExp(
        `cannot listen on 127\\.0\\.0\\.1:${http} \\(HTTP, /ws and /gm\\): .*already in use.*--port`,
      ),
    );
    const gm = await busyPort();
    expectOneLineFailure(
      await runCli(['serve', '--host', '127.0.0.1', '--port', '0', '--gm-port', String(gm), '--data', data]),
      new RegExp(`cannot listen on 127\\.0\\.0\\.1:${gm} \\(GameMaker TCP\\): .*already in use.*--gm-port`),
    );
  });

  it('writes JSON lines when asked (or when stdout is not a terminal), with one start-up line', async () => {
    const data = tempDir();
    const cli = await startCli(['--host', '127.0.0.1', '--port', '0', '--gm-port', '0', '--data', data]);
    serving.push(cli);
    const started = cli.lines.find((l) => l.msg === 'tether started')!;
    expect(started).toMatchObject({
      http: `http://127.0.0.1:${cli.httpPort}`,
      socket: `ws://127.0.0.1:${cli.httpPort}/ws`,
      gmWebSocket: `ws://127.0.0.1:${cli.httpPort}/gm`,
      gmTcp: `127.0.0.1:${cli.gmPort}`,
      database: `SQLite in ${data}`,
      console: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      defaultKeys: expect.arrayContaining([
        'serverKey',
        'httpKey',
        'sessionEncryptionKey',
        'refreshEncryptionKey',
      ]),
    });
    expect(cli.gmPort).not.toBe(cli.httpPort);
    const health = await fetch(`http://127.0.0.1:${cli.httpPort}/healthcheck`);
    expect(health.status).toBe(200);
  });

  it('prints a readable banner with pretty logs: addresses, database, key warning, how to stop', async () => {
    const data = tempDir();
    const run = await runCliUntil(
      ['serve', '--log-format', 'pretty', '--host', '127.0.0.1', '--port', '0', '--gm-port', '0'],
      /Press Ctrl\+C to stop/,
      { env: { TETHER_DATA: data } },
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Tether \d+\.\d+\.\d+ is running/);
    expect(run.stdout).toMatch(/HTTP API\s+http:\/\/127\.0\.0\.1:\d+/);
    expect(run.stdout).toMatch(/Nakama socket\s+ws:\/\/127\.0\.0\.1:\d+\/ws/);
    expect(run.stdout).toMatch(/GameMaker WebSocket\s+ws:\/\/127\.0\.0\.1:\d+\/gm/);
    expect(run.stdout).toMatch(/GameMaker TCP\s+127\.0\.0\.1:\d+/);
    expect(run.stdout).toMatch(/Admin console\s+http:\/\/127\.0\.0\.1:\d+/);
    expect(run.stdout).toContain(`SQLite in ${data}`);
    expect(run.stdout).toMatch(/Default keys in use[\s\S]*--server-key \(TETHER_SERVER_KEY\)/);
    expect(run.stdout).toContain('Press Ctrl+C to stop');
    // Pretty log lines, not JSON.
    expect(run.stdout).toMatch(/INFO.*: tether listening/);
    expect(run.stdout).not.toMatch(/^\{"level"/m);
  });

  it('warns about no default key once every one is set', async () => {
    const data = tempDir();
    const cli = await startCli(['--host', '127.0.0.1', '--port', '0', '--gm-port', '0', '--data', data], {
      env: {
        TETHER_SERVER_KEY: 'k1-long-enough',
        TETHER_HTTP_KEY: 'k2-long-enough',
        TETHER_SESSION_ENCRYPTION_KEY: 'k3-long-enough',
        TETHER_REFRESH_ENCRYPTION_KEY: 'k4-long-enough',
        TETHER_CONSOLE_USERNAME: 'operator',
        TETHER_CONSOLE_PASSWORD: 'k5-long-enough',
      },
    });
    serving.push(cli);
    expect(cli.lines.find((l) => l.msg === 'tether started')).toMatchObject({ defaultKeys: [] });
  });
});
