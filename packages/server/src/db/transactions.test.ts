/**
 * Transactions and after-commit side effects, the same on both backends (through the contract
 * harness). What another connection sees is read through a second, independent connection.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { expect, it } from 'vitest';
import { POSTGRES_TEST_URL } from '../../test/postgres.ts';
import { describeStoreContract } from '../../test/store-contract.ts';
import type { AnyDb } from './db.ts';
import { DbUsageError } from './errors.ts';
import type { FeatureMigrations } from './migrations.ts';

const PROBE: FeatureMigrations = {
  sqlite: [{ feature: 'probe', version: 1, name: 'probe', sql: 'CREATE TABLE probe (id TEXT PRIMARY KEY)' }],
  postgres: [
    { feature: 'probe', version: 1, name: 'probe', sql: 'CREATE TABLE probe (id TEXT PRIMARY KEY)' },
  ],
};

/** Inserts, reads and observes `probe` rows through the port under test. */
interface Probe {
  readonly db: AnyDb;
  insert(id: string): Promise<void>;
  ids(): Promise<string[]>;
  /** The ids another connection sees: only committed rows. */
  committed(): Promise<string[]>;
  close(): Promise<void>;
}

async function probe(db: AnyDb): Promise<Probe> {
  if (db.dialect === 'sqlite') {
    const insert = db.prepare<[string]>('INSERT INTO probe (id) VALUES (?)');
    const select = db.prepare<[], { id: string }>('SELECT id FROM probe ORDER BY id');
    const outside = new Database(db.file, { readonly: true });
    return {
      db,
      insert: (id) => db.run(() => void insert.run(id)),
      ids: () => db.run(() => select.all().map((r) => r.id)),
      committed: async () =>
        (outside.prepare('SELECT id FROM probe ORDER BY id').all() as { id: string }[]).map((r) => r.id),
      close: async () => void outside.close(),
    };
  }
  const outside = new pg.Client({
    connectionString: POSTGRES_TEST_URL,
    options: `-c search_path=${db.schema}`,
  });
  await outside.connect();
  return {
    db,
    insert: async (id) => void (await db.query('INSERT INTO probe (id) VALUES ($1)', [id])),
    ids: async () => (await db.rows<{ id: string }>('SELECT id FROM probe ORDER BY id')).map((r) => r.id),
    committed: async () =>
      (await outside.query<{ id: string }>('SELECT id FROM probe ORDER BY id')).rows.map((r) => r.id),
    close: () => outside.end(),
  };
}

describeStoreContract('transactions', { migrations: [PROBE], setup: probe }, (get) => {
  it('commits what the callback wrote and returns its value', async () => {
    const p = get();
    const result = await p.db.tx(async () => {
      await p.insert('a');
      await p.insert('b');
      expect(await p.ids()).toEqual(['a', 'b']);
      expect(await p.committed()).toEqual([]);
      return 42;
    });
    expect(result).toBe(42);
    expect(await p.committed()).toEqual(['a', 'b']);
    await p.close();
  });

  it('rolls back everything when the callback throws, and rethrows', async () => {
    const p = get();
    await p.insert('before');
    const boom = new Error('boom');
    await expect(
      p.db.tx(async () => {
        await p.insert('a');
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(await p.ids()).toEqual(['before']);
    await p.close();
  });

  it('joins a nested tx to the outer one: one commit at the end, one rollback for all', async () => {
    const p = get();
    await p.db.tx(async () => {
      await p.insert('outer');
      const inner = await p.db.tx(async () => {
        await p.insert('inner');
        return 'joined';
      });
      expect(inner).toBe('joined');
      // The inner tx did not commit on its own.
      expect(await p.committed()).toEqual([]);
    });
    expect(await p.committed()).toEqual(['inner', 'outer']);

    await expect(
      p.db.tx(async () => {
        await p.db.tx(() => p.insert('x'));
        throw new Error('outer fails after the inner tx finished');
      }),
    ).rejects.toThrow('outer fails');
    expect(await p.ids()).toEqual(['inner', 'outer']);
    await p.close();
  });

  it('refuses a nested tx that asks for stronger isolation than the outer one', async () => {
    const p = get();
    const nested = p.db.tx(() => p.db.tx(async () => 1, { isolation: 'serializable' }));
    // SQLite transactions are serializable already; PostgreSQL's default is read committed.
    if (p.db.dialect === 'sqlite') await expect(nested).resolves.toBe(1);
    else await expect(nested).rejects.toBeInstanceOf(DbUsageError);
    await p.close();
  });

  it('runs after-commit callbacks after the outermost commit, in order', async () => {
    const p = get();
    const seen: string[][] = [];
    const order: string[] = [];
    await p.db.tx(async () => {
      await p.insert('a');
      p.db.afterCommit(() => order.push('first'));
      await p.db.tx(async () => {
        p.db.afterCommit(() => order.push('nested'));
      });
      p.db.afterCommit(() => {
        order.push('last');
        // The commit has happened: another connection sees the row.
        void p.committed().then((ids) => seen.push(ids));
      });
      expect(order).toEqual([]);
    });
    expect(order).toEqual(['first', 'nested', 'last']);
    await expect.poll(() => seen).toEqual([['a']]);
    await p.close();
  });

  it('drops after-commit callbacks when the transaction rolls back', async () => {
    const p = get();
    const ran: string[] = [];
    await expect(
      p.db.tx(async () => {
        await p.insert('a');
        p.db.afterCommit(() => ran.push('never'));
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');
    // A later transaction does not inherit them either.
    await p.db.tx(async () => p.db.afterCommit(() => ran.push('later')));
    expect(ran).toEqual(['later']);
    await p.close();
  });

  it('runs an after-commit callback at once outside a transaction', async () => {
    const p = get();
    const ran: string[] = [];
    p.db.afterCommit(() => ran.push('now'));
    expect(ran).toEqual(['now']);
    await p.close();
  });

  it('keeps the commit and the other callbacks when one callback throws', async () => {
    const p = get();
    const ran: string[] = [];
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      await p.db.tx(async () => {
        await p.insert('kept');
        p.db.afterCommit(() => {
          throw new Error('push failed');
        });
        p.db.afterCommit(async () => {
          throw new Error('async push failed');
        });
        p.db.afterCommit(() => ran.push('third'));
      });
      expect(ran).toEqual(['third']);
      expect(await p.committed()).toEqual(['kept']);
      await expect
        .poll(() => warnings.map((w) => w.message).sort())
        .toEqual(['async push failed', 'push failed']);
    } finally {
      process.off('warning', onWarning);
      await p.close();
    }
  });

  it('refuses close() inside a transaction instead of waiting for itself', async () => {
    const p = get();
    await expect(p.db.tx(() => p.db.close())).rejects.toBeInstanceOf(DbUsageError);
    // Still open and usable.
    await p.insert('after');
    expect(await p.ids()).toEqual(['after']);
    await p.close();
  });

  it('refuses to commit after a failed statement, even when the callback caught it', async () => {
    const p = get();
    await p.insert('dup');
    const err = await p.db
      .tx(async () => {
        await p.insert('fresh');
        await p.insert('dup').catch(() => {}); // a unique violation, swallowed
        return 'swallowed';
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(String(err)).toMatch(/unique|duplicate/i);
    expect(await p.ids()).toEqual(['dup']);
    await p.close();
  });
});
