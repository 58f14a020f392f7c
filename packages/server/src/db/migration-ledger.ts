/**
 * The migration bookkeeping SQL of each dialect: the `tether_schema_migrations` table, the lock that
 * makes concurrent starts take turns, and reading and dropping a legacy table. The runner in
 * `migrations.ts` is dialect-neutral and calls these inside its transactions.
 */
import type { PostgresDb, SqliteDb } from './db.ts';
import { quoteIdent } from './identifiers.ts';

/** The table that records applied migrations, one row per (feature, version). */
export const LEDGER_TABLE = 'tether_schema_migrations';

/** What the runner records about a migration. */
export interface LedgerEntry {
  readonly feature: string;
  readonly version: number;
  readonly name: string;
}

/** One dialect's bookkeeping; every method runs in the caller's transaction. */
export interface MigrationLedger {
  /** Waits for concurrent runners, then creates the ledger table (and PostgreSQL schema) if missing. */
  prepare(): Promise<void>;
  /** Every recorded (feature, version). */
  recorded(): Promise<{ feature: string; version: number }[]>;
  isRecorded(feature: string, version: number): Promise<boolean>;
  /** Runs a migration's SQL (several statements). */
  apply(sql: string): Promise<void>;
  /** Records a migration as applied now. */
  record(entry: LedgerEntry): Promise<void>;
  tableExists(table: string): Promise<boolean>;
  /** The versions a legacy `(version, name, applied_at)` table records, ascending. */
  legacyVersions(table: string): Promise<number[]>;
  /**
   * Records `entry` as applied when the legacy table's `version` was (its `applied_at` carries over).
   * Does nothing when the entry is already recorded.
   */
  adopt(table: string, version: number, entry: LedgerEntry): Promise<void>;
  dropTable(table: string): Promise<void>;
}

/** Bookkeeping on SQLite. The runner's `BEGIN IMMEDIATE` already makes other processes wait. */
export function sqliteLedger(db: SqliteDb): MigrationLedger {
  return {
    prepare: () =>
      db.run((c) => {
        c.exec(`CREATE TABLE IF NOT EXISTS ${LEDGER_TABLE} (
          feature    TEXT NOT NULL,
          version    INTEGER NOT NULL,
          name       TEXT NOT NULL,
          applied_at INTEGER NOT NULL,
          PRIMARY KEY (feature, version)
        ) STRICT`);
      }),
    recorded: () =>
      db.run(
        (c) =>
          c.prepare(`SELECT feature, version FROM ${LEDGER_TABLE} ORDER BY feature, version`).all() as {
            feature: string;
            version: number;
          }[],
      ),
    isRecorded: (feature, version) =>
      db.run(
        (c) =>
          c
            .prepare(`SELECT 1 FROM ${LEDGER_TABLE} WHERE feature = ? AND version = ?`)
            .get(feature, version) !== undefined,
      ),
    apply: (sql) =>
      db.run((c) => {
        c.exec(sql);
      }),
    record: (e) =>
      db.run((c) => {
        c.prepare(`INSERT INTO ${LEDGER_TABLE} (feature, version, name, applied_at) VALUES (?, ?, ?, ?)`).run(
          e.feature,
          e.version,
          e.name,
          Date.now(),
        );
      }),
    tableExists: (table) =>
      db.run(
        (c) =>
          c.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) !== undefined,
      ),
    legacyVersions: (table) =>
      db.run((c) =>
        (
          c.prepare(`SELECT version FROM ${quoteIdent(table)} ORDER BY version`).all() as {
            version: number;
          }[]
        ).map((r) => r.version),
      ),
    adopt: (table, version, e) =>
      db.run((c) => {
        c.prepare(
          `INSERT OR IGNORE INTO ${LEDGER_TABLE} (feature, version, name, applied_at)
           SELECT ?, ?, ?, applied_at FROM ${quoteIdent(table)} WHERE version = ?`,
        ).run(e.feature, e.version, e.name, version);
      }),
    dropTable: (table) =>
      db.run((c) => {
        c.exec(`DROP TABLE ${quoteIdent(table)}`);
      }),
  };
}

/**
 * Bookkeeping on PostgreSQL. A transaction-scoped advisory lock keyed by schema makes concurrent
 * starts (several nodes, parallel tests sharing a schema) take turns. The key is the one today's
 * runner used, so an old and a new server starting together also take turns.
 */
export function postgresLedger(db: PostgresDb): MigrationLedger {
  return {
    async prepare() {
      await db.query("SELECT pg_advisory_xact_lock(hashtext('tether_migrations:' || $1::text))", [
        db.schema ?? '',
      ]);
      if (db.schema) await db.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(db.schema)}`);
      await db.query(`CREATE TABLE IF NOT EXISTS ${LEDGER_TABLE} (
        feature    TEXT NOT NULL,
        version    INTEGER NOT NULL,
        name       TEXT NOT NULL,
        applied_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        PRIMARY KEY (feature, version)
      )`);
    },
    recorded: () =>
      db.rows<{ feature: string; version: number }>(
        `SELECT feature, version FROM ${LEDGER_TABLE} ORDER BY feature, version`,
      ),
    async isRecorded(feature, version) {
      const row = await db.row(`SELECT 1 FROM ${LEDGER_TABLE} WHERE feature = $1 AND version = $2`, [
        feature,
        version,
      ]);
      return row !== null;
    },
    async apply(sql) {
      await db.query(sql);
    },
    async record(e) {
      await db.query(`INSERT INTO ${LEDGER_TABLE} (feature, version, name) VALUES ($1, $2, $3)`, [
        e.feature,
        e.version,
        e.name,
      ]);
    },
    async tableExists(table) {
      // Resolved through the search_path: the configured schema, or the server's default.
      const row = await db.row<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [
        quoteIdent(table),
      ]);
      return row?.present === true;
    },
    async legacyVersions(table) {
      const rows = await db.rows<{ version: number }>(
        `SELECT version FROM ${quoteIdent(table)} ORDER BY version`,
      );
      return rows.map((r) => r.version);
    },
    async adopt(table, version, e) {
      await db.query(
        `INSERT INTO ${LEDGER_TABLE} (feature, version, name, applied_at)
         SELECT $1, $2, $3, applied_at FROM ${quoteIdent(table)} WHERE version = $4
         ON CONFLICT DO NOTHING`,
        [e.feature, e.version, e.name, version],
      );
    },
    async dropTable(table) {
      await db.query(`DROP TABLE ${quoteIdent(table)}`);
    },
  };
}
