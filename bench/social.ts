/**
 * Paging through big social lists, loopback only and bounded in time.
 *
 *   npm run social --prefix bench [-- --rounds 5 --postgres <url>]
 *
 * Two lists, 100 rows a page, on SQLite and (when reachable) PostgreSQL in a throwaway schema: the
 * members of a group of 10,000 (`GET /v2/group/{id}/user`, 100 pages) and the friends of a user with
 * 5,000 friends (`GET /v2/friend`, 50 pages). Each page is fetched through the real server with the
 * cursor of the previous one, `--rounds` times over. The reference, measured in the same run on the
 * same database, is the bare keyset SQL for the same page (the page's rows joined with their users),
 * run directly on the driver. A third row runs the same page with OFFSET instead of a keyset, to show
 * what keyset paging avoids. Reported per list: p50 and p99 per page for each, the API's p99 as a
 * ratio to the bare SQL's, and the slowest page's median as a ratio to the first page's (keyset pages
 * stay flat; OFFSET pages grow with the offset).
 *
 * The rows are written through the server's own stores (accounts, friend edges, group members) before
 * the server starts; the server then runs in this process, alone, while the API pages are measured.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, startServer } from '@tether/server';
import type BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { openDatabase, pick } from '../packages/server/src/database.ts';
import type { SqliteDb } from '../packages/server/src/db/db.ts';
import { openSqliteDb } from '../packages/server/src/db/sqlite-db.ts';
import { accountStores } from '../packages/server/src/features/accounts/store/dialects.ts';
import { friendStores } from '../packages/server/src/features/friends/store/dialects.ts';
import { FriendState } from '../packages/server/src/features/friends/store/friend-store.ts';
import { groupStores } from '../packages/server/src/features/groups/store/dialects.ts';
import { GroupRole } from '../packages/server/src/features/groups/store/group-store.ts';
import { createLogger } from '../packages/server/src/observability/logger.ts';
import { newUuid, newUuidV7 } from '../packages/server/src/shared/ids.ts';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    /** Also print each page's best time (ms) for every row. */
    pages: { type: 'boolean', default: false },
    members: { type: 'string', default: '10000' },
    friends: { type: 'string', default: '5000' },
    postgres: {
      type: 'string',
      default: process.env.TETHER_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    },
  },
});
const ROUNDS = Number(args.rounds);
const MEMBERS = Number(args.members);
const FRIENDS = Number(args.friends);
const PAGE = 100;
const T0 = Date.UTC(2025, 0, 1);

/** Where one backend's data lives, and what was seeded into it. */
interface Backend {
  readonly name: 'sqlite' | 'postgres';
  readonly config: Record<string, unknown>;
  /** Runs one bare SQL statement and returns its rows (the reference). */
  sql(text: { sqlite: string; postgres: string }, params: unknown[]): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

interface Seeded {
  readonly groupId: string;
  /** The group's superadmin and the user with many friends, each signed in by a device id. */
  readonly ownerDevice: string;
  readonly ownerId: string;
}

/** Milliseconds per page for each round: `times[round][page]`. */
type PageTimes = number[][];

// --- seeding, through the server's stores ---------------------------------------------------------

async function seed(config: Record<string, unknown>): Promise<Seeded> {
  const db = await openDatabase({
    data: String(config.data ?? ''),
    database: String(config.database ?? 'sqlite'),
    databaseSchema: config.databaseSchema as string | undefined,
    databasePoolSize: 4,
  });
  const accounts = pick(db, accountStores);
  const friends = pick(db, friendStores);
  const groups = pick(db, groupStores);
  const ownerDevice = `bench-owner-${randomBytes(4).toString('hex')}`;
  const ids: string[] = [];
  await db.tx(async () => {
    for (let i = 0; i < MEMBERS; i++) {
      const identity = { kind: 'device' as const, id: i === 0 ? ownerDevice : `bench-user-${i}` };
      const user = await accounts.createAccount({
        id: newUuid(),
        username: `bench${i}`,
        identity,
        now: new Date(T0),
      });
      ids.push(user.id);
    }
  });
  const [ownerId] = ids as [string];
  const groupId = newUuidV7(T0);
  await db.tx(async () => {
    await groups.createGroup(
      {
        id: groupId,
        creatorId: ownerId,
        name: 'Bench Guild',
        description: null,
        avatarUrl: null,
        langTag: 'en',
        metadata: '{}',
        open: true,
        edgeCount: MEMBERS,
        maxCount: MEMBERS,
        createTime: new Date(T0),
        updateTime: new Date(T0),
      },
      'bench guild',
    );
    for (let i = 0; i < MEMBERS; i += 1000) {
      await groups.putMembers(
        ids.slice(i, i + 1000).map((userId, j) => ({
          groupId,
          userId,
          state: i + j === 0 ? GroupRole.SUPERADMIN : GroupRole.MEMBER,
          position: (T0 + i + j) * 1000,
          updateTime: new Date(T0),
        })),
      );
    }
    for (let i = 1; i <= FRIENDS; i += 1000) {
      const batch = ids.slice(i, Math.min(i + 1000, FRIENDS + 1));
      await friends.putEdges(
        batch.flatMap((otherId, j) => {
          const common = {
            state: FriendState.FRIEND,
            position: (T0 + i + j) * 1000,
            updateTime: new Date(T0),
            metadata: '{}',
          };
          return [
            { ...common, userId: ownerId, otherId },
            { ...common, userId: otherId, otherId: ownerId },
          ];
        }),
      );
    }
  });
  // Planner statistics, as autovacuum (PostgreSQL) would gather them on a live server; without them
  // PostgreSQL plans a page of a freshly filled table as a scan of every remaining row and a sort.
  if (db.dialect === 'postgres') await db.query('ANALYZE');
  else await db.run((connection) => connection.exec('ANALYZE'));
  await db.close();
  return { groupId, ownerDevice, ownerId };
}

// --- the walks: the API, page by page, and the bare SQL for the same pages --------------------------

/** Walks one list page by page; resolves with the milliseconds each page took. */
type Walk = () => Promise<number[]>;

/** Walks of both lists through the running server's HTTP API, as the owner. */
async function apiWalks(base: string, seeded: Seeded): Promise<{ members: Walk; friends: Walk }> {
  const auth = await fetch(`${base}/v2/account/authenticate/device?create=false`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from('defaultkey:').toString('base64')}` },
    body: JSON.stringify({ id: seeded.ownerDevice }),
  });
  const token = ((await auth.json()) as { token: string }).token;
  const walk = (path: string, key: string, expected: number) => async (): Promise<number[]> => {
    const times: number[] = [];
    let cursor = '';
    let rows = 0;
    do {
      const t0 = performance.now();
      const res = await fetch(`${base}${path}?limit=${PAGE}${cursor && `&cursor=${cursor}`}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const body = (await res.json()) as Record<string, unknown>;
      times.push(performance.now() - t0);
      if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status} ${JSON.stringify(body)}`);
      rows += (body[key] as unknown[]).length;
      cursor = (body.cursor as string | undefined) ?? '';
    } while (cursor);
    if (rows !== expected) throw new Error(`${path}: ${rows} rows, expected ${expected}`);
    return times;
  };
  return {
    members: walk(`/v2/group/${seeded.groupId}/user`, 'group_users', MEMBERS),
    friends: walk('/v2/friend', 'friends', FRIENDS),
  };
}

const USER_COLUMNS =
  'u.id, u.username, u.display_name, u.avatar_url, u.lang_tag, u.metadata, u.create_time, u.update_time';

/**
 * Walks of both lists with bare SQL on the driver: each page's rows joined with their users, in the
 * API's order, after the previous page's last row (keyset) or skipping the rows before it (OFFSET).
 */
function sqlWalks(
  backend: Backend,
  seeded: Seeded,
  mode: 'keyset' | 'offset',
): { members: Walk; friends: Walk } {
  const p = (n: number) => (backend.name === 'sqlite' ? '?' : `$${n}`);
  const walk =
    (owner: string, total: number, select: string, alias: string, other: string) =>
    async (): Promise<number[]> => {
      const times: number[] = [];
      let last: unknown[] | null = null;
      for (let page = 0; page * PAGE < total; page++) {
        const keyset =
          mode === 'keyset' && last
            ? `AND (${alias}.state, ${alias}.position, ${alias}.${other}) > (${p(2)}, ${p(3)}, ${p(4)})`
            : '';
        const sql = `${select} ${keyset} ORDER BY ${alias}.state, ${alias}.position, ${alias}.${other}
          LIMIT ${PAGE}${mode === 'offset' ? ` OFFSET ${page * PAGE}` : ''}`;
        const t0 = performance.now();
        const rows = await backend.sql({ sqlite: sql, postgres: sql }, [owner, ...(keyset ? last! : [])]);
        times.push(performance.now() - t0);
        const row = rows[rows.length - 1]!;
        last = [row.state, row.position, row[other]];
      }
      return times;
    };
  return {
    members: walk(
      seeded.groupId,
      MEMBERS,
      `SELECT m.state, m.position, m.user_id, ${USER_COLUMNS} FROM group_members m JOIN users u ON u.id = m.user_id
       WHERE m.group_id = ${p(1)} AND m.state <= 3`,
      'm',
      'user_id',
    ),
    friends: walk(
      seeded.ownerId,
      FRIENDS,
      `SELECT e.state, e.position, e.other_id, e.update_time AS edge_time, e.metadata AS edge_metadata, ${USER_COLUMNS}
       FROM friend_edges e JOIN users u ON u.id = e.other_id WHERE e.user_id = ${p(1)}`,
      'e',
      'other_id',
    ),
  };
}

// --- backends --------------------------------------------------------------------------------------

function sqliteBackend(): Backend {
  const data = mkdtempSync(join(tmpdir(), 'tether-bench-social-'));
  let db: SqliteDb | undefined;
  const statements = new Map<string, BetterSqlite3.Statement<unknown[], Record<string, unknown>>>();
  return {
    name: 'sqlite',
    config: { data, database: 'sqlite' },
    sql(text, params) {
      // The same connection settings as the server; `run` hands over the better-sqlite3 connection.
      db ??= openSqliteDb({ dataDir: data });
      const open = db;
      return open.run((connection) => {
        let statement = statements.get(text.sqlite);
        if (!statement) {
          statement = connection.prepare<unknown[], Record<string, unknown>>(text.sqlite);
          statements.set(text.sqlite, statement);
        }
        return statement.all(...params);
      });
    },
    async close() {
      await db?.close();
      rmSync(data, { recursive: true, force: true });
    },
  };
}

async function postgresBackend(url: string): Promise<Backend | null> {
  const probe = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await probe.connect();
  } catch (err) {
    console.log(`PostgreSQL at ${url} is unreachable (${(err as Error).message}): SQLite only.`);
    return null;
  }
  const schema = `tether_bench_${randomBytes(4).toString('hex')}`;
  await probe.query(`SET search_path TO ${schema}`);
  return {
    name: 'postgres',
    config: { database: url, databaseSchema: schema, databasePoolSize: 4 },
    async sql(text, params) {
      // A named statement is prepared once per connection, as the server's driver would reuse plans.
      const name = `q${createHash('sha1').update(text.postgres).digest('hex')}`;
      return (await probe.query({ name, text: text.postgres, values: params })).rows;
    },
    async close() {
      await probe.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await probe.end();
    },
  };
}

// --- report ----------------------------------------------------------------------------------------

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

/**
 * p50 and p99 over every page of every round, and how flat the pages are: the slowest page's best
 * time over the first page's best time (each page's minimum over the rounds, so that a burst of
 * outside load does not pass for a slow page).
 */
function summarise(times: PageTimes): { p50: number; p99: number; flat: number } {
  const all = times.flat().sort((a, b) => a - b);
  const best = times[0]!.map((_, page) => Math.min(...times.map((round) => round[page]!)));
  if (args.pages) console.log(`  best per page: ${best.map((t) => t.toFixed(2)).join(' ')}`);
  return { p50: percentile(all, 0.5), p99: percentile(all, 0.99), flat: Math.max(...best) / best[0]! };
}

function row(cells: (string | number)[]): string {
  return `| ${cells.map((c) => (typeof c === 'number' ? c.toFixed(2) : c)).join(' | ')} |`;
}

async function main(): Promise<void> {
  const deadline = setTimeout(() => {
    console.error('social benchmark: still running after 5 minutes, giving up');
    process.exit(1);
  }, 300_000);
  const backends = [sqliteBackend(), await postgresBackend(args.postgres)].filter(
    (b): b is Backend => b !== null,
  );
  console.log(`Paging 100 rows at a time, ${ROUNDS} rounds; times in ms per page.\n`);
  console.log(
    row([
      'backend',
      'list',
      'pages',
      'API p50',
      'API p99',
      'SQL p50',
      'SQL p99',
      'API/SQL p99',
      'slowest/first page (API)',
      'slowest/first page (SQL)',
      'OFFSET slowest/first',
    ]),
  );
  console.log(row(Array(11).fill('---')));
  for (const backend of backends) {
    try {
      const seeded = await seed(backend.config);
      const server = await startServer(
        loadConfig({ host: '127.0.0.1', port: 0, gmPort: 0, ...backend.config }, {}),
        { logger: createLogger('silent') },
      );
      const walks = {
        api: await apiWalks(`http://127.0.0.1:${server.http.port}`, seeded),
        keyset: sqlWalks(backend, seeded, 'keyset'),
        offset: sqlWalks(backend, seeded, 'offset'),
      };
      const times = {
        api: { members: [] as PageTimes, friends: [] as PageTimes },
        keyset: { members: [] as PageTimes, friends: [] as PageTimes },
        offset: { members: [] as PageTimes, friends: [] as PageTimes },
      };
      try {
        // One unmeasured walk of each warms the JIT, statement caches and database pages; then the
        // rounds interleave the three ways, so outside load falls on all of them alike.
        for (let round = -1; round < ROUNDS; round++) {
          for (const way of ['api', 'keyset', 'offset'] as const) {
            for (const list of ['members', 'friends'] as const) {
              const t = await walks[way][list]();
              if (round >= 0) times[way][list].push(t);
            }
          }
        }
      } finally {
        await server.close('benchmark done');
      }
      const { api, keyset, offset } = times;
      for (const list of ['members', 'friends'] as const) {
        const a = summarise(api[list]);
        const s = summarise(keyset[list]);
        const o = summarise(offset[list]);
        const label =
          list === 'members' ? `members of a group of ${MEMBERS}` : `friends of a user with ${FRIENDS}`;
        console.log(
          row([
            backend.name,
            label,
            api[list][0]!.length,
            a.p50,
            a.p99,
            s.p50,
            s.p99,
            `${(a.p99 / s.p99).toFixed(1)}×`,
            `${a.flat.toFixed(2)}×`,
            `${s.flat.toFixed(2)}×`,
            `${o.flat.toFixed(2)}×`,
          ]),
        );
      }
    } finally {
      await backend.close();
    }
  }
  clearTimeout(deadline);
}

await main();
