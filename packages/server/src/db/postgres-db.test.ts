import { AsyncResource } from 'node:async_hooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newTestSchema, POSTGRES_TEST_URL, postgresAvailable, type TestSchema } from '../../test/postgres.ts';
import type { PostgresDb } from './db.ts';
import { DbClosedError } from './errors.ts';
import { openPostgresDb } from './open-postgres.ts';
import { MAX_TX_ATTEMPTS } from './postgres-db.ts';

const available = await postgresAvailable('postgres db port');

/** Resolves once `count` callers have arrived: makes two transactions overlap on purpose. */
function barrier(count: number): () => Promise<void> {
  let arrived = 0;
  let release!: () => void;
  const all = new Promise<void>((resolve) => {
    release = resolve;
  });
  return () => {
    arrived += 1;
    if (arrived === count) release();
    return all;
  };
}

describe.skipIf(!available)('PostgresDb', () => {
  let schema: TestSchema;
  let db: PostgresDb;

  beforeEach(async () => {
    schema = newTestSchema();
    db = await openPostgresDb({ url: POSTGRES_TEST_URL, schema: schema.name, poolSize: 4 });
    await db.query(`CREATE SCHEMA ${schema.name}`);
    await db.query(`CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL);
      INSERT INTO counter VALUES (1, 0), (2, 0);
      CREATE TABLE effects (tx TEXT PRIMARY KEY);`);
  });
  afterEach(async () => {
    await db.close();
    await schema.drop();
  });

  const count = async (id: number) =>
    (await db.row<{ n: number }>('SELECT n FROM counter WHERE id = $1', [id]))?.n;

  it('retries a serialization failure: both transactions land exactly once', async () => {
    const bothRead = barrier(2);
    const attempts: Record<string, number> = { a: 0, b: 0 };
    const pushed: string[] = [];
    const bump = (name: string) =>
      db.tx(
        async () => {
          attempts[name]! += 1;
          const n = (await db.row<{ n: number }>('SELECT n FROM counter WHERE id = 1'))!.n;
          // First attempts wait for each other, so both read the same snapshot and then collide.
          if (attempts[name] === 1) await bothRead();
          await db.query('UPDATE counter SET n = $1 WHERE id = 1', [n + 1]);
          await db.query('INSERT INTO effects (tx) VALUES ($1)', [name]);
          db.afterCommit(() => pushed.push(`${name}#${attempts[name]}`));
        },
        { isolation: 'serializable' },
      );
    await Promise.all([bump('a'), bump('b')]);
    expect(await count(1)).toBe(2);
    expect((await db.rows('SELECT tx FROM effects ORDER BY tx')).map((r) => r.tx)).toEqual(['a', 'b']);
    // Exactly one of them ran twice, and only its successful attempt pushed.
    expect(attempts.a! + attempts.b!).toBe(3);
    expect(pushed.sort()).toEqual([`a#${attempts.a}`, `b#${attempts.b}`]);
  });

  it('retries the victim of a deadlock', async () => {
    const bothLocked = barrier(2);
    let attempts = 0;
    const lockBoth = (first: number, second: number) =>
      db.tx(async () => {
        attempts += 1;
        await db.query('UPDATE counter SET n = n + 1 WHERE id = $1', [first]);
        if (attempts <= 2) await bothLocked();
        await db.query('UPDATE counter SET n = n + 1 WHERE id = $1', [second]);
      });
    await Promise.all([lockBoth(1, 2), lockBoth(2, 1)]);
    expect(attempts).toBe(3);
    expect([await count(1), await count(2)]).toEqual([2, 2]);
  });

  it(`gives up after ${MAX_TX_ATTEMPTS} tries and rethrows the serialization failure`, async () => {
    let attempts = 0;
    const err = await db
      .tx(async () => {
        attempts += 1;
        await db.query('INSERT INTO effects (tx) VALUES ($1)', [`try ${attempts}`]);
        await db.query(
          "DO $$ BEGIN RAISE EXCEPTION 'forced conflict' USING ERRCODE = 'serialization_failure'; END $$",
        );
      })
      .then(
        () => ({ code: 'committed' }),
        (e: unknown) => e as Error & { code?: string },
      );
    expect(err.code).toBe('40001');
    expect(attempts).toBe(MAX_TX_ATTEMPTS);
    expect(await db.rows('SELECT tx FROM effects')).toEqual([]);
  });

  it('does not retry other errors', async () => {
    let attempts = 0;
    await expect(
      db.tx(async () => {
        attempts += 1;
        await db.query('INSERT INTO counter VALUES (1, 0)');
      }),
    ).rejects.toMatchObject({ code: '23505' });
    expect(attempts).toBe(1);
  });

  it("sends a query outside the transaction to another connection, which sees only what's committed", async () => {
    // Bound here, outside the transaction: it runs in this context even when called inside `tx`.
    const readOutside = AsyncResource.bind(() => db.rows('SELECT tx FROM effects'));
    let outside: unknown[] | undefined;
    await db.tx(async () => {
      await db.query("INSERT INTO effects (tx) VALUES ('inside')");
      outside = await readOutside();
      expect(await db.rows('SELECT tx FROM effects')).toEqual([{ tx: 'inside' }]);
    });
    expect(outside).toEqual([]);
    expect(await db.rows('SELECT tx FROM effects')).toEqual([{ tx: 'inside' }]);
  });

  it('runs a prepared statement again and again, on every pooled connection and inside a transaction', async () => {
    const byId = { name: 'test_counter_by_id', text: 'SELECT n FROM counter WHERE id = $1' };
    // More at once than the pool has connections: each connection prepares it once, then reuses it.
    const first = await Promise.all(Array.from({ length: 12 }, (_, i) => db.row(byId, [(i % 2) + 1])));
    expect(first).toEqual(Array.from({ length: 12 }, () => ({ n: 0 })));
    await db.tx(async () => {
      await db.query('UPDATE counter SET n = 5 WHERE id = 2');
      expect(await db.rows(byId, [2])).toEqual([{ n: 5 }]);
    });
    expect(await db.row(byId, [2])).toEqual({ n: 5 });
    expect(await db.row(byId, [3])).toBeNull();
  });

  it('keeps each transaction its own when they overlap and one ends first (the context stays on until the last)', async () => {
    let endFirst!: () => void;
    const firstMayEnd = new Promise<void>((resolve) => {
      endFirst = resolve;
    });
    let firstEnded!: () => void;
    const firstDone = new Promise<void>((resolve) => {
      firstEnded = resolve;
    });
    const first = db.tx(async () => {
      await db.query("INSERT INTO effects (tx) VALUES ('first')");
      await firstMayEnd;
    });
    const second = db.tx(async () => {
      endFirst();
      await firstDone;
      await new Promise((resolve) => setImmediate(resolve));
      // Still inside the second transaction: rolled back with it.
      await db.query("INSERT INTO effects (tx) VALUES ('second')");
      throw new Error('roll back the second');
    });
    await first;
    firstEnded();
    await expect(second).rejects.toThrow('roll back the second');
    // A transaction after both still finds its own context.
    await db.tx(async () => {
      await new Promise((resolve) => setImmediate(resolve));
      await db.query("INSERT INTO effects (tx) VALUES ('third')");
    });
    const rows = await db.rows<{ tx: string }>('SELECT tx FROM effects ORDER BY tx');
    expect(rows.map((r) => r.tx)).toEqual(['first', 'third']);
  });

  it('reads a named prepared statement as arrays, inside a transaction on its connection', async () => {
    const text = 'SELECT id, n FROM counter WHERE id >= $1 ORDER BY id';
    expect(await db.arrays({ name: 'counter_from', text }, [1])).toEqual([
      [1, 0],
      [2, 0],
    ]);
    // The same name and text again, with other values: the prepared statement is reused.
    expect(await db.arrays({ name: 'counter_from', text }, [2])).toEqual([[2, 0]]);
    await db
      .tx(async () => {
        await db.query('UPDATE counter SET n = 5 WHERE id = 2');
        // Sees its own transaction's uncommitted write.
        expect(await db.arrays({ name: 'counter_from', text }, [2])).toEqual([[2, 5]]);
        await expect(db.arrays({ name: 'bad_arrays', text: 'SELECT nope FROM counter' })).rejects.toThrow(
          'nope',
        );
      })
      .catch(() => {});
    // The failed statement aborted that transaction: its write is gone.
    expect(await count(2)).toBe(0);
  });

  it('keeps its tables in its schema (search_path on every pooled connection)', async () => {
    const where = await db.row<{ schema: string }>(
      "SELECT table_schema AS schema FROM information_schema.tables WHERE table_name = 'counter' AND table_schema = current_schema()",
    );
    expect(where).toEqual({ schema: schema.name });
  });

  it('refuses queries and transactions once closed', async () => {
    const other = await openPostgresDb({ url: POSTGRES_TEST_URL, schema: schema.name, poolSize: 1 });
    await other.close();
    await other.close();
    await expect(other.query('SELECT 1')).rejects.toBeInstanceOf(DbClosedError);
    await expect(other.tx(async () => 1)).rejects.toBeInstanceOf(DbClosedError);
  });

  it('fails with the server address and without the password when it cannot connect', async () => {
    const err = await openPostgresDb({
      url: 'postgres://someone:secret-pw@127.0.0.1:1/nothing',
      poolSize: 1,
    }).then(
      () => new Error('connected'),
      (e: unknown) => e as Error,
    );
    expect(err.message).not.toBe('connected');
    expect(err.message).toContain('127.0.0.1:1/nothing');
    expect(err.message).not.toContain('secret-pw');
  });
});
