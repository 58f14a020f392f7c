import type { SqliteDb, SqliteStatement } from '../../../db/db.ts';
import {
  type Board,
  type LeaderboardRecord,
  type RecordKey,
  type ScannedRecord,
  SortOrder,
} from '../leaderboard-types.ts';
import type { LeaderboardStore, Period, RecordScan } from './leaderboard-store.ts';
import {
  BOARD_COLUMNS,
  type BoardRow,
  boardFromRow,
  RECORD_COLUMNS,
  type RecordRow,
  recordFromRow,
  scanDirection,
  scannedRecord,
} from './rows.ts';

type Stmt<P extends unknown[] | object, R = unknown> = SqliteStatement<P, R>;

/**
 * {@link LeaderboardStore} on the SQLite port. Scores are INTEGER (int64) and read with
 * `safeIntegers`, so values beyond 2^53 come back exact. Statements are prepared once (the scan
 * variants on first use) and run through `db.run()`.
 */
export class SqliteLeaderboardStore implements LeaderboardStore {
  readonly #db: SqliteDb;
  readonly #insertBoard: Stmt<Record<string, unknown>>;
  readonly #getBoard: Stmt<[string], BoardRow>;
  readonly #listBoards: Stmt<[], BoardRow>;
  readonly #deleteBoard: Stmt<[string]>;
  readonly #getRecord: Stmt<[string, number, string], RecordRow>;
  readonly #getRecords: Stmt<[string, number, string], RecordRow>;
  readonly #insertRecord: Stmt<Record<string, unknown>>;
  readonly #updateRecord: Stmt<Record<string, unknown>>;
  readonly #deleteRecord: Stmt<[string, number, string], RecordRow>;
  readonly #deleteOwner: Stmt<[string], { leaderboard_id: string; expiry_time: bigint }>;
  readonly #count: Stmt<[string, number], { n: bigint }>;
  readonly #live: Stmt<[number], { leaderboard_id: string; expiry_time: bigint; n: bigint }>;
  readonly #claim: Stmt<Record<string, unknown>>;
  readonly #slots: Stmt<[number, string], { n: bigint }>;
  readonly #scans = new Map<string, Stmt<unknown[], ScanRow>>();
  readonly #keyScans = new Map<string, Stmt<unknown[], KeyRow>>();
  readonly #counts = new Map<string, Stmt<unknown[], { n: bigint }>>();

  /** `db` must be migrated (the leaderboard tables exist) before stores are built. */
  constructor(db: SqliteDb) {
    this.#db = db;
    const safe = <S extends { safeIntegers(on?: boolean): unknown }>(s: S): S => {
      s.safeIntegers(true);
      return s;
    };
    this.#insertBoard = db.prepare<Record<string, unknown>>(
      `INSERT INTO leaderboards (${BOARD_COLUMNS}) VALUES (@id, @authoritative, @sort_order, @operator,
         @reset_schedule, @metadata, @create_time, @tournament, @category, @title, @description, @duration,
         @start_time, @end_time, @max_size, @max_num_score, @join_required)
       ON CONFLICT (id) DO NOTHING`,
    );
    this.#getBoard = db.prepare<[string], BoardRow>(`SELECT ${BOARD_COLUMNS} FROM leaderboards WHERE id = ?`);
    this.#listBoards = db.prepare<[], BoardRow>(`SELECT ${BOARD_COLUMNS} FROM leaderboards ORDER BY id`);
    this.#deleteBoard = db.prepare<[string]>('DELETE FROM leaderboards WHERE id = ?');
    const inPeriod = 'leaderboard_id = ? AND expiry_time = ?';
    this.#getRecord = safe(
      db.prepare<[string, number, string], RecordRow>(
        `SELECT ${RECORD_COLUMNS} FROM leaderboard_records WHERE ${inPeriod} AND owner_id = ?`,
      ),
    );
    this.#getRecords = safe(
      db.prepare<[string, number, string], RecordRow>(
        `SELECT ${RECORD_COLUMNS} FROM leaderboard_records
         WHERE ${inPeriod} AND owner_id IN (SELECT value FROM json_each(?))`,
      ),
    );
    this.#insertRecord = db.prepare<Record<string, unknown>>(
      `INSERT INTO leaderboard_records (${RECORD_COLUMNS}) VALUES (@leaderboard_id, @expiry_time, @owner_id,
         @username, @score, @subscore, @num_score, @max_num_score, @metadata, @create_time, @update_time)
       ON CONFLICT DO NOTHING`,
    );
    this.#updateRecord = db.prepare<Record<string, unknown>>(
      `UPDATE leaderboard_records SET username = @username, score = @score, subscore = @subscore,
         num_score = @num_score, max_num_score = @max_num_score, metadata = @metadata, update_time = @update_time
       WHERE leaderboard_id = @leaderboard_id AND expiry_time = @expiry_time AND owner_id = @owner_id`,
    );
    this.#deleteRecord = safe(
      db.prepare<[string, number, string], RecordRow>(
        `DELETE FROM leaderboard_records WHERE ${inPeriod} AND owner_id = ? RETURNING ${RECORD_COLUMNS}`,
      ),
    );
    this.#deleteOwner = safe(
      db.prepare<[string], { leaderboard_id: string; expiry_time: bigint }>(
        'DELETE FROM leaderboard_records WHERE owner_id = ? RETURNING leaderboard_id, expiry_time',
      ),
    );
    this.#count = safe(
      db.prepare<[string, number], { n: bigint }>(
        `SELECT count(*) AS n FROM leaderboard_records WHERE ${inPeriod}`,
      ),
    );
    this.#live = safe(
      db.prepare<[number], { leaderboard_id: string; expiry_time: bigint; n: bigint }>(
        `SELECT leaderboard_id, expiry_time, count(*) AS n FROM leaderboard_records
         WHERE expiry_time = 0 OR expiry_time > ? GROUP BY leaderboard_id, expiry_time`,
      ),
    );
    this.#claim = db.prepare<Record<string, unknown>>(
      `UPDATE leaderboards SET size = CASE WHEN size_expiry = @expiry THEN size + 1 ELSE 1 END, size_expiry = @expiry
       WHERE id = @id AND (size_expiry <> @expiry OR size < @max)`,
    );
    this.#slots = safe(
      db.prepare<[number, string], { n: bigint }>(
        'SELECT CASE WHEN size_expiry = ? THEN size ELSE 0 END AS n FROM leaderboards WHERE id = ?',
      ),
    );
  }

  createBoard(board: Board): Promise<boolean> {
    return this.#db.run(() => this.#insertBoard.run(boardParams(board)).changes === 1);
  }

  async getBoard(id: string): Promise<Board | null> {
    const row = await this.#db.run(() => this.#getBoard.get(id));
    return row ? boardFromRow(row) : null;
  }

  async listBoards(): Promise<Board[]> {
    return (await this.#db.run(() => this.#listBoards.all())).map(boardFromRow);
  }

  deleteBoard(id: string): Promise<boolean> {
    return this.#db.run(() => this.#deleteBoard.run(id).changes === 1);
  }

  async getRecord(period: Period, ownerId: string): Promise<LeaderboardRecord | null> {
    const row = await this.#db.run(() =>
      this.#getRecord.get(period.leaderboardId, period.expiryTime, ownerId),
    );
    return row ? recordFromRow(row) : null;
  }

  async getRecords(period: Period, ownerIds: readonly string[]): Promise<LeaderboardRecord[]> {
    if (ownerIds.length === 0) return [];
    const rows = await this.#db.run(() =>
      this.#getRecords.all(period.leaderboardId, period.expiryTime, JSON.stringify(ownerIds)),
    );
    return rows.map(recordFromRow);
  }

  insertRecord(record: LeaderboardRecord): Promise<boolean> {
    return this.#db.run(() => this.#insertRecord.run(recordParams(record)).changes === 1);
  }

  async insertRecords(records: readonly LeaderboardRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.#db.tx(() =>
      this.#db.run(() => {
        for (const r of records) this.#insertRecord.run(recordParams(r));
      }),
    );
  }

  async updateRecord(record: LeaderboardRecord): Promise<void> {
    await this.#db.run(() => this.#updateRecord.run(recordParams(record)));
  }

  async deleteRecord(period: Period, ownerId: string): Promise<LeaderboardRecord | null> {
    const row = await this.#db.run(() =>
      this.#deleteRecord.get(period.leaderboardId, period.expiryTime, ownerId),
    );
    return row ? recordFromRow(row) : null;
  }

  async deleteOwnerRecords(ownerId: string): Promise<Period[]> {
    const rows = await this.#db.run(() => this.#deleteOwner.all(ownerId));
    return rows.map((r) => ({ leaderboardId: r.leaderboard_id, expiryTime: Number(r.expiry_time) }));
  }

  async scanRecords(scan: RecordScan): Promise<ScannedRecord[]> {
    // Rows as arrays (better-sqlite3's raw mode): building a named object per row costs about as
    // much as reading it. The period columns are the scan's own and are not read back.
    const stmt = this.#scanStatement(this.#scans, SCAN_COLUMNS, scan, true);
    const rows = await this.#db.run(() => stmt.all(...scanParams(scan)));
    const { leaderboardId, expiryTime } = scan;
    const out: ScannedRecord[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const v = rows[i] as ScanRow;
      out[i] = scannedRecord(leaderboardId, expiryTime, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8]);
    }
    return out;
  }

  async scanKeys(scan: RecordScan): Promise<RecordKey[]> {
    const stmt = this.#scanStatement(this.#keyScans, 'owner_id, score, subscore', scan);
    return (await this.#db.run(() => stmt.all(...scanParams(scan)))).map((r) => ({
      ownerId: r.owner_id,
      score: r.score,
      subscore: r.subscore,
    }));
  }

  /** The prepared statement of one scan variant (order, direction, with or without a position). */
  #scanStatement<R>(
    cache: Map<string, Stmt<unknown[], R>>,
    columns: string,
    scan: RecordScan,
    raw = false,
  ): Stmt<unknown[], R> {
    const { cmp, dir } = scanDirection(scan.order === SortOrder.DESC, scan.backward === true);
    const from = scan.after !== undefined;
    const key = `${cmp}${dir}${from}`;
    let stmt = cache.get(key);
    if (stmt === undefined) {
      stmt = this.#db.prepare<unknown[], R>(scanSql(columns, cmp, dir, from));
      stmt.safeIntegers(true);
      if (raw) stmt.raw(true);
      cache.set(key, stmt);
    }
    return stmt;
  }

  async countAbove(period: Period, order: SortOrder, key: RecordKey): Promise<number> {
    const cmp = order === SortOrder.DESC ? '>' : '<';
    let stmt = this.#counts.get(cmp);
    if (stmt === undefined) {
      stmt = this.#db.prepare<unknown[], { n: bigint }>(
        `SELECT count(*) AS n FROM leaderboard_records
         WHERE leaderboard_id = ? AND expiry_time = ? AND (score, subscore, owner_id) ${cmp} (?, ?, ?)`,
      );
      stmt.safeIntegers(true);
      this.#counts.set(cmp, stmt);
    }
    const s = stmt;
    const row = await this.#db.run(() =>
      s.get(period.leaderboardId, period.expiryTime, key.score, key.subscore, key.ownerId),
    );
    return Number(row?.n ?? 0);
  }

  async countRecords(period: Period): Promise<number> {
    const row = await this.#db.run(() => this.#count.get(period.leaderboardId, period.expiryTime));
    return Number(row?.n ?? 0);
  }

  async livePeriods(nowSec: number): Promise<Array<Period & { readonly count: number }>> {
    const rows = await this.#db.run(() => this.#live.all(nowSec));
    return rows.map((r) => ({
      leaderboardId: r.leaderboard_id,
      expiryTime: Number(r.expiry_time),
      count: Number(r.n),
    }));
  }

  claimSlot(period: Period, maxSize: number): Promise<boolean> {
    return this.#db.run(
      () =>
        this.#claim.run({ id: period.leaderboardId, expiry: period.expiryTime, max: maxSize }).changes === 1,
    );
  }

  async slotCount(period: Period): Promise<number> {
    const row = await this.#db.run(() => this.#slots.get(period.expiryTime, period.leaderboardId));
    return Number(row?.n ?? 0);
  }
}

/**
 * The columns of a record scan, read as arrays ({@link ScanRow}); the period is the scan's. The
 * statement reads integers as bigint (`safeIntegers`, for the int64 scores); the other integers are
 * read as REAL, which comes back as a plain number: counts are int32 and times are Unix milliseconds,
 * both exact in a double, and a bigint each would be allocated only to be converted (about 100 bytes
 * a record less to collect).
 */
export const SCAN_COLUMNS =
  'owner_id, username, score, subscore, CAST(num_score AS REAL), CAST(max_num_score AS REAL), metadata, ' +
  'CAST(create_time AS REAL), CAST(update_time AS REAL)';

/**
 * The SQL of one scan variant: `columns` of one period in rank order (`dir`), after a keyset
 * position (`cmp`) when `from`. With {@link SCAN_COLUMNS} it reads the covering rank index alone
 * (migration 2; a test holds the plan to that).
 */
export function scanSql(columns: string, cmp: '<' | '>', dir: 'ASC' | 'DESC', from: boolean): string {
  return `SELECT ${columns} FROM leaderboard_records
         WHERE leaderboard_id = ? AND expiry_time = ? ${from ? `AND (score, subscore, owner_id) ${cmp} (?, ?, ?)` : ''}
         ORDER BY score ${dir}, subscore ${dir}, owner_id ${dir} LIMIT ?`;
}

/** A raw row of {@link SCAN_COLUMNS}: scores as bigint, the other integers as numbers. */
type ScanRow = [string, string | null, bigint, bigint, number, number, string, number, number];

/** A row of a key-only scan (`safeIntegers`: scores come back as bigint). */
interface KeyRow {
  owner_id: string;
  score: bigint;
  subscore: bigint;
}

function scanParams(scan: RecordScan): unknown[] {
  const a = scan.after;
  return a
    ? [scan.leaderboardId, scan.expiryTime, a.score, a.subscore, a.ownerId, scan.limit]
    : [scan.leaderboardId, scan.expiryTime, scan.limit];
}

function boardParams(b: Board): Record<string, unknown> {
  return {
    id: b.id,
    authoritative: b.authoritative ? 1 : 0,
    sort_order: b.sortOrder,
    operator: b.operator,
    reset_schedule: b.resetSchedule,
    metadata: b.metadata,
    create_time: b.createTime.getTime(),
    tournament: b.tournament ? 1 : 0,
    category: b.category,
    title: b.title,
    description: b.description,
    duration: b.duration,
    start_time: b.startTime,
    end_time: b.endTime,
    max_size: b.maxSize,
    max_num_score: b.maxNumScore,
    join_required: b.joinRequired ? 1 : 0,
  };
}

function recordParams(r: LeaderboardRecord): Record<string, unknown> {
  return {
    leaderboard_id: r.leaderboardId,
    expiry_time: r.expiryTime,
    owner_id: r.ownerId,
    username: r.username,
    score: r.score,
    subscore: r.subscore,
    num_score: r.numScore,
    max_num_score: r.maxNumScore,
    metadata: r.metadata,
    create_time: r.createTime,
    update_time: r.updateTime,
  };
}
