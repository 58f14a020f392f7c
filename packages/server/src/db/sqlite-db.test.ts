import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SqliteDb } from './db.ts';
import { DbBusyError, DbClosedError, DbUsageError } from './errors.ts';
import { DEFAULT_SQLITE_MMAP_BYTES, openSqliteDb, SQLITE_FILE_NAME } from './sqlite-db.ts';

/** A promise and the function that resolves it: lets a test hold a transaction open. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

/** Lets every queued callback and I/O turn run, so a promise that could settle has settled. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('SqliteDb', () => {
  let dir: string;
  let db: SqliteDb;
  const ids = () =>
    db.run((c) => (c.prepare('SELECT id FROM t ORDER BY rowid').all() as { id: string }[]).map((r) => r.id));
  const insert = (id: string) => db.run((c) => void c.prepare('INSERT INTO t (id) VALUES (?)').run(id));

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tether-sqlite-db-'));
    db = openSqliteDb({ dataDir: dir });
    await db.run((c) => c.exec('CREATE TABLE t (id TEXT PRIMARY KEY) STRICT'));
  });
  afterEach(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens the file in the data folder with the server pragmas', async () => {
    expect(db.file).toBe(join(dir, SQLITE_FILE_NAME));
    const pragmas = await db.run((c) => ({
      journal: c.pragma('journal_mode', { simple: true }),
      synchronous: c.pragma('synchronous', { simple: true }),
      foreignKeys: c.pragma('foreign_keys', { simple: true }),
      busyTimeout: c.pragma('busy_timeout', { simple: true }),
      mmap: c.pragma('mmap_size', { simple: true }),
    }));
    // synchronous 1 = NORMAL.
    expect(pragmas).toEqual({
      journal: 'wal',
      synchronous: 1,
      foreignKeys: 1,
      busyTimeout: 5000,
      mmap: DEFAULT_SQLITE_MMAP_BYTES,
    });
  });

  it('reads through a memory map of the asked size, or not at all with mmapBytes 0, and sees every commit either way', async () => {
    const other = mkdtempSync(join(tmpdir(), 'tether-sqlite-mmap-'));
    const mapped = openSqliteDb({ dataDir: other }, { mmapBytes: 64 << 20 });
    try {
      expect(await mapped.run((c) => c.pragma('mmap_size', { simple: true }))).toBe(64 << 20);
      await mapped.run((c) => c.exec('CREATE TABLE m (id INTEGER PRIMARY KEY, v TEXT NOT NULL) STRICT'));
      // Enough rows for pages past the first few, written in one transaction and then in many.
      const insert = (c: Parameters<Parameters<SqliteDb['run']>[0]>[0], i: number) =>
        c.prepare('INSERT INTO m (id, v) VALUES (?, ?)').run(i, `value-${i}-${'x'.repeat(200)}`);
      await mapped.tx(async () => {
        for (let i = 0; i < 2000; i++) await mapped.run((c) => insert(c, i));
      });
      for (let i = 2000; i < 2100; i++) await mapped.run((c) => insert(c, i));
      const read = await mapped.run((c) =>
        c.prepare('SELECT count(*) AS n, sum(length(v)) AS bytes FROM m').get(),
      );
      let bytes = 0;
      for (let i = 0; i < 2100; i++) bytes += `value-${i}-`.length + 200;
      expect(read).toEqual({ n: 2100, bytes });
    } finally {
      await mapped.close();
    }
    // Reopened without the map: the same rows from the file.
    const plain = openSqliteDb({ dataDir: other }, { mmapBytes: 0 });
    try {
      expect(await plain.run((c) => c.pragma('mmap_size', { simple: true }))).toBe(0);
      expect(
        await plain.run((c) => c.prepare('SELECT count(*) AS n FROM m WHERE v LIKE ?').get('value-2099-%')),
      ).toEqual({ n: 1 });
      expect(await plain.run((c) => c.prepare('SELECT count(*) AS n FROM m').get())).toEqual({ n: 2100 });
    } finally {
      await plain.close();
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('fsyncs every commit with synchronous "full" (--sqlite-synchronous full)', async () => {
    const other = mkdtempSync(join(tmpdir(), 'tether-sqlite-full-'));
    const full = openSqliteDb({ dataDir: other }, { synchronous: 'full' });
    try {
      // synchronous 2 = FULL.
      expect(await full.run((c) => c.pragma('synchronous', { simple: true }))).toBe(2);
    } finally {
      await full.close();
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('runs a statement synchronously when no transaction is open', async () => {
    let ran = false;
    const done = db.run(() => {
      ran = true;
      return 'result';
    });
    // The work ran inside the call; only the returned promise is asynchronous.
    expect(ran).toBe(true);
    expect(await done).toBe('result');
  });

  it('makes a statement of another context wait for the open transaction; it then sees the commit', async () => {
    const hold = gate();
    const tx = db.tx(async () => {
      await insert('a');
      await hold.opened;
      await insert('b');
    });
    await settle();
    let seen: string[] | undefined;
    const read = ids().then((r) => {
      seen = r;
    });
    await settle();
    expect(seen).toBeUndefined();
    hold.open();
    await tx;
    await read;
    expect(seen).toEqual(['a', 'b']);
  });

  it('tells each transaction from the rest after the previous one ended (its context is dropped between them)', async () => {
    // A continuation the first transaction left running acts outside any transaction afterwards.
    const late = gate();
    let leftover: Promise<void> | undefined;
    await db.tx(async () => {
      await insert('a');
      leftover = late.opened.then(() => insert('leftover'));
    });
    late.open();
    await leftover;
    expect(await ids()).toEqual(['a', 'leftover']);

    // A chain that began while no transaction was open, and acts while the next one is: it waits.
    const outsideGate = gate();
    let outsideDone = false;
    const outside = outsideGate.opened
      .then(() => insert('outside'))
      .then(() => {
        outsideDone = true;
      });
    const hold = gate();
    const second = db.tx(async () => {
      await settle(); // a macrotask: the transaction's own statements still join it
      await insert('b');
      await hold.opened;
      await insert('c');
    });
    await settle();
    outsideGate.open();
    await settle();
    expect(outsideDone).toBe(false);
    hold.open();
    await second;
    await outside;
    expect(await ids()).toEqual(['a', 'leftover', 'b', 'c', 'outside']);
  });

  it('keeps a waiting statement out of a transaction that rolls back', async () => {
    const hold = gate();
    const tx = db.tx(async () => {
      await insert('doomed');
      await hold.opened;
      throw new Error('rollback');
    });
    await settle();
    // Without the lock this insert would run inside the open transaction and be rolled back with it.
    const outside = insert('outside');
    const read = ids();
    hold.open();
    await expect(tx).rejects.toThrow('rollback');
    await outside;
    expect(await read).toEqual(['outside']);
  });

  it('serves waiting statements and transactions in arrival order', async () => {
    const hold = gate();
    const order: string[] = [];
    const first = db.tx(async () => {
      await hold.opened;
      order.push('tx1');
    });
    await settle();
    const waiting = [
      db.run(() => order.push('run2')),
      db.tx(async () => {
        order.push('tx3 start');
        await settle();
        order.push('tx3 end');
      }),
      db.run(() => order.push('run4')),
    ];
    hold.open();
    await Promise.all([first, ...waiting]);
    expect(order).toEqual(['tx1', 'run2', 'tx3 start', 'tx3 end', 'run4']);
  });

  it('serialises concurrent read-modify-write transactions: no lost update', async () => {
    await db.run((c) =>
      c.exec('CREATE TABLE counter (n INTEGER NOT NULL) STRICT; INSERT INTO counter VALUES (0)'),
    );
    const bump = () =>
      db.tx(async () => {
        const n = await db.run((c) => (c.prepare('SELECT n FROM counter').get() as { n: number }).n);
        await settle(); // let the others run while this transaction is open
        await db.run((c) => c.prepare('UPDATE counter SET n = ?').run(n + 1));
      });
    await Promise.all(Array.from({ length: 10 }, bump));
    expect(await db.run((c) => c.prepare('SELECT n FROM counter').get())).toEqual({ n: 10 });
  });

  it('bounds the wait queue', async () => {
    const small = openSqliteDb({ file: join(dir, 'small.sqlite3') }, { maxWaiting: 2 });
    const hold = gate();
    const tx = small.tx(() => hold.opened);
    await settle();
    const queued = [small.run(() => 1), small.run(() => 2)];
    await expect(small.run(() => 3)).rejects.toBeInstanceOf(DbBusyError);
    await expect(small.tx(async () => 4)).rejects.toBeInstanceOf(DbBusyError);
    hold.open();
    await tx;
    expect(await Promise.all(queued)).toEqual([1, 2]);
    await small.close();
  });

  it('refuses asynchronous work in run()', async () => {
    await expect(db.run(async () => 1)).rejects.toBeInstanceOf(DbUsageError);
  });

  it('waits for the open transaction on close, checkpoints the WAL, then refuses work', async () => {
    const hold = gate();
    const tx = db.tx(async () => {
      await insert('last');
      await hold.opened;
    });
    await settle();
    const closed = db.close();
    hold.open();
    await tx;
    await closed;
    await expect(db.run(() => 1)).rejects.toBeInstanceOf(DbClosedError);
    await expect(db.tx(async () => 1)).rejects.toBeInstanceOf(DbClosedError);
    expect(() => db.prepare('SELECT 1')).toThrow(DbClosedError);
    const wal = `${db.file}-wal`;
    expect(!existsSync(wal) || statSync(wal).size === 0).toBe(true);
    const again = openSqliteDb({ dataDir: dir });
    expect(await again.run((c) => c.prepare('SELECT id FROM t').all())).toEqual([{ id: 'last' }]);
    await again.close();
    db = openSqliteDb({ dataDir: dir }); // for afterEach
  });

  it('names the file when the data folder cannot be used', () => {
    const blocked = join(dir, 'not-a-dir');
    writeFileSync(blocked, 'x');
    expect(() => openSqliteDb({ dataDir: blocked })).toThrow(/not-a-dir/);
  });
});
