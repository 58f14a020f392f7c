import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Storage } from '../types.ts';
import { migrateSqlite } from './migrations.ts';
import { SqliteAccountStore } from './sqlite-accounts.ts';
import { SqliteChatStore } from './sqlite-chat.ts';
import { SqliteNotificationStore } from './sqlite-notifications.ts';
import { SqliteRevocationStore } from './sqlite-revocations.ts';

/** The database file inside the `--data` folder. */
export const SQLITE_FILE_NAME = 'tether.sqlite3';

/**
 * The embedded default backend: one SQLite file under the data folder, in WAL mode (readers never
 * block the writer, and commits are one sequential append), migrated to the newest schema on open.
 */
export class SqliteStorage implements Storage {
  readonly backend = 'sqlite' as const;
  readonly accounts: SqliteAccountStore;
  readonly revocations: SqliteRevocationStore;
  readonly chat: SqliteChatStore;
  readonly notifications: SqliteNotificationStore;
  /** Path of the database file. */
  readonly file: string;
  readonly #db: Database.Database;
  #closed = false;

  private constructor(db: Database.Database, file: string) {
    this.#db = db;
    this.file = file;
    this.accounts = new SqliteAccountStore(db);
    this.revocations = new SqliteRevocationStore(db);
    this.chat = new SqliteChatStore(db);
    this.notifications = new SqliteNotificationStore(db);
  }

  /**
   * Opens (creating if needed) `<dataDir>/tether.sqlite3` and applies pending migrations.
   * Throws with the file name when the folder or the file cannot be used.
   */
  static open(dataDir: string): SqliteStorage {
    mkdirSync(dataDir, { recursive: true });
    const file = join(dataDir, SQLITE_FILE_NAME);
    let db: Database.Database;
    try {
      db = new Database(file);
    } catch (err) {
      throw new Error(`cannot open SQLite database ${file}: ${(err as Error).message}`, { cause: err });
    }
    try {
      db.pragma('journal_mode = WAL');
      // NORMAL is durable across application crashes in WAL mode; only an OS crash or power loss can
      // lose the last commits, never corrupt the file. FULL would fsync on every commit.
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      // Another process holding the write lock (a second server, a backup) makes us wait, not fail.
      db.pragma('busy_timeout = 5000');
      migrateSqlite(db);
    } catch (err) {
      db.close();
      throw new Error(`cannot prepare SQLite database ${file}: ${(err as Error).message}`, { cause: err });
    }
    return new SqliteStorage(db, file);
  }

  /** Checkpoints the WAL into the main file (so the folder holds one self-contained file) and closes. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      this.#db.close();
    }
  }
}
