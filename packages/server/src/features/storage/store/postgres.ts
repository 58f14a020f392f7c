/**
 * The storage feature's store on the PostgreSQL port. Every query goes through `db.query()`, which
 * uses the caller's transaction client when one is open and the pool otherwise. A batch is one
 * transaction; a single write or delete is one statement, atomic on its own. Concurrent conditional
 * writes to one object serialize on its row lock, and each re-checks its condition against the row
 * the previous one committed (READ COMMITTED re-evaluation), so exactly one writer wins per version.
 * Does not import `pg`.
 */
import type { PostgresDb } from '../../../db/db.ts';
import { objectFromRow, STORAGE_COLUMNS, type StorageRow as StorageRowOf } from './rows.ts';
import {
  type StorageDeleteOp,
  StorageDeleteRejectedError,
  type StorageListQuery,
  type StorageObjectId,
  type StorageObjectRecord,
  type StorageOwnedPosition,
  StorageOwnerMissingError,
  type StorageStore,
  type StorageWriteOp,
  StorageWriteRejectedError,
  type StorageWriteResult,
  SYSTEM_USER_ID,
  WriteRejection,
} from './storage-store.ts';

type StorageRow = StorageRowOf<Date>;
type Times = { create_time: Date; update_time: Date };

// $1 collection, $2 key, $3 user_id, $4 owner_id, $5 value, $6 version, $7 read, $8 write, $9 now.
const INSERT = `INSERT INTO storage_objects AS s
  (collection, key, user_id, owner_id, value, version, read, write, create_time, update_time)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`;

/**
 * Last write wins; a client's write ($10) leaves an object with permission_write 0 alone (no row comes
 * back). Rewriting the same version and permissions keeps the update time, as Nakama does.
 */
const UPSERT = `${INSERT}
  ON CONFLICT (collection, key, user_id) DO UPDATE SET
    value = excluded.value, version = excluded.version, read = excluded.read, write = excluded.write,
    update_time = CASE
      WHEN s.version = excluded.version AND s.read = excluded.read AND s.write = excluded.write
      THEN s.update_time ELSE excluded.update_time END
  WHERE NOT $10 OR s.write = 1
  RETURNING s.create_time, s.update_time`;

const INSERT_IF_ABSENT = `${INSERT}
  ON CONFLICT (collection, key, user_id) DO NOTHING RETURNING s.create_time, s.update_time`;

const UPDATE_IF_VERSION = `UPDATE storage_objects
  SET value = $5, version = $6, read = $7, write = $8, update_time = $9
  WHERE collection = $1 AND key = $2 AND user_id = $3 AND version = $4 AND (NOT $10 OR write = 1)
  RETURNING create_time, update_time`;

/** {@link StorageStore} on PostgreSQL. */
export class PgStorageStore implements StorageStore {
  readonly #db: PostgresDb;

  constructor(db: PostgresDb) {
    this.#db = db;
  }

  async write(ops: readonly StorageWriteOp[], now: Date): Promise<StorageWriteResult[]> {
    if (ops.length === 0) return [];
    const apply = async () => {
      const results: StorageWriteResult[] = [];
      // One at a time: a transaction is one connection, and each write sees the ones before it.
      for (const [i, op] of ops.entries()) results.push(await this.#writeOne(op, i, now));
      return results;
    };
    try {
      return await (ops.length === 1 ? apply() : this.#db.tx(apply));
    } catch (err) {
      throw asOwnerMissing(err);
    }
  }

  async read(ids: readonly StorageObjectId[]): Promise<StorageObjectRecord[]> {
    if (ids.length === 0) return [];
    if (ids.length === 1) {
      const { collection, key, userId } = ids[0]!;
      const rows = await this.#db.rows<StorageRow>(
        `SELECT ${STORAGE_COLUMNS} FROM storage_objects WHERE collection = $1 AND key = $2 AND user_id = $3`,
        [collection, key, userId],
      );
      return rows.map(toObject);
    }
    const rows = await this.#db.rows<StorageRow>(
      `SELECT ${prefixed('s')} FROM unnest($1::text[], $2::text[], $3::uuid[]) AS k (collection, key, user_id)
       JOIN storage_objects AS s
         ON s.collection = k.collection AND s.key = k.key AND s.user_id = k.user_id`,
      [ids.map((id) => id.collection), ids.map((id) => id.key), ids.map((id) => id.userId)],
    );
    return rows.map(toObject);
  }

  async list(q: StorageListQuery): Promise<StorageObjectRecord[]> {
    // Keyset pages; the first page starts after (-1, '', ...), before every row.
    const read = q.after?.read ?? -1;
    const key = q.after?.key ?? '';
    let rows: StorageRow[];
    if (q.owner === null) {
      rows = await this.#db.rows<StorageRow>(
        `SELECT ${STORAGE_COLUMNS} FROM storage_objects
         WHERE collection = $1 AND read >= $2 AND (read, key, user_id) > ($3, $4, $5::uuid)
         ORDER BY read, key, user_id LIMIT $6`,
        [q.collection, q.minRead, read, key, q.after?.userId ?? SYSTEM_USER_ID, q.limit],
      );
    } else if (q.owner === SYSTEM_USER_ID) {
      rows = await this.#db.rows<StorageRow>(
        `SELECT ${STORAGE_COLUMNS} FROM storage_objects
         WHERE owner_id IS NULL AND collection = $1 AND read >= $2 AND (read, key) > ($3, $4)
         ORDER BY read, key LIMIT $5`,
        [q.collection, q.minRead, read, key, q.limit],
      );
    } else {
      rows = await this.#db.rows<StorageRow>(
        `SELECT ${STORAGE_COLUMNS} FROM storage_objects
         WHERE owner_id = $1 AND collection = $2 AND read >= $3 AND (read, key) > ($4, $5)
         ORDER BY read, key LIMIT $6`,
        [q.owner, q.collection, q.minRead, read, key, q.limit],
      );
    }
    return rows.map(toObject);
  }

  async delete(ops: readonly StorageDeleteOp[]): Promise<void> {
    if (ops.length === 0) return;
    const apply = async () => {
      for (const [i, op] of ops.entries()) {
        const { rowCount } = await this.#db.query(
          `DELETE FROM storage_objects
           WHERE collection = $1 AND key = $2 AND user_id = $3
             AND ($4::text IS NULL OR version = $4) AND (NOT $5 OR write = 1)`,
          [op.collection, op.key, op.userId, op.version ?? null, op.ownerWriteOnly],
        );
        if (rowCount === 0 && op.mustExist) throw new StorageDeleteRejectedError(i);
      }
    };
    await (ops.length === 1 ? apply() : this.#db.tx(apply));
  }

  async listCollections(limit: number, after: string | null): Promise<string[]> {
    // DISTINCT over the listing index, which starts with the collection.
    const rows = await this.#db.rows<{ collection: string }>(
      'SELECT DISTINCT collection FROM storage_objects WHERE collection > $1 ORDER BY collection LIMIT $2',
      [after ?? '', limit],
    );
    return rows.map((r) => r.collection);
  }

  async listOwned(
    owner: string,
    limit: number,
    after: StorageOwnedPosition | null,
  ): Promise<StorageObjectRecord[]> {
    const position = after ? [after.collection, after.read, after.key] : ['', -1, ''];
    const rows =
      owner === SYSTEM_USER_ID
        ? await this.#db.rows<StorageRow>(
            `SELECT ${STORAGE_COLUMNS} FROM storage_objects
             WHERE owner_id IS NULL AND (collection, read, key) > ($1, $2, $3)
             ORDER BY collection, read, key LIMIT $4`,
            [...position, limit],
          )
        : await this.#db.rows<StorageRow>(
            `SELECT ${STORAGE_COLUMNS} FROM storage_objects
             WHERE owner_id = $1 AND (collection, read, key) > ($2, $3, $4)
             ORDER BY collection, read, key LIMIT $5`,
            [owner, ...position, limit],
          );
    return rows.map(toObject);
  }

  async #writeOne(op: StorageWriteOp, index: number, now: Date): Promise<StorageWriteResult> {
    const c = op.condition;
    let row: Times | null;
    if (c.kind === 'version') {
      row = await this.#db.row<Times>(UPDATE_IF_VERSION, [
        op.collection,
        op.key,
        op.userId,
        c.version,
        op.value,
        op.version,
        op.permissionRead,
        op.permissionWrite,
        now,
        op.ownerWriteOnly,
      ]);
    } else {
      const params: unknown[] = [
        op.collection,
        op.key,
        op.userId,
        op.userId === SYSTEM_USER_ID ? null : op.userId,
        op.value,
        op.version,
        op.permissionRead,
        op.permissionWrite,
        now,
      ];
      row =
        c.kind === 'absent'
          ? await this.#db.row<Times>(INSERT_IF_ABSENT, params)
          : await this.#db.row<Times>(UPSERT, [...params, op.ownerWriteOnly]);
    }
    if (!row) throw new StorageWriteRejectedError(await this.#whyRefused(op), index);
    return {
      collection: op.collection,
      key: op.key,
      userId: op.userId,
      version: op.version,
      createTime: row.create_time,
      updateTime: row.update_time,
    };
  }

  /**
   * Why a write matched nothing: a client overwriting an object it may not write (checked before the
   * version, as Nakama does, except for `*`, which is always a version failure), or a version failure.
   */
  async #whyRefused(op: StorageWriteOp): Promise<WriteRejection> {
    if (!op.ownerWriteOnly || op.condition.kind === 'absent') return WriteRejection.VERSION;
    const row = await this.#db.row<{ write: number }>(
      'SELECT write FROM storage_objects WHERE collection = $1 AND key = $2 AND user_id = $3',
      [op.collection, op.key, op.userId],
    );
    return row && row.write === 0 ? WriteRejection.PERMISSION : WriteRejection.VERSION;
  }
}

function prefixed(alias: string): string {
  return STORAGE_COLUMNS.split(', ')
    .map((c) => `${alias}.${c}`)
    .join(', ');
}

function toObject(row: StorageRow): StorageObjectRecord {
  return objectFromRow(row, (time) => time);
}

/** PostgreSQL's foreign-key violation (23503: the owner is no user) as {@link StorageOwnerMissingError}. */
function asOwnerMissing(err: unknown): unknown {
  return (err as { code?: string }).code === '23503' ? new StorageOwnerMissingError({ cause: err }) : err;
}
