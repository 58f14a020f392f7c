/**
 * The server side of `storage-http.ts`, run in its own process so the load generator does not share
 * its event loop. Usage:
 *
 *   storage-http-server.ts tether    <database> <data dir> [schema]
 *   storage-http-server.ts reference <database> <data dir> [schema]
 *
 * `tether` is a real Tether server (SQLite in `<data dir>`, or PostgreSQL `<database>` in `[schema]`).
 * `reference` is a bare `node:http` server on the same database that runs the same SQL as Tether's
 * storage store for the same requests (`PUT /v2/storage`: one upsert; `POST /v2/storage`: one read
 * by primary key) with no authentication, no validation and no framework: the floor Tether is
 * measured against. The owner comes from the request (`user_id` in the object, which Tether ignores
 * and takes from the session). Reports `{ port }` over IPC, answers the message `"cpu"` with its
 * `process.cpuUsage()` and its main thread's event-loop idle and active time so far (`{ cpu, elu }`),
 * stops on the message `"stop"`.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfig, startServer } from '@tether/server';
import Database from 'better-sqlite3';
import pg from 'pg';

const [mode = 'reference', database = 'sqlite', data = '.', schema] = process.argv.slice(2);

if (!process.send) throw new Error('run me through storage-http.ts (needs an IPC channel)');
const send = process.send.bind(process);

/** The statements of Tether's storage store (features/storage/store), unchanged. */
const UPSERT_SET = `ON CONFLICT (collection, key, user_id) DO UPDATE SET
    value = excluded.value, version = excluded.version, read = excluded.read, write = excluded.write,
    update_time = CASE
      WHEN s.version = excluded.version AND s.read = excluded.read AND s.write = excluded.write
      THEN s.update_time ELSE excluded.update_time END`;
const COLUMNS = 'collection, key, user_id, value, version, read, write, create_time, update_time';

/** Reads one object by primary key; writes one with last-write-wins. Both return rows as stored. */
interface Queries {
  upsert(collection: string, key: string, userId: string, value: string, version: string): Promise<Row>;
  read(collection: string, key: string, userId: string): Promise<Row[]>;
}
type Row = Record<string, unknown>;

function sqliteQueries(file: string): Queries {
  const db = new Database(file);
  // Tether's pragmas.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  const upsert = db.prepare(
    `INSERT INTO storage_objects AS s
       (collection, key, user_id, owner_id, value, version, read, write, create_time, update_time)
     VALUES (@collection, @key, @userId, @ownerId, @value, @version, @read, @write, @now, @now)
     ${UPSERT_SET}
     WHERE @enforce = 0 OR s.write = 1
     RETURNING create_time, update_time`,
  );
  const read = db.prepare(
    `SELECT ${COLUMNS} FROM storage_objects WHERE collection = ? AND key = ? AND user_id = ?`,
  );
  return {
    async upsert(collection, key, userId, value, version) {
      return upsert.get({
        collection,
        key,
        userId,
        ownerId: userId,
        value,
        version,
        read: 1,
        write: 1,
        now: Date.now(),
        enforce: 1,
      }) as Row;
    },
    async read(collection, key, userId) {
      return read.all(collection, key, userId) as Row[];
    },
  };
}

function postgresQueries(url: string, searchPath: string | undefined): Queries {
  // Tether's pool: 10 connections by default, the schema on the search path.
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    ...(searchPath ? { options: `-c search_path=${searchPath}` } : {}),
  });
  return {
    async upsert(collection, key, userId, value, version) {
      const { rows } = await pool.query(
        `INSERT INTO storage_objects AS s
           (collection, key, user_id, owner_id, value, version, read, write, create_time, update_time)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
         ${UPSERT_SET}
         WHERE NOT $10 OR s.write = 1
         RETURNING s.create_time, s.update_time`,
        [collection, key, userId, userId, value, version, 1, 1, new Date(), true],
      );
      return rows[0] as Row;
    },
    async read(collection, key, userId) {
      const { rows } = await pool.query(
        `SELECT ${COLUMNS} FROM storage_objects WHERE collection = $1 AND key = $2 AND user_id = $3`,
        [collection, key, userId],
      );
      return rows as Row[];
    },
  };
}

function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}')));
    req.on('error', reject);
  });
}

function reply(res: ServerResponse, status: number, json: unknown): void {
  const text = JSON.stringify(json);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** The answer to `"cpu"`: CPU time so far and the main thread's event-loop idle and active time. */
function usage(): { cpu: NodeJS.CpuUsage; elu: { idle: number; active: number } } {
  const { idle, active } = performance.eventLoopUtilization();
  return { cpu: process.cpuUsage(), elu: { idle, active } };
}

const iso = (t: unknown) => new Date(t as number | Date).toISOString();

if (mode === 'reference') {
  const q =
    database === 'sqlite' ? sqliteQueries(join(data, 'tether.sqlite3')) : postgresQueries(database, schema);
  const server = createServer(async (req, res) => {
    try {
      const b = await body(req);
      if (req.method === 'PUT') {
        const o = (b.objects as Record<string, string>[])[0]!;
        const version = createHash('md5').update(o.value!).digest('hex');
        const row = await q.upsert(o.collection!, o.key!, o.user_id!, o.value!, version);
        reply(res, 200, {
          acks: [
            {
              collection: o.collection,
              key: o.key,
              version,
              user_id: o.user_id,
              create_time: iso(row.create_time),
              update_time: iso(row.update_time),
            },
          ],
        });
      } else {
        const id = (b.object_ids as Record<string, string>[])[0]!;
        const rows = await q.read(id.collection!, id.key!, id.user_id!);
        reply(res, 200, {
          objects: rows.map((r) => ({
            ...r,
            permission_read: r.read,
            permission_write: r.write,
            create_time: iso(r.create_time),
            update_time: iso(r.update_time),
          })),
        });
      }
    } catch (err) {
      reply(res, 500, { message: (err as Error).message });
    }
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => send({ port: (server.address() as AddressInfo).port }));
  process.on('message', (m) => {
    if (m === 'cpu') send(usage());
    if (m === 'stop') server.close(() => process.exit(0));
  });
} else {
  const config = loadConfig(
    {
      host: '127.0.0.1',
      port: 0,
      gmPort: 0,
      data,
      database,
      databaseSchema: schema,
      logLevel: 'silent',
      authFailuresPerAddress: 1_000_000,
      // TETHER_REVOCATION_CACHE_MS=0 measures Tether with every request reading its revocation.
      ...(process.env.TETHER_REVOCATION_CACHE_MS
        ? { revocationCacheMs: Number(process.env.TETHER_REVOCATION_CACHE_MS) }
        : {}),
    },
    {},
  );
  const server = await startServer(config);
  send({ port: server.http.port });
  process.on('message', async (m) => {
    if (m === 'cpu') send(usage());
    if (m !== 'stop') return;
    await server.close('benchmark finished');
    process.exit(0);
  });
}
