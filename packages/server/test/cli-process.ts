/**
 * The `tether` command as a child process, for tests that check what a user sees: its output, its
 * exit code, and (for `serve`) its JSON start-up line.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The command's entry script in this checkout. */
export const BIN = fileURLToPath(new URL('../bin/tether.js', import.meta.url));

/** A finished run of the command. */
export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options for a child process: extra environment, working folder, and the command to run. */
export interface CliOptions {
  readonly env?: Record<string, string>;
  readonly cwd?: string;
  /** Defaults to this checkout's `bin/tether.js` under the current Node. */
  readonly command?: readonly string[];
}

function spawnCli(args: readonly string[], opts: CliOptions): ChildProcess {
  const [cmd, ...pre] = opts.command ?? [process.execPath, BIN];
  // TETHER_* variables of the test runner's environment would leak into the child's settings.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TETHER_')));
  return spawn(cmd!, [...pre, ...args], {
    cwd: opts.cwd,
    // Every listener on a free port, so tests can run side by side (a flag or opts.env overrides).
    env: { ...env, TETHER_CONSOLE_PORT: '0', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs the command to its end (at most `timeoutMs`, then it is killed). */
export function runCli(args: readonly string[], opts: CliOptions = {}, timeoutMs = 20_000): Promise<CliRun> {
  const child = spawnCli(args, opts);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr!.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) => {
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Runs the command until its stdout matches `until`, then sends SIGTERM and waits for the exit
 * (killed after 20 s if it never matches).
 */
export function runCliUntil(args: readonly string[], until: RegExp, opts: CliOptions = {}): Promise<CliRun> {
  const child = spawnCli(args, opts);
  let stdout = '';
  let stderr = '';
  let signalled = false;
  child.stdout!.on('data', (c: Buffer) => {
    stdout += c.toString();
    if (!signalled && until.test(stdout)) {
      signalled = true;
      child.kill('SIGTERM');
    }
  });
  child.stderr!.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  return new Promise((resolve) => {
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A running `tether serve`. */
export interface ServingCli {
  readonly child: ChildProcess;
  readonly httpPort: number;
  readonly gmPort: number;
  /** Every JSON log line so far. */
  readonly lines: Record<string, unknown>[];
  /** Everything written on stderr so far. */
  stderr(): string;
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
}

/**
 * Starts `tether serve` with JSON logs and waits for its `tether started` line, from which the bound
 * ports are read (pass `--port 0` and `--gm-port 0`). Rejects if it exits first.
 */
export function startCli(args: readonly string[], opts: CliOptions = {}): Promise<ServingCli> {
  const child = spawnCli(['serve', '--log-format', 'json', ...args], opts);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const lines: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tether serve did not start: ${stderr}`));
      // Generous: on a loaded 2-core machine tsx compiles the sources slowly.
    }, 50_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line);
      } catch {
        return;
      }
      lines.push(entry);
      if (entry.msg === 'tether started') {
        clearTimeout(timer);
        const port = (url: unknown) => Number(String(url).split(':').pop());
        resolve({
          child,
          httpPort: port(entry.http),
          gmPort: port(entry.gmTcp),
          lines,
          stderr: () => stderr,
          exited,
        });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`tether serve exited with ${code}: ${stderr}`));
    });
  });
}
