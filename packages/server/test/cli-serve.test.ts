/**
 * The `tether` command as a user runs it: a real child process with flags and environment, ready
 * when `/healthcheck` says so, and a graceful SIGTERM that tells connected GameMaker clients why
 * they are being closed and exits 0.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { GmTestClient } from './gm-client.ts';

const BIN = fileURLToPath(new URL('../bin/tether.js', import.meta.url));

interface Started {
  child: ChildProcess;
  httpPort: number;
  gmPort: number;
  exited: Promise<number | null>;
}

/** Starts `tether serve` on ephemeral ports and reads the bound ports from its JSON log lines. */
function startCli(dataDir: string): Promise<Started> {
  const child = spawn(
    process.execPath,
    [BIN, 'serve', '--host', '127.0.0.1', '--port', '0', '--data', dataDir],
    {
      env: { ...process.env, TETHER_GM_PORT: '0', TETHER_CONSOLE_PORT: '0', TETHER_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let httpPort = 0;
    let gmPort = 0;
    const timer = setTimeout(() => reject(new Error('tether serve did not report its ports')), 20_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let entry: { msg?: string; port?: number; gmPort?: number };
      try {
        entry = JSON.parse(line);
      } catch {
        return;
      }
      if (entry.msg?.startsWith('tether listening')) {
        httpPort = entry.port ?? 0;
        gmPort = entry.gmPort ?? 0;
      }
      if (httpPort && gmPort) {
        clearTimeout(timer);
        resolve({ child, httpPort, gmPort, exited });
      }
    });
    child.once('exit', (code) => reject(new Error(`tether serve exited early with ${code}`)));
  });
}

describe('tether serve (CLI process)', () => {
  let started: Started | undefined;
  let dataDir: string | undefined;
  afterEach(() => {
    started?.child.kill('SIGKILL');
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    started = dataDir = undefined;
  });

  it('serves health checks and GameMaker clients, then shuts down gracefully on SIGTERM', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'tether-cli-'));
    started = await startCli(dataDir);
    const health = await fetch(`http://127.0.0.1:${started.httpPort}/healthcheck`);
    expect(health.status).toBe(200);

    const gm = await GmTestClient.tcp(started.gmPort);
    started.child.kill('SIGTERM');
    // The GameMaker client is told why before the connection ends (a JSON error packet, see protocol.md).
    const notice = (await gm.nextJson()) as { error: { code: number; message: string } };
    expect(notice.error.code).toBe(1001);
    expect(notice.error.message).toMatch(/shutting down/);
    await gm.closed;
    expect(await started.exited).toBe(0);
  });

  it('refuses to start in production with the default keys, naming what to set', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--production', '--port', '0'], {
      env: { ...process.env, TETHER_GM_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(1);
    expect(stderr).toMatch(/TETHER_SERVER_KEY/);
    expect(stderr).toMatch(/TETHER_CONSOLE_PASSWORD \(--console-password\)/);
  });
});
