/**
 * The server side of `preauth/main.ts`: one Tether (`startServer`, SQLite in a temporary folder) in
 * its own process, so its memory is measured alone. Settings come as JSON in argv[2]. Reports
 * `{ ports }` over IPC, answers `"mem"` with `{ mem }` (after a GC when run with `--expose-gc`) and
 * exits on `"stop"` or when the parent goes away.
 *
 * @packageDocumentation
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, startServer } from '@tether/server';
import { pino } from 'pino';

const data = mkdtempSync(join(tmpdir(), 'tether-preauth-bench-'));
const overrides = JSON.parse(process.argv[2] ?? '{}') as Record<string, unknown>;
const config = loadConfig(
  { host: '127.0.0.1', port: 0, gmPort: 0, consolePort: 0, data, logLevel: 'error', ...overrides },
  {},
);
const server = await startServer(config, { logger: pino({ level: 'error' }, pino.destination(2)) });
const gc = (globalThis as { gc?: () => void }).gc;

process.on('message', async (m: string) => {
  if (m === 'mem') {
    gc?.();
    const { rss, arrayBuffers, heapUsed } = process.memoryUsage();
    process.send?.({ mem: { rss, arrayBuffers, heapUsed } });
  } else if (m === 'stop') {
    await server.close('benchmark finished');
    rmSync(data, { recursive: true, force: true });
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
process.send?.({ ports: { gm: server.gm?.port, http: server.http.port } });
