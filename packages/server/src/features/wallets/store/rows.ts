/**
 * `wallet_ledger` rows → {@link LedgerRecord}, shared by the SQLite and PostgreSQL stores, which
 * differ only in how a time comes back (a `Date` from PostgreSQL, Unix milliseconds from SQLite).
 */
import type { LedgerRecord } from './wallet-store.ts';

/** The columns a wallet store selects for a {@link LedgerRecord}. */
export const LEDGER_COLUMNS = 'id, user_id, changeset, metadata, create_time, update_time';

/** A `wallet_ledger` row. */
export interface LedgerRow<T> {
  id: string;
  user_id: string;
  changeset: string;
  metadata: string;
  create_time: T;
  update_time: T;
}

/** A {@link LedgerRecord} from a row, with the backend's time conversion. */
export function ledgerFromRow<T>(r: LedgerRow<T>, time: (t: T) => Date): LedgerRecord {
  return {
    id: r.id,
    userId: r.user_id,
    changeset: r.changeset,
    metadata: r.metadata,
    createTime: time(r.create_time),
    updateTime: time(r.update_time),
  };
}
