import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { loadConfig, type TetherConfig } from '../src/config/config.ts';
import { type RunningServer, startServer } from '../src/create-server.ts';
import { createLogger } from '../src/observability/logger.ts';

/** A server on loopback with ephemeral ports and a throwaway data folder. */
export interface TestServer extends RunningServer {
  /** `http://127.0.0.1:<port>` */
  readonly baseUrl: string;
  readonly dataDir: string;
  /** Closes the server and removes its data folder. */
  stop(): Promise<void>;
}

/**
 * Starts a real Tether server for a test: real sockets on 127.0.0.1 port 0, a fresh SQLite file
 * (unless `overrides.database` says otherwise), silent logs (set TETHER_TEST_LOG=debug to see them)
 * unless `options.logger` is given.
 */
export async function startTestServer(
  overrides: Partial<TetherConfig> = {},
  options: { logger?: Logger } = {},
): Promise<TestServer> {
  const dataDir = overrides.data ?? mkdtempSync(join(tmpdir(), 'tether-test-'));
  const config = loadConfig(
    { host: '127.0.0.1', port: 0, gmPort: 0, consolePort: 0, data: dataDir, ...overrides },
    {},
  );
  const logger = options.logger ?? createLogger(process.env.TETHER_TEST_LOG ?? 'silent');
  const server = await startServer(config, { logger });
  return {
    ...server,
    close: server.close,
    baseUrl: `http://127.0.0.1:${server.http.port}`,
    dataDir,
    async stop() {
      await server.close('test finished');
      if (!overrides.data) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
