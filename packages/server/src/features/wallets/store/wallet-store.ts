/**
 * The wallets feature's store: user wallets (the `wallet` column of the accounts feature's `users`
 * table, JSON text of a map of integer balances, which only this feature writes) and the wallet
 * ledger. The SQLite and PostgreSQL implementations (`sqlite.ts`, `postgres.ts`) pass one contract
 * suite (`wallet-store.test.ts`); SQL never leaves them.
 */

/** One recorded wallet change. */
export interface LedgerRecord {
  /** A time-ordered UUID. */
  readonly id: string;
  readonly userId: string;
  /** JSON text of the changeset as applied (deltas, not balances). */
  readonly changeset: string;
  /** JSON text of an object. */
  readonly metadata: string;
  readonly createTime: Date;
  readonly updateTime: Date;
}

/** A position in a user's ledger, newest first; pages continue strictly before it. */
export interface LedgerPosition {
  readonly createTime: Date;
  readonly id: string;
}

/** Wallets and their ledger. Every method joins the caller's transaction (`db.tx`) when one is open. */
export interface WalletStore {
  /**
   * The wallets (JSON text) of the users among `userIds` that exist, by user id, each row locked until
   * the caller's transaction ends (PostgreSQL: `FOR UPDATE`, taken in id order so that concurrent
   * updates of several wallets cannot deadlock). Call inside `db.tx`.
   */
  lockWallets(userIds: readonly string[]): Promise<Map<string, string>>;
  /** Stores new wallets (JSON text) and bumps their users' update time. */
  saveWallets(
    wallets: readonly { readonly userId: string; readonly wallet: string }[],
    now: Date,
  ): Promise<void>;
  /** Appends ledger rows, all or none. */
  insertLedger(items: readonly LedgerRecord[]): Promise<void>;
  /** Up to `limit` of a user's ledger rows, newest first, strictly before `before` when given. */
  listLedger(userId: string, limit: number, before: LedgerPosition | null): Promise<LedgerRecord[]>;
  /**
   * One ledger row, locked until the caller's transaction ends (PostgreSQL: `FOR UPDATE`), or `null`
   * when there is no such row. Call inside `db.tx`.
   */
  lockLedgerItem(id: string): Promise<LedgerRecord | null>;
  /** Replaces a ledger row's metadata (JSON text) and sets its update time; the row as it now is, or `null`. */
  setLedgerMetadata(id: string, metadata: string, now: Date): Promise<LedgerRecord | null>;
}
