import type { Logger } from 'pino';
import { cursorFields, defineCursor, InvalidCursorError } from '../../db/cursor.ts';
import type { Db } from '../../db/db.ts';
import type { Clock } from '../../shared/clock.ts';
import { DomainError, ErrorKind, invalid } from '../../shared/domain-error.ts';
import { isUuid } from '../../shared/ids.ts';
import { MonotonicUuidV7 } from '../../shared/monotonic-uuid.ts';
import type { LedgerRecord, WalletStore } from './store/wallet-store.ts';

/** A wallet: balances by currency (any key), whole numbers, never below zero. */
export type Wallet = Record<string, number>;

/** One wallet change as server code asks for it. */
export interface WalletUpdate {
  readonly userId: string;
  /** Amounts to add (negative: to take), by key; keys not in the wallet start at 0. */
  readonly changeset: Readonly<Record<string, number>>;
  /** Recorded with the ledger row; a JSON object. */
  readonly metadata?: Readonly<Record<string, unknown>> | null | undefined;
}

/** What one update did. */
export interface WalletUpdateResult {
  readonly userId: string;
  readonly previous: Wallet;
  readonly updated: Wallet;
}

/** One page of a user's ledger, newest first, and where the next starts (`null` on the last page). */
export interface LedgerPage {
  readonly items: readonly LedgerRecord[];
  readonly cursor: string | null;
}

/** Most updates one call may make. */
export const MAX_WALLET_UPDATES = 1000;
/** Largest ledger page. */
export const MAX_LEDGER_LIMIT = 100;
/** Largest ledger metadata, bytes of JSON. */
export const MAX_LEDGER_METADATA_BYTES = 16 * 1024;

const LEDGER_CURSOR = defineCursor('wallet.ledger', [cursorFields.time, cursorFields.uuid]);

/**
 * Refused because a balance would go below zero (Nakama's `WalletNegativeError`): nothing of the call
 * was applied. `path` is the key.
 */
export class WalletNegativeError extends DomainError {
  override readonly name = 'WalletNegativeError';
  constructor(readonly path: string) {
    super(ErrorKind.FAILED_PRECONDITION, `wallet update rejected negative value at path '${path}'`);
  }
}

/** Dependencies of {@link WalletService}. */
export interface WalletServiceDeps {
  readonly store: WalletStore;
  /** Every call is one transaction: the wallets it reads are locked until it commits. */
  readonly db: Pick<Db, 'tx'>;
  readonly clock: Clock;
  readonly logger?: Logger | undefined;
}

/**
 * Wallets, for server code (Nakama has no client write API: clients see theirs in `GET /v2/account`).
 * An update adds a changeset to the balances; one call (one update or many, of one user or several)
 * is one transaction that locks the wallets it changes, so concurrent updates apply one after the
 * other and none is lost, and if any balance would go below zero the whole call is refused. Users
 * that do not exist are skipped.
 */
export class WalletService {
  readonly #d: WalletServiceDeps;
  readonly #ids = new MonotonicUuidV7();

  constructor(deps: WalletServiceDeps) {
    this.#d = deps;
  }

  /**
   * Applies the updates in order, all or none (a negative balance throws {@link WalletNegativeError}).
   * With `updateLedger`, each applied update is recorded in the ledger. Returns one result per update
   * of an existing user, in order.
   */
  async update(updates: readonly WalletUpdate[], updateLedger = false): Promise<WalletUpdateResult[]> {
    if (!Array.isArray(updates)) throw invalid('expects an array of wallet update objects');
    if (updates.length > MAX_WALLET_UPDATES) {
      throw invalid(`Too many wallet updates, at most ${MAX_WALLET_UPDATES} per call.`);
    }
    const checked = updates.map(checkUpdate);
    if (checked.length === 0) return [];
    const ids = [...new Set(checked.map((u) => u.userId))].sort();
    return this.#d.db.tx(async () => {
      const now = this.#d.clock.now();
      const stored = await this.#d.store.lockWallets(ids);
      const wallets = new Map<string, Wallet>();
      for (const [id, text] of stored) wallets.set(id, parseWallet(text));
      const results: WalletUpdateResult[] = [];
      const ledger: LedgerRecord[] = [];
      for (const u of checked) {
        const previous = wallets.get(u.userId);
        if (!previous) continue;
        const updated = applyChangeset(previous, u.changeset);
        wallets.set(u.userId, updated);
        results.push({ userId: u.userId, previous, updated });
        if (updateLedger) {
          ledger.push({
            id: this.#ids.next(now),
            userId: u.userId,
            changeset: JSON.stringify(u.changeset),
            metadata: u.metadata,
            createTime: new Date(now),
            updateTime: new Date(now),
          });
        }
      }
      const changed = [...new Set(results.map((r) => r.userId))].sort();
      await this.#d.store.saveWallets(
        changed.map((userId) => ({ userId, wallet: JSON.stringify(wallets.get(userId)) })),
        new Date(now),
      );
      await this.#d.store.insertLedger(ledger);
      return results;
    });
  }

  /**
   * `nk.walletLedgerUpdate`: merges `metadata` into a ledger item's metadata (top-level keys of
   * `metadata` replace the item's, as PostgreSQL's `jsonb ||` does in Nakama) and sets its update
   * time, in one transaction that locks the item. Returns the item as it now is; NOT_FOUND for an
   * unknown item, INVALID_ARGUMENT for a bad id, metadata that is not an object, or a result over
   * {@link MAX_LEDGER_METADATA_BYTES}.
   */
  async updateLedgerMetadata(
    ledgerId: string,
    metadata: Readonly<Record<string, unknown>>,
  ): Promise<LedgerRecord> {
    if (typeof ledgerId !== 'string' || !isUuid(ledgerId)) throw invalid('expects a valid ledger id');
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
      throw invalid('expects metadata to be a key value object');
    }
    const id = ledgerId.toLowerCase();
    return this.#d.db.tx(async () => {
      const item = await this.#d.store.lockLedgerItem(id);
      if (!item) throw new DomainError(ErrorKind.NOT_FOUND, 'wallet ledger item not found');
      const merged = JSON.stringify({ ...(JSON.parse(item.metadata) as object), ...metadata });
      if (Buffer.byteLength(merged) > MAX_LEDGER_METADATA_BYTES) {
        throw invalid(`Wallet metadata must be at most ${MAX_LEDGER_METADATA_BYTES} bytes of JSON.`);
      }
      const updated = await this.#d.store.setLedgerMetadata(id, merged, new Date(this.#d.clock.now()));
      if (!updated) throw new DomainError(ErrorKind.NOT_FOUND, 'wallet ledger item not found');
      return updated;
    });
  }

  /** A page of the user's ledger, newest first. `limit` is 1–100; `cursor` continues a listing. */
  async ledger(userId: string, limit = MAX_LEDGER_LIMIT, cursor?: string | null): Promise<LedgerPage> {
    const id = checkUserId(userId);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LEDGER_LIMIT) {
      throw invalid(`Invalid limit - limit must be between 1 and ${MAX_LEDGER_LIMIT}.`);
    }
    let before: readonly [Date, string] | null = null;
    if (cursor) {
      try {
        before = LEDGER_CURSOR.decode(cursor, [id]);
      } catch (err) {
        if (err instanceof InvalidCursorError) throw invalid('wallet ledger cursor invalid');
        throw err;
      }
    }
    const rows = await this.#d.store.listLedger(
      id,
      limit + 1,
      before && { createTime: before[0], id: before[1] },
    );
    if (rows.length <= limit) return { items: rows, cursor: null };
    const items = rows.slice(0, limit);
    const last = items[items.length - 1]!;
    return { items, cursor: LEDGER_CURSOR.encode([last.createTime, last.id], [id]) };
  }
}

/** A wallet's stored text as balances; anything else is a corrupt row. */
export function parseWallet(text: string): Wallet {
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error('stored wallet is not a JSON object');
  }
  const wallet: Wallet = {};
  for (const [k, v] of Object.entries(parsed)) {
    if (!Number.isSafeInteger(v)) throw new Error(`stored wallet has a non-integer balance at '${k}'`);
    wallet[k] = v as number;
  }
  return wallet;
}

/** `wallet` plus `changeset`; a result below zero throws, one beyond a safe integer too. */
function applyChangeset(wallet: Wallet, changeset: Readonly<Record<string, number>>): Wallet {
  const next: Wallet = { ...wallet };
  for (const [k, delta] of Object.entries(changeset)) {
    const value = (next[k] ?? 0) + delta;
    if (value < 0) throw new WalletNegativeError(k);
    if (!Number.isSafeInteger(value)) throw invalid(`wallet update out of range at path '${k}'`);
    next[k] = value;
  }
  return next;
}

function checkUpdate(u: WalletUpdate): {
  userId: string;
  changeset: Record<string, number>;
  metadata: string;
} {
  if (typeof u !== 'object' || u === null) throw invalid('expects an array of wallet update objects');
  const userId = checkUserId(u.userId);
  const cs = u.changeset;
  if (typeof cs !== 'object' || cs === null || Array.isArray(cs)) throw invalid('expects a changeset object');
  const changeset: Record<string, number> = {};
  for (const [k, v] of Object.entries(cs)) {
    if (!Number.isSafeInteger(v)) throw invalid('expects changeset values to be whole numbers');
    changeset[k] = v;
  }
  const meta = u.metadata ?? {};
  if (typeof meta !== 'object' || Array.isArray(meta))
    throw invalid('expects metadata to be a key value object');
  const metadata = JSON.stringify(meta);
  if (Buffer.byteLength(metadata) > MAX_LEDGER_METADATA_BYTES) {
    throw invalid(`Wallet metadata must be at most ${MAX_LEDGER_METADATA_BYTES} bytes of JSON.`);
  }
  return { userId, changeset, metadata };
}

function checkUserId(userId: unknown): string {
  if (typeof userId !== 'string' || !isUuid(userId)) throw invalid('expects a valid user id');
  return userId.toLowerCase();
}
