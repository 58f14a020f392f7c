/**
 * A cluster node as a child process (`tether serve`), for tests that kill one with SIGKILL: a real
 * process death, not a shutdown.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/tether.js', import.meta.url));

/** A running child node. */
export interface ChildNode {
  readonly child: ChildProcess;
  readonly node: string;
  readonly httpPort: number;
  readonly gmPort: number;
  readonly baseUrl: string;
  /** Resolves with the exit code (or null after a signal). */
  readonly exited: Promise<number | null>;
  /** Every log line so far (JSON text). */
  readonly logs: string[];
  /** SIGKILL: the process dies at once, leaving no goodbye. */
  kill(): Promise<void>;
}

/**
 * Starts `tether serve` with `env` (TETHER_* settings) on ephemeral ports; resolves once it listens
 * (the ports come from its log), rejects if it exits first (with its last log lines).
 */
export function startChildNode(node: string, env: Record<string, string>): Promise<ChildNode> {
  const child = spawn(process.execPath, [BIN, 'serve'], {
    env: {
      ...process.env,
      TETHER_HOST: '127.0.0.1',
      TETHER_PORT: '0',
      TETHER_GM_PORT: '0',
      TETHER_CONSOLE_PORT: '0',
      TETHER_LOG_LEVEL: 'info',
      TETHER_LOG_FORMAT: 'json',
      TETHER_NODE: node,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  createInterface({ input: child.stderr! }).on('line', (line) => logs.push(line));
  return new Promise((resolve, reject) => {
    let httpPort = 0;
    let gmPort = 0;
    const timer = setTimeout(
      () => reject(new Error(`node ${node} did not start: ${logs.slice(-5).join('\n')}`)),
      30_000,
    );
    createInterface({ input: child.stdout! }).on('line', (line) => {
      logs.push(line);
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
        resolve({
          child,
          node,
          httpPort,
          gmPort,
          baseUrl: `http://127.0.0.1:${httpPort}`,
          exited,
          logs,
          async kill() {
            child.kill('SIGKILL');
            await exited;
          },
        });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`node ${node} exited with ${code}: ${logs.slice(-5).join('\n')}`));
    });
  });
}
