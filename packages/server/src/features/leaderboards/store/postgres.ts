import type { PostgresDb } from '../../../db/db.ts';
import { isUuid } from '../../../shared/ids.ts';
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

/** Rows per statement when inserting many records. */
const INSERT_CHUNK = 5000;

/**
 * {@link LeaderboardStore} on the PostgreSQL port. BIGINT comes back as text and is turned into
 * bigint by the row converter; bigint parameters are sent as decimal text. Does not import `pg`.
 */
export class PgLeaderboardStore implements LeaderboardStore {
  readonly #db: PostgresDb;

  constructor(db: PostgresDb) {
    this.#db = db;
  }

  async createBoard(b: Board): Promise<boolean> {
    const { rowCount } = await this.#db.query(
      `INSERT INTO leaderboards (${BOARD_COLUMNS})
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
       ON CONFLICT (id) DO NOTHING`,
      [
        b.id,
        b.authoritative,
        b.sortOrder,
        b.operator,
        b.resetSchedule,
        b.metadata,
        b.createTime,
        b.tournament,
        b.category,
        b.title,
        b.description,
        b.duration,
        b.startTime,
        b.endTime,
        b.maxSize,
        b.maxNumScore,
        b.joinRequired,
      ],
    );
    return rowCount === 1;
  }

  async getBoard(id: string): Promise<Board | null> {
    const row = await this.#db.row<BoardRow>(`SELECT ${BOARD_COLUMNS} FROM leaderboards WHERE id = $1`, [id]);
    return row ? boardFromRow(row) : null;
  }

  async listBoards(): Promise<Board[]> {
    return (await this.#db.rows<BoardRow>(`SELECT ${BOARD_COLUMNS} FROM leaderboards ORDER BY id`)).map(
      boardFromRow,
    );
  }

  async deleteBoard(id: string): Promise<boolean> {
    return (await this.#db.query('DELETE FROM leaderboards WHERE id = $1', [id])).rowCount === 1;
  }

  async getRecord(
    period: Period,
    ownerId: string,
    options: { forUpdate?: boolean } = {},
  ): Promise<LeaderboardRecord | null> {
    if (!isUuid(ownerId)) return null;
    const row = await this.#db.row<RecordRow>(
      `SELECT ${RECORD_COLUMNS} FROM leaderboard_records
       WHERE leaderboard_id = $1 AND expiry_time = $2 AND owner_id = $3 ${options.forUpdate ? 'FOR UPDATE' : ''}`,
      [period.leaderboardId, period.expiryTime, ownerId],
    );
    return row ? toRecord(row) : null;
  }

  async getRecords(period: Period, ownerIds: readonly string[]): Promise<LeaderboardRecord[]> {
    const owners = ownerIds.filter(isUuid);
    if (owners.length === 0) return [];
    const rows = await this.#db.rows<RecordRow>(
      `SELECT ${RECORD_COLUMNS} FROM leaderboard_records
       WHERE leaderboard_id = $1 AND expiry_time = $2 AND owner_id = ANY($3::uuid[])`,
      [period.leaderboardId, period.expiryTime, owners],
    );
    return rows.map(toRecord);
  }

  async insertRecord(r: LeaderboardRecord): Promise<boolean> {
    const { rowCount } = await this.#db.query(
      `INSERT INTO leaderboard_records (${RECORD_COLUMNS})
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING`,
      recordParams(r),
    );
    return rowCount === 1;
  }

  async insertRecords(records: readonly LeaderboardRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.#db.tx(async () => {
      for (let i = 0; i < records.length; i += INSERT_CHUNK) {
        const chunk = records.slice(i, i + INSERT_CHUNK);
        const column = <T>(f: (r: LeaderboardRecord) => T) => chunk.map(f);
        await this.#db.query(
          `INSERT INTO leaderboard_records (${RECORD_COLUMNS})
           SELECT * FROM unnest($1::text[], $2::bigint[], $3::uuid[], $4::text[], $5::bigint[], $6::bigint[],
             $7::int[], $8::int[], $9::text[], $10::timestamptz[], $11::timestamptz[])`,
          [
            column((r) => r.leaderboardId),
            column((r) => r.expiryTime),
            column((r) => r.ownerId),
            column((r) => r.username),
            column((r) => r.score.toString()),
            column((r) => r.subscore.toString()),
            column((r) => r.numScore),
            column((r) => r.maxNumScore),
            column((r) => r.metadata),
            column((r) => new Date(r.createTime)),
            column((r) => new Date(r.updateTime)),
          ],
        );
      }
    });
  }

  async updateRecord(r: LeaderboardRecord): Promise<void> {
    await this.#db.query(
      `UPDATE leaderboard_records SET username = $4, score = $5, subscore = $6, num_score = $7,
         max_num_score = $8, metadata = $9, update_time = $10
       WHERE leaderboard_id = $1 AND expiry_time = $2 AND owner_id = $3`,
      [...recordParams(r).slice(0, 9), new Date(r.updateTime)],
    );
  }

  async deleteRecord(period: Period, ownerId: string): Promise<LeaderboardRecord | null> {
    if (!isUuid(ownerId)) return null;
    const row = await this.#db.row<RecordRow>(
      `DELETE FROM leaderboard_records WHERE leaderboard_id = $1 AND expiry_time = $2 AND owner_id = $3
       RETURNING ${RECORD_COLUMNS}`,
      [period.leaderboardId, period.expiryTime, ownerId],
    );
    return row ? toRecord(row) : null;
  }

  async deleteOwnerRecords(ownerId: string): Promise<Period[]> {
    if (!isUuid(ownerId)) return [];
    const rows = await this.#db.rows<{ leaderboard_id: string; expiry_time: string }>(
      'DELETE FROM leaderboard_records WHERE owner_id = $1 RETURNING leaderboard_id, expiry_time',
      [ownerId],
    );
    return rows.map((r) => ({ leaderboardId: r.leaderboard_id, expiryTime: Number(r.expiry_time) }));
  }

  async scanRecords(scan: RecordScan): Promise<ScannedRecord[]> {
    // A named prepared statement read as arrays: planned once per connection, no object per row
    // from the driver. The period columns are the scan's own; times come as Unix milliseconds (text
    // parsing of TIMESTAMPTZ into Dates costs more than reading the row), truncated to the
    // millisecond as the driver's Date parsing does.
    const { text, params, name } = this.#scanQuery(SCAN_COLUMNS, scan);
    const rows = await this.#db.arrays({ name: `lb_scan_${name}`, text }, params);
    const { leaderboardId, expiryTime } = scan;
    const out: ScannedRecord[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const v = rows[i] as ScanRow;
      out[i] = scannedRecord(
        leaderboardId,
        expiryTime,
        v[0],
        v[1],
        BigInt(v[2]),
        BigInt(v[3]),
        v[4],
        v[5],
        v[6],
        Number(v[7]),
        Number(v[8]),
      );
    }
    return out;
  }

  async scanKeys(scan: RecordScan): Promise<RecordKey[]> {
    const rows = await this.#scan<{ owner_id: string; score: string; subscore: string }>(
      'owner_id, score, subscore',
      scan,
    );
    return rows.map((r) => ({ ownerId: r.owner_id, score: BigInt(r.score), subscore: BigInt(r.subscore) }));
  }

  #scan<R extends object>(columns: string, scan: RecordScan): Promise<R[]> {
    const { text, params } = this.#scanQuery(columns, scan);
    return this.#db.rows<R>(text, params);
  }

  /** The keyset scan's SQL and parameters, and a name for its variant (direction, with a position or not). */
  #scanQuery(columns: string, scan: RecordScan): { text: string; params: unknown[]; name: string } {
    const { cmp, dir } = scanDirection(scan.order === SortOrder.DESC, scan.backward === true);
    const a = scan.after;
    return {
      name: `${cmp === '<' ? 'lt' : 'gt'}_${dir}_${a ? 'from' : 'top'}`,
      text: `SELECT ${columns} FROM leaderboard_records
       WHERE leaderboard_id = $1 AND expiry_time = $2 ${a ? `AND (score, subscore, owner_id) ${cmp} ($4::bigint, $5::bigint, $6::uuid)` : ''}
       ORDER BY score ${dir}, subscore ${dir}, owner_id ${dir} LIMIT $3`,
      params: a
        ? [
            scan.leaderboardId,
            scan.expiryTime,
            scan.limit,
            a.score.toString(),
            a.subscore.toString(),
            a.ownerId,
          ]
        : [scan.leaderboardId, scan.expiryTime, scan.limit],
    };
  }

  async countAbove(period: Period, order: SortOrder, key: RecordKey): Promise<number> {
    const cmp = order === SortOrder.DESC ? '>' : '<';
    const row = await this.#db.row<{ n: string }>(
      `SELECT count(*) AS n FROM leaderboard_records WHERE leaderboard_id = $1 AND expiry_time = $2
       AND (score, subscore, owner_id) ${cmp} ($3::bigint, $4::bigint, $5::uuid)`,
      [period.leaderboardId, period.expiryTime, key.score.toString(), key.subscore.toString(), key.ownerId],
    );
    return Number(row?.n ?? 0);
  }

  async countRecords(period: Period): Promise<number> {
    const row = await this.#db.row<{ n: string }>(
      'SELECT count(*) AS n FROM leaderboard_records WHERE leaderboard_id = $1 AND expiry_time = $2',
      [period.leaderboardId, period.expiryTime],
    );
    return Number(row?.n ?? 0);
  }

  async livePeriods(nowSec: number): Promise<Array<Period & { readonly count: number }>> {
    const rows = await this.#db.rows<{ leaderboard_id: string; expiry_time: string; n: string }>(
      `SELECT leaderboard_id, expiry_time, count(*) AS n FROM leaderboard_records
       WHERE expiry_time = 0 OR expiry_time > $1 GROUP BY leaderboard_id, expiry_time`,
      [nowSec],
    );
    return rows.map((r) => ({
      leaderboardId: r.leaderboard_id,
      expiryTime: Number(r.expiry_time),
      count: Number(r.n),
    }));
  }

  async claimSlot(period: Period, maxSize: number): Promise<boolean> {
    // The UPDATE takes the board row's lock, so concurrent claims count one after another.
    const { rowCount } = await this.#db.query(
      `UPDATE leaderboards SET size = CASE WHEN size_expiry = $2 THEN size + 1 ELSE 1 END, size_expiry = $2
       WHERE id = $1 AND (size_expiry <> $2 OR size < $3)`,
      [period.leaderboardId, period.expiryTime, maxSize],
    );
    return rowCount === 1;
  }

  async slotCount(period: Period): Promise<number> {
    const row = await this.#db.row<{ n: number }>(
      'SELECT CASE WHEN size_expiry = $2 THEN size ELSE 0 END AS n FROM leaderboards WHERE id = $1',
      [period.leaderboardId, period.expiryTime],
    );
    return Number(row?.n ?? 0);
  }
}

/**
 * The columns of a record scan ({@link ScanRow}); the period is the scan's. BIGINTs are sent as
 * `text`: the driver hands text columns over as they are, while its BIGINT parser runs a regular
 * expression over each value (four a row), about 7 % of what a leaderboard read allocated. They are
 * renamed so that `ORDER BY score` keeps meaning the BIGINT column (an output column of the same name
 * would take its place, and sort as text).
 */
const SCAN_COLUMNS = `owner_id, username, score::text AS score_text, subscore::text AS subscore_text, num_score, max_num_score, metadata,
  (extract(epoch FROM date_trunc('milliseconds', create_time)) * 1000)::bigint::text AS create_ms,
  (extract(epoch FROM date_trunc('milliseconds', update_time)) * 1000)::bigint::text AS update_ms`;

/** A row of {@link SCAN_COLUMNS} as an array (BIGINT as text, INTEGER as number). */
type ScanRow = [
  ownerId: string,
  username: string | null,
  score: string,
  subscore: string,
  numScore: number,
  maxNumScore: number,
  metadata: string,
  createMs: string,
  updateMs: string,
];

function toRecord(row: RecordRow): LeaderboardRecord {
  return recordFromRow(row);
}

function recordParams(r: LeaderboardRecord): unknown[] {
  return [
    r.leaderboardId,
    r.expiryTime,
    r.ownerId,
    r.username,
    r.score.toString(),
    r.subscore.toString(),
    r.numScore,
    r.maxNumScore,
    r.metadata,
    new Date(r.createTime),
    new Date(r.updateTime),
  ];
}
