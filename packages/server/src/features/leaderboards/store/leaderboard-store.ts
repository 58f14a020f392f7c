/**
 * The leaderboard feature's store: boards (leaderboards and tournaments) and their records. The
 * SQLite and PostgreSQL implementations (`sqlite.ts`, `postgres.ts`) pass one contract suite
 * (`leaderboard-store.test.ts`); SQL never leaves them. Every method joins the caller's transaction
 * (`db.tx`) when one is open.
 *
 * Rank order: on a descending board, higher (score, subscore, owner id) ranks first; on an ascending
 * board, lower. Owner ids compare as UUID bytes, which is their lower-case text order.
 */
import type { Board, LeaderboardRecord, RecordKey, ScannedRecord, SortOrder } from '../leaderboard-types.ts';

/** One period of one board: where records live. */
export interface Period {
  readonly leaderboardId: string;
  /** Unix seconds; 0 = the board's only, never-ending period. */
  readonly expiryTime: number;
}

/** A keyset scan in rank order. */
export interface RecordScan extends Period {
  readonly order: SortOrder;
  /** Continue after this record (exclusive); from the start (rank 1, or the last rank when `backward`) when absent. */
  readonly after?: RecordKey | undefined;
  /** Toward rank 1 instead of away from it; rows come back in that (reverse rank) order. */
  readonly backward?: boolean;
  readonly limit: number;
}

/** Boards and records. */
export interface LeaderboardStore {
  /** Stores a new board; false (and nothing changes) when the id is taken. */
  createBoard(board: Board): Promise<boolean>;
  /** One board, or null. */
  getBoard(id: string): Promise<Board | null>;
  /** Every board (they are few; the service keeps them in memory). */
  listBoards(): Promise<Board[]>;
  /** Deletes a board and all its records; false when there was none. */
  deleteBoard(id: string): Promise<boolean>;

  /** One owner's record in a period; `forUpdate` locks it until the transaction ends (PostgreSQL). */
  getRecord(
    period: Period,
    ownerId: string,
    options?: { forUpdate?: boolean },
  ): Promise<LeaderboardRecord | null>;
  /** The records of these owners in a period (any order; missing owners are left out). */
  getRecords(period: Period, ownerIds: readonly string[]): Promise<LeaderboardRecord[]>;
  /** Inserts a record; false (nothing written) when the owner already has one in that period. */
  insertRecord(record: LeaderboardRecord): Promise<boolean>;
  /** Inserts many records in one statement batch, all or none (seeding, benchmarks, imports). */
  insertRecords(records: readonly LeaderboardRecord[]): Promise<void>;
  /** Overwrites the mutable fields of an existing record (scores, counts, metadata, username, update time). */
  updateRecord(record: LeaderboardRecord): Promise<void>;
  /** Deletes one owner's record in a period and returns it, or null when there was none. */
  deleteRecord(period: Period, ownerId: string): Promise<LeaderboardRecord | null>;
  /** Deletes every record of an owner (account deletion); returns the periods that lost one. */
  deleteOwnerRecords(ownerId: string): Promise<Period[]>;
  /**
   * Records of a period in rank order (or reverse with `backward`), from a keyset position; their
   * `rank` is 0, for the caller to fill.
   */
  scanRecords(scan: RecordScan): Promise<ScannedRecord[]>;
  /** The keys only (owner, score, subscore) of a scan: what rebuilding a rank index reads. */
  scanKeys(scan: RecordScan): Promise<RecordKey[]>;
  /**
   * How many records of a period rank above `key`: the naive rank query (O(n) in the rows above),
   * used only where no rank index is held (expired periods) and by the benchmark as its reference.
   */
  countAbove(period: Period, order: SortOrder, key: RecordKey): Promise<number>;
  /** Records in a period. */
  countRecords(period: Period): Promise<number>;
  /** Periods holding records that have not expired at `nowSec` (expiry 0 or later), with their sizes. */
  livePeriods(nowSec: number): Promise<Array<Period & { readonly count: number }>>;
  /**
   * Takes one place in a tournament period of at most `maxSize` participants: true when taken. The
   * count starts over in a new period. Atomic under concurrent writers (row lock / single writer).
   */
  claimSlot(period: Period, maxSize: number): Promise<boolean>;
  /** Participants counted by {@link claimSlot} in a period. */
  slotCount(period: Period): Promise<number>;
}
