/**
 * The wallets feature's store on the PostgreSQL port. `lockWallets` takes the users' row locks
 * (`FOR UPDATE`, in id order), so concurrent updates of one wallet run one after the other, each on
 * the balance the previous one committed. Does not import `pg`.
 */
import type { PostgresDb } from '../../../db/db.ts';
import { LEDGER_COLUMNS, type LedgerRow as LedgerRowOf, ledgerFromRow } from './rows.ts';
import type { LedgerPosition, LedgerRecord, WalletStore } from './wallet-store.ts';

type LedgerRow = LedgerRowOf<Date>;

/** {@link WalletStore} on PostgreSQL. */
export class PgWalletStore implements WalletStore {
  readonly #db: PostgresDb;

  constructor(db: PostgresDb) {
    this.#db = db;
  }

  async lockWallets(userIds: readonly string[]): Promise<Map<string, string>> {
    if (userIds.length === 0) return new Map();
    const rows = await this.#db.rows<{ id: string; wallet: string }>(
      'SELECT id, wallet FROM users WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE',
      [userIds],
    );
    return new Map(rows.map((r) => [r.id, r.wallet] as const));
  }

  async saveWallets(wallets: readonly { userId: string; wallet: string }[], now: Date): Promise<void> {
    if (wallets.length === 0) return;
    // One statement for every wallet: atomic on its own.
    await this.#db.query(
      `UPDATE users AS u SET wallet = w.wallet, update_time = $3
       FROM unnest($1::uuid[], $2::text[]) AS w (id, wallet) WHERE u.id = w.id`,
      [wallets.map((w) => w.userId), wallets.map((w) => w.wallet), now],
    );
  }

  async insertLedger(items: readonly LedgerRecord[]): Promise<void> {
    if (items.length === 0) return;
    await this.#db.query(
      `INSERT INTO wallet_ledger (${LEDGER_COLUMNS})
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::timestamptz[], $6::timestamptz[])`,
      [
        items.map((i) => i.id),
        items.map((i) => i.userId),
        items.map((i) => i.changeset),
        items.map((i) => i.metadata),
        items.map((i) => i.createTime),
        items.map((i) => i.updateTime),
      ],
    );
  }

  async listLedger(userId: string, limit: number, before: LedgerPosition | null): Promise<LedgerRecord[]> {
    const rows = before
      ? await this.#db.rows<LedgerRow>(
          `SELECT ${LEDGER_COLUMNS} FROM wallet_ledger
           WHERE user_id = $1 AND (create_time, id) < ($2, $3::uuid)
           ORDER BY create_time DESC, id DESC LIMIT $4`,
          [userId, before.createTime, before.id, limit],
        )
      : await this.#db.rows<LedgerRow>(
          `SELECT ${LEDGER_COLUMNS} FROM wallet_ledger WHERE user_id = $1
           ORDER BY create_time DESC, id DESC LIMIT $2`,
          [userId, limit],
        );
    return rows.map((r) => ledgerFromRow(r, (t) => t));
  }

  async lockLedgerItem(id: string): Promise<LedgerRecord | null> {
    const row = await this.#db.row<LedgerRow>(
      `SELECT ${LEDGER_COLUMNS} FROM wallet_ledger WHERE id = $1 FOR UPDATE`,
      [id],
    );
    return row ? ledgerFromRow(row, (t) => t) : null;
  }

  async setLedgerMetadata(id: string, metadata: string, now: Date): Promise<LedgerRecord | null> {
    const row = await this.#db.row<LedgerRow>(
      `UPDATE wallet_ledger SET metadata = $2, update_time = $3 WHERE id = $1 RETURNING ${LEDGER_COLUMNS}`,
      [id, metadata, now],
    );
    return row ? ledgerFromRow(row, (t) => t) : null;
  }
}
