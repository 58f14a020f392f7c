/**
 * `nk.wallet*`: wallets and the wallet ledger for server code, over the wallets feature.
 *
 * @packageDocumentation
 */
import type { LedgerRecord } from '../../features/wallets/store/wallet-store.ts';
import type { LedgerPage, WalletUpdate, WalletUpdateResult } from '../../features/wallets/wallet-service.ts';

export type { WalletUpdate, WalletUpdateResult } from '../../features/wallets/wallet-service.ts';

/** What the `wallet*` functions need (the wallets feature's `WalletService` provides it). */
export interface RuntimeWallets {
  update(updates: readonly WalletUpdate[], updateLedger?: boolean): Promise<WalletUpdateResult[]>;
  ledger(userId: string, limit?: number, cursor?: string | null): Promise<LedgerPage>;
  updateLedgerMetadata(ledgerId: string, metadata: Readonly<Record<string, unknown>>): Promise<LedgerRecord>;
}

/** One ledger row as server code sees it. */
export interface WalletLedgerItem {
  readonly id: string;
  readonly userId: string;
  /** Unix seconds. */
  readonly createTime: number;
  /** Unix seconds. */
  readonly updateTime: number;
  /** The changeset that was applied. */
  readonly changeset: Record<string, number>;
  readonly metadata: Record<string, unknown>;
}

/** One page of a user's ledger, newest first; `cursor` is null on the last page. */
export interface WalletLedgerList {
  readonly items: WalletLedgerItem[];
  readonly cursor: string | null;
}

/** Wallet functions of `nk`. */
export interface WalletNk {
  /**
   * Adds `changeset` to a user's wallet (negative amounts take), atomically; if a balance would go
   * below zero nothing changes and it throws `wallet update rejected negative value at path '<key>'`.
   * With `updateLedger` (default false, as in Nakama's code) the change is recorded in the ledger
   * with `metadata`. Throws `user not found` for an unknown user.
   */
  walletUpdate(
    userId: string,
    changeset: Record<string, number>,
    metadata?: Record<string, unknown> | null,
    updateLedger?: boolean,
  ): Promise<WalletUpdateResult>;
  /** Several updates (of one user or many) in one transaction: all or none. Unknown users are skipped. */
  walletsUpdate(updates: readonly WalletUpdate[], updateLedger?: boolean): Promise<WalletUpdateResult[]>;
  /** A page of a user's ledger, newest first; `limit` 1–100, default 100. */
  walletLedgerList(userId: string, limit?: number, cursor?: string | null): Promise<WalletLedgerList>;
  /**
   * Merges `metadata` into a ledger item's metadata (its top-level keys replace the item's, as in
   * Nakama) and returns the item as it now is. Throws `wallet ledger item not found` for an unknown
   * id, `expects a valid ledger id`, or `expects metadata to be a key value object`.
   */
  walletLedgerUpdate(ledgerId: string, metadata: Record<string, unknown>): Promise<WalletLedgerItem>;
}

/** Builds the wallet functions; without a wallet service they throw "not available". */
export function walletNk(service: RuntimeWallets | undefined): WalletNk {
  const wallets = (): RuntimeWallets => {
    if (!service) throw new Error('Wallets are not available on this server');
    return service;
  };
  return {
    async walletUpdate(userId, changeset, metadata = null, updateLedger = false) {
      const [result] = await wallets().update([{ userId, changeset, metadata }], updateLedger);
      if (!result) throw new TypeError('user not found');
      return result;
    },
    walletsUpdate(updates, updateLedger = false) {
      return wallets().update(updates, updateLedger);
    },
    async walletLedgerList(userId, limit = 100, cursor = null) {
      const page = await wallets().ledger(userId, limit, cursor);
      return { items: page.items.map(ledgerItem), cursor: page.cursor };
    },
    async walletLedgerUpdate(ledgerId, metadata) {
      return ledgerItem(await wallets().updateLedgerMetadata(ledgerId, metadata));
    },
  };
}

function ledgerItem(i: LedgerRecord): WalletLedgerItem {
  return {
    id: i.id,
    userId: i.userId,
    createTime: Math.floor(i.createTime.getTime() / 1000),
    updateTime: Math.floor(i.updateTime.getTime() / 1000),
    changeset: JSON.parse(i.changeset) as Record<string, number>,
    metadata: JSON.parse(i.metadata) as Record<string, unknown>,
  };
}
