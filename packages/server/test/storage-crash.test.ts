/**
 * A crash in the middle of a storage batch write leaves all of it or none of it: a real `tether serve`
 * child on each backend receives a large batch, the test watches the database until the server's
 * write transaction is open (SQLite: its write lock is held; PostgreSQL: its connection has a
 * transaction id), kills the process with SIGKILL, restarts it on the same database and reads the
 * batch back. It retries until a kill has landed while the write was running (the batch was seen in
 * progress and is absent after the restart); every attempt must find all or none of its batch.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { SQLITE_FILE_NAME } from '../src/db/sqlite-db.ts';
import { basicAuth, bearer, call, claimsOf } from './http-client.ts';
import { newTestSchema, POSTGRES_TEST_URL, postgresAvailable } from './postgres.ts';

const BIN = fileURLToPath(new URL('../bin/tether.js', import.meta.url));
/** 100 objects (the most one request may write) of about 60 KB each: a 6 MB transaction. */
const OBJECTS = 100;
const VALUE_BYTES = 60_000;
const MAX_ATTEMPTS = 20;

/** A `tether serve` child on ephemeral ports; resolves with its HTTP port once it listens. */
async function serve(
  args: string[],
): Promise<{ child: ChildProcess; port: number; exited: Promise<unknown> }> {
  const child = spawn(
    process.execPath,
    [BIN, 'serve', '--host', '127.0.0.1', '--port', '0', '--storage-max-value-bytes', '65536', ...args],
    {
      env: {
        ...process.env,
        TETHER_GM_PORT: '0',
        // The console listens too: on a free port, so parallel test files never collide on 7351.
        TETHER_CONSOLE_PORT: '0',
        TETHER_LOG_LEVEL: 'info',
        TETHER_MAX_REQUEST_BYTES: String(16 * 1024 * 1024),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const port = await new Promise<number>((resolve, reject) => {
    // Generous: a loaded 2-core machine compiles the sources (tsx) slowly.
    const timer = setTimeout(() => reject(new Error('tether serve did not start')), 60_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; port?: number };
        if (entry.msg?.startsWith('tether listening')) {
          clearTimeout(timer);
          resolve(entry.port ?? 0);
        }
      } catch {
        // Not a log line.
      }
    });
    child.once('exit', (code) => reject(new Error(`tether serve exited early (${code})`)));
  });
  return { child, port, exited };
}

/** The batch of attempt `gen`: every object carries the attempt number and padding. */
function batch(gen: number): { objects: unknown[] } {
  const pad = 'x'.repeat(VALUE_BYTES);
  return {
    objects: Array.from({ length: OBJECTS }, (_, i) => ({
      collection: 'crash',
      key: `k${String(i).padStart(3, '0')}`,
      value: JSON.stringify({ gen, i, pad }),
    })),
  };
}

/** The generation of every stored object of the batch, read through the server. */
async function generations(baseUrl: string, token: string, userId: string): Promise<number[]> {
  const res = await call(baseUrl, 'GET', `/v2/storage/crash?limit=100&user_id=${userId}`, {
    auth: bearer(token),
  });
  expect(res.status).toBe(200);
  const objects = (res.body?.objects ?? []) as { value: string }[];
  return objects.map((o) => (JSON.parse(o.value) as { gen: number }).gen);
}

interface Backend {
  /** Flags that put the server on this backend's database. */
  readonly args: string[];
  /** Resolves once the server's write transaction is seen open (polling), or `stop()` is called. */
  watch(stop: Promise<unknown>): Promise<boolean>;
  dispose(): Promise<void>;
}

function sqliteBackend(): Backend {
  const dir = mkdtempSync(join(tmpdir(), 'tether-crash-'));
  return {
    args: ['--data', dir],
    async watch(stop) {
      let stopped = false;
      void stop.then(() => {
        stopped = true;
      });
      // A second connection that tries to take the write lock without waiting: SQLITE_BUSY means the
      // server holds it, i.e. its transaction is open.
      const probe = new Database(join(dir, SQLITE_FILE_NAME), { timeout: 0 });
      try {
        while (!stopped) {
          try {
            probe.exec('BEGIN IMMEDIATE');
            probe.exec('ROLLBACK');
          } catch (err) {
            if ((err as { code?: string }).code === 'SQLITE_BUSY') return true;
            throw err;
          }
          await new Promise((r) => setImmediate(r));
        }
        return false;
      } finally {
        probe.close();
      }
    },
    async dispose() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function postgresBackend(): Backend {
  const schema = newTestSchema();
  const app = `tether_crash_${schema.name}`;
  const url = new URL(POSTGRES_TEST_URL);
  url.searchParams.set('application_name', app);
  return {
    args: ['--database', url.toString(), '--database-schema', schema.name, '--database-pool-size', '4'],
    async watch(stop) {
      let stopped = false;
      void stop.then(() => {
        stopped = true;
      });
      const probe = new pg.Client({ connectionString: POSTGRES_TEST_URL });
      await probe.connect();
      try {
        // A transaction that has written something has a transaction id.
        while (!stopped) {
          const { rows } = await probe.query<{ n: number }>(
            'SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND backend_xid IS NOT NULL',
            [app],
          );
          if (rows[0]!.n > 0) return true;
        }
        return false;
      } finally {
        await probe.end();
      }
    },
    dispose: () => schema.drop(),
  };
}

const backends: [string, () => Backend][] = [['sqlite', sqliteBackend]];
if (await postgresAvailable('storage crash')) backends.push(['postgres', postgresBackend]);

describe.each(backends)('kill -9 during a storage batch write on %s', (_name, make) => {
  it('leaves all of the batch or none of it, and a kill lands while the write runs', {
    timeout: 240_000,
  }, async () => {
    const backend = make();
    let server = await serve(backend.args);
    try {
      const base = () => `http://127.0.0.1:${server.port}`;
      const login = await call(base(), 'POST', '/v2/account/authenticate/device', {
        auth: basicAuth(),
        body: { id: 'crash-test-device' },
      });
      const token = login.body!.token as string;
      const userId = claimsOf(token).uid as string;
      const first = await call(base(), 'PUT', '/v2/storage', { auth: bearer(token), body: batch(0) });
      expect(first.status).toBe(200);
      let committed = 0;
      let landed = false;
      for (let gen = 1; gen <= MAX_ATTEMPTS && !landed; gen++) {
        const write = call(base(), 'PUT', '/v2/storage', { auth: bearer(token), body: batch(gen) }).then(
          (r) => r.status,
          () => 'connection lost' as const,
        );
        const seenOpen = await backend.watch(write);
        if (seenOpen) server.child.kill('SIGKILL');
        const outcome = await write;
        if (!seenOpen && outcome === 200) {
          // The write finished before the probe saw it, in full.
          committed = gen;
          continue;
        }
        if (!seenOpen) {
          // No kill, yet no answer (on a loaded machine the client can lose a kept-alive connection
          // the server was closing): the server must still be up and the batch all or none.
          expect(outcome).toBe('connection lost');
          expect(server.child.exitCode).toBeNull();
          const gens = await generations(base(), token, userId);
          expect(new Set(gens).size).toBe(1);
          expect([committed, gen]).toContain(gens[0]);
          committed = gens[0]!;
          continue;
        }
        await server.exited;
        server = await serve(backend.args);
        const gens = await generations(base(), token, userId);
        expect(gens).toHaveLength(OBJECTS);
        // All or none: every object from one batch, the killed one or the last committed one.
        expect(new Set(gens).size).toBe(1);
        expect([committed, gen]).toContain(gens[0]);
        if (gens[0] === gen) committed = gen;
        else landed = true;
      }
      expect(landed).toBe(true);
    } finally {
      server.child.kill('SIGKILL');
      await server.exited;
      await backend.dispose();
    }
  });
});
