/**
 * The wallets feature's store on the SQLite port; times are Unix milliseconds. SQLite has one
 * writer: inside the caller's transaction no other write can touch a wallet between its read and
 * its update, so reading is locking.
 */
import type { SqliteDb, SqliteStatement } from '../../../db/db.ts';
import { LEDGER_COLUMNS, type LedgerRow as LedgerRowOf, ledgerFromRow } from './rows.ts';
import type { LedgerPosition, LedgerRecord, WalletStore } from './wallet-store.ts';

type LedgerRow = LedgerRowOf<number>;

/** Starts a newest-first listing: after every real (time, id). */
const END_TIME = 8.64e15;
const END_ID = 'ffffffff-ffff-ffff-ffff-ffffffffffff';

/** {@link WalletStore} on SQLite. */
export class SqliteWalletStore implements WalletStore {
  readonly #db: SqliteDb;
  readonly #wallets: SqliteStatement<[string], { id: string; wallet: string }>;
  readonly #save: SqliteStatement<[string, number, string], unknown>;
  readonly #insert: SqliteStatement<LedgerRow, unknown>;
  readonly #list: SqliteStatement<[string, number, string, number], LedgerRow>;
  readonly #item: SqliteStatement<[string], LedgerRow>;
  readonly #setMetadata: SqliteStatement<[string, number, string], LedgerRow>;

  /** `db` must be migrated (the users and ledger tables exist) before stores are built. */
  constructor(db: SqliteDb) {
    this.#db = db;
    this.#wallets = db.prepare<[string], { id: string; wallet: string }>(
      'SELECT id, wallet FROM users WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id',
    );
    this.#save = db.prepare('UPDATE users SET wallet = ?, update_time = ? WHERE id = ?');
    this.#insert = db.prepare(
      `INSERT INTO wallet_ledger (${LEDGER_COLUMNS})
       VALUES (@id, @user_id, @changeset, @metadata, @create_time, @update_time)`,
    );
    this.#list = db.prepare(
      `SELECT ${LEDGER_COLUMNS} FROM wallet_ledger
       WHERE user_id = ? AND (create_time, id) < (?, ?)
       ORDER BY create_time DESC, id DESC LIMIT ?`,
    );
    this.#item = db.prepare<[string], LedgerRow>(`SELECT ${LEDGER_COLUMNS} FROM wallet_ledger WHERE id = ?`);
    this.#setMetadata = db.prepare<[string, number, string], LedgerRow>(
      `UPDATE wallet_ledger SET metadata = ?, update_time = ? WHERE id = ? RETURNING ${LEDGER_COLUMNS}`,
    );
  }

  async lockWallets(userIds: readonly string[]): Promise<Map<string, string>> {
    if (userIds.length === 0) return new Map();
    return this.#db.run(
      () => new Map(this.#wallets.all(JSON.stringify(userIds)).map((r) => [r.id, r.wallet] as const)),
    );
  }

  async saveWallets(wallets: readonly { userId: string; wallet: string }[], now: Date): Promise<void> {
    if (wallets.length === 0) return;
    await this.#db.tx(() =>
      this.#db.run(() => {
        for (const w of wallets) this.#save.run(w.wallet, now.getTime(), w.userId);
      }),
    );
  }

  async insertLedger(items: readonly LedgerRecord[]): Promise<void> {
    if (items.length === 0) return;
    await this.#db.tx(() =>
      this.#db.run(() => {
        for (const i of items) {
          this.#insert.run({
            id: i.id,
            user_id: i.userId,
            changeset: i.changeset,
            metadata: i.metadata,
            create_time: i.createTime.getTime(),
            update_time: i.updateTime.getTime(),
          });
        }
      }),
    );
  }

  async listLedger(userId: string, limit: number, before: LedgerPosition | null): Promise<LedgerRecord[]> {
    const time = before?.createTime.getTime() ?? END_TIME;
    return this.#db.run(() =>
      this.#list
        .all(userId, time, before?.id ?? END_ID, limit)
        .map((r) => ledgerFromRow(r, (ms) => new Date(ms))),
    );
  }

  lockLedgerItem(id: string): Promise<LedgerRecord | null> {
    return this.#db.run(() => {
      const row = this.#item.get(id);
      return row ? ledgerFromRow(row, (ms) => new Date(ms)) : null;
    });
  }

  setLedgerMetadata(id: string, metadata: string, now: Date): Promise<LedgerRecord | null> {
    return this.#db.run(() => {
      const row = this.#setMetadata.get(metadata, now.getTime(), id);
      return row ? ledgerFromRow(row, (ms) => new Date(ms)) : null;
    });
  }
}
