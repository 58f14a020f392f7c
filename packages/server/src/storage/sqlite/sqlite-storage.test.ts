import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { describeStorageContract, type StorageFixture } from '../contract.ts';
import { describeChatStorageContract } from '../contract-chat.ts';
import type { Storage } from '../types.ts';
import { SQLITE_FILE_NAME, SqliteStorage } from './sqlite-storage.ts';

async function openSqlite(): Promise<StorageFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'tether-sqlite-'));
  let current: Storage = SqliteStorage.open(dir);
  return {
    get storage() {
      return current;
    },
    async reopen() {
      await current.close();
      current = SqliteStorage.open(dir);
      return current;
    },
    async cleanup() {
      await current.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describeStorageContract('sqlite', openSqlite);
describeChatStorageContract('sqlite', openSqlite);

describe('SqliteStorage', () => {
  it('uses WAL mode, records its migrations once and checkpoints the WAL on close', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tether-sqlite-'));
    try {
      const first = SqliteStorage.open(dir);
      await first.close();
      await first.close(); // idempotent
      const second = SqliteStorage.open(dir);
      await second.close();
      const db = new Database(join(dir, SQLITE_FILE_NAME), { readonly: true });
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.prepare('SELECT version FROM tether_migrations').all()).toEqual([
        { version: 1 },
        { version: 2 },
        { version: 3 },
      ]);
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the file when the data folder cannot be used', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tether-sqlite-'));
    try {
      // A regular file where the data folder should be.
      const blocked = join(dir, 'not-a-dir');
      new Database(blocked).close();
      expect(() => SqliteStorage.open(blocked)).toThrow(/not-a-dir/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
