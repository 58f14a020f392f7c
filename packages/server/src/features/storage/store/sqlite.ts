/**
 * The storage feature's store on the SQLite port; times are Unix milliseconds. Statements are
 * prepared once and run through `db.run()`, so they wait while another request's transaction is open
 * and join the caller's own transaction when there is one. A batch runs as one synchronous block
 * inside one transaction: nothing else can interleave, and a failure rolls all of it back.
 */
import type { SqliteDb, SqliteStatement } from '../../../db/db.ts';
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

type StorageRow = StorageRowOf<number>;
type Times = { create_time: number; update_time: number };
/** The named parameters of the write statements (each uses some of them). */
interface WriteParams {
  collection: string;
  key: string;
  userId: string;
  ownerId: string | null;
  value: string;
  version: string;
  read: number;
  write: number;
  now: number;
  /** 1 for a client's write: only objects with permission_write 1 are overwritten. */
  enforce: number;
  /** The version an update requires. */
  expected: string | null;
}

const INSERT = `INSERT INTO storage_objects AS s
  (collection, key, user_id, owner_id, value, version, read, write, create_time, update_time)
  VALUES (@collection, @key, @userId, @ownerId, @value, @version, @read, @write, @now, @now)`;

/** {@link StorageStore} on SQLite. */
export class SqliteStorageStore implements StorageStore {
  readonly #db: SqliteDb;
  readonly #upsert: SqliteStatement<WriteParams, Times>;
  readonly #insertIfAbsent: SqliteStatement<WriteParams, Times>;
  readonly #updateIfVersion: SqliteStatement<WriteParams, Times>;
  readonly #writable: SqliteStatement<[string, string, string], { write: number }>;
  readonly #readOne: SqliteStatement<[string, string, string], StorageRow>;
  readonly #readMany: SqliteStatement<[string], StorageRow>;
  readonly #listAll: SqliteStatement<[string, number, number, string, string, number], StorageRow>;
  readonly #listOwner: SqliteStatement<[string, string, number, number, string, number], StorageRow>;
  readonly #listSystem: SqliteStatement<[string, number, number, string, number], StorageRow>;
  readonly #collections: SqliteStatement<[string, number], { collection: string }>;
  readonly #owned: SqliteStatement<[string, string, number, string, number], StorageRow>;
  readonly #systemOwned: SqliteStatement<[string, number, string, number], StorageRow>;
  readonly #delete: SqliteStatement<
    { collection: string; key: string; userId: string; version: string | null; enforce: number },
    unknown
  >;

  /** `db` must be migrated (the storage table exists) before stores are built. */
  constructor(db: SqliteDb) {
    this.#db = db;
    // Last write wins; a client's write leaves an object with permission_write 0 alone (no row comes
    // back). Rewriting the same version and permissions keeps the update time, as Nakama does.
    this.#upsert = db.prepare(
      `${INSERT}
       ON CONFLICT (collection, key, user_id) DO UPDATE SET
         value = excluded.value, version = excluded.version, read = excluded.read, write = excluded.write,
         update_time = CASE
           WHEN s.version = excluded.version AND s.read = excluded.read AND s.write = excluded.write
           THEN s.update_time ELSE excluded.update_time END
       WHERE @enforce = 0 OR s.write = 1
       RETURNING create_time, update_time`,
    );
    this.#insertIfAbsent = db.prepare(
      `${INSERT} ON CONFLICT (collection, key, user_id) DO NOTHING RETURNING create_time, update_time`,
    );
    this.#updateIfVersion = db.prepare(
      `UPDATE storage_objects
       SET value = @value, version = @version, read = @read, write = @write, update_time = @now
       WHERE collection = @collection AND key = @key AND user_id = @userId AND version = @expected
         AND (@enforce = 0 OR write = 1)
       RETURNING create_time, update_time`,
    );
    this.#writable = db.prepare(
      'SELECT write FROM storage_objects WHERE collection = ? AND key = ? AND user_id = ?',
    );
    this.#readOne = db.prepare(
      `SELECT ${STORAGE_COLUMNS} FROM storage_objects WHERE collection = ? AND key = ? AND user_id = ?`,
    );
    // Any number of ids in one prepared statement: they travel as one JSON array of triples.
    this.#readMany = db.prepare<[string], StorageRow>(
      `SELECT ${prefixed('s')} FROM json_each(?) AS j
       JOIN storage_objects AS s
         ON s.collection = j.value ->> 0 AND s.key = j.value ->> 1 AND s.user_id = j.value ->> 2`,
    );
    // Keyset pages; the first page starts after (-1, '', ...), before every row.
    this.#listAll = db.prepare(
      `SELECT ${STORAGE_COLUMNS} FROM storage_objects
       WHERE collection = ? AND read >= ? AND (read, key, user_id) > (?, ?, ?)
       ORDER BY read, key, user_id LIMIT ?`,
    );
    this.#listOwner = db.prepare(
      `SELECT ${STORAGE_COLUMNS} FROM storage_objects
       WHERE owner_id = ? AND collection = ? AND read >= ? AND (read, key) > (?, ?)
       ORDER BY read, key LIMIT ?`,
    );
    this.#listSystem = db.prepare(
      `SELECT ${STORAGE_COLUMNS} FROM storage_objects
       WHERE owner_id IS NULL AND collection = ? AND read >= ? AND (read, key) > (?, ?)
       ORDER BY read, key LIMIT ?`,
    );
    // DISTINCT over the listing index, which starts with the collection.
    this.#collections = db.prepare<[string, number], { collection: string }>(
      'SELECT DISTINCT collection FROM storage_objects WHERE collection > ? ORDER BY collection LIMIT ?',
    );
    this.#owned = db.prepare<[string, string, number, string, number], StorageRow>(
      `SELECT ${STORAGE_COLUMNS} FROM storage_objects
       WHERE owner_id = ? AND (collection, read, key) > (?, ?, ?)
       ORDER BY collection, read, key LIMIT ?`,
    );
    this.#systemOwned = db.prepare<[string, number, string, number], StorageRow>(
      `SELECT ${STORAGE_COLUMNS} FROM storage_objects
       WHERE owner_id IS NULL AND (collection, read, key) > (?, ?, ?)
       ORDER BY collection, read, key LIMIT ?`,
    );
    this.#delete = db.prepare(
      `DELETE FROM storage_objects
       WHERE collection = @collection AND key = @key AND user_id = @userId
         AND (@version IS NULL OR version = @version) AND (@enforce = 0 OR write = 1)`,
    );
  }

  async write(ops: readonly StorageWriteOp[], now: Date): Promise<StorageWriteResult[]> {
    if (ops.length === 0) return [];
    const at = now.getTime();
    const apply = () => this.#db.run(() => ops.map((op, i) => this.#writeOne(op, i, at)));
    try {
      // One statement is atomic on its own; a batch is one transaction (its own or the caller's).
      return await (ops.length === 1 ? apply() : this.#db.tx(apply));
    } catch (err) {
      throw asOwnerMissing(err);
    }
  }

  async read(ids: readonly StorageObjectId[]): Promise<StorageObjectRecord[]> {
    if (ids.length === 0) return [];
    if (ids.length === 1) {
      const { collection, key, userId } = ids[0]!;
      return this.#db.run(() => {
        const row = this.#readOne.get(collection, key, userId);
        return row ? [toObject(row)] : [];
      });
    }
    const triples = JSON.stringify(ids.map((id) => [id.collection, id.key, id.userId]));
    return this.#db.run(() => this.#readMany.all(triples).map(toObject));
  }

  async list(q: StorageListQuery): Promise<StorageObjectRecord[]> {
    const read = q.after?.read ?? -1;
    const key = q.after?.key ?? '';
    return this.#db.run(() => {
      let rows: StorageRow[];
      if (q.owner === null) {
        rows = this.#listAll.all(q.collection, q.minRead, read, key, q.after?.userId ?? '', q.limit);
      } else if (q.owner === SYSTEM_USER_ID) {
        rows = this.#listSystem.all(q.collection, q.minRead, read, key, q.limit);
      } else {
        rows = this.#listOwner.all(q.owner, q.collection, q.minRead, read, key, q.limit);
      }
      return rows.map(toObject);
    });
  }

  async delete(ops: readonly StorageDeleteOp[]): Promise<void> {
    if (ops.length === 0) return;
    const apply = () =>
      this.#db.run(() => {
        for (const [i, op] of ops.entries()) {
          const { changes } = this.#delete.run({
            collection: op.collection,
            key: op.key,
            userId: op.userId,
            version: op.version ?? null,
            enforce: op.ownerWriteOnly ? 1 : 0,
          });
          if (changes === 0 && op.mustExist) throw new StorageDeleteRejectedError(i);
        }
      });
    await (ops.length === 1 ? apply() : this.#db.tx(apply));
  }

  listCollections(limit: number, after: string | null): Promise<string[]> {
    return this.#db.run(() => this.#collections.all(after ?? '', limit).map((r) => r.collection));
  }

  listOwned(
    owner: string,
    limit: number,
    after: StorageOwnedPosition | null,
  ): Promise<StorageObjectRecord[]> {
    const [collection, read, key] = after ? [after.collection, after.read, after.key] : ['', -1, ''];
    return this.#db.run(() =>
      (owner === SYSTEM_USER_ID
        ? this.#systemOwned.all(collection, read, key, limit)
        : this.#owned.all(owner, collection, read, key, limit)
      ).map(toObject),
    );
  }

  /** One write, synchronously inside the batch's `run`; throws to reject the batch. */
  #writeOne(op: StorageWriteOp, index: number, at: number): StorageWriteResult {
    const c = op.condition;
    const params: WriteParams = {
      collection: op.collection,
      key: op.key,
      userId: op.userId,
      ownerId: op.userId === SYSTEM_USER_ID ? null : op.userId,
      value: op.value,
      version: op.version,
      read: op.permissionRead,
      write: op.permissionWrite,
      now: at,
      enforce: op.ownerWriteOnly ? 1 : 0,
      expected: c.kind === 'version' ? c.version : null,
    };
    const statement =
      c.kind === 'version'
        ? this.#updateIfVersion
        : c.kind === 'absent'
          ? this.#insertIfAbsent
          : this.#upsert;
    const times = statement.get(params);
    if (!times) throw new StorageWriteRejectedError(this.#whyRefused(op), index);
    return {
      collection: op.collection,
      key: op.key,
      userId: op.userId,
      version: op.version,
      createTime: new Date(times.create_time),
      updateTime: new Date(times.update_time),
    };
  }

  /**
   * Why a write matched nothing: a client overwriting an object it may not write (checked before the
   * version, as Nakama does, except for `*`, which is always a version failure), or a version failure.
   */
  #whyRefused(op: StorageWriteOp): WriteRejection {
    if (!op.ownerWriteOnly || op.condition.kind === 'absent') return WriteRejection.VERSION;
    const row = this.#writable.get(op.collection, op.key, op.userId);
    return row && row.write === 0 ? WriteRejection.PERMISSION : WriteRejection.VERSION;
  }
}

function prefixed(alias: string): string {
  return STORAGE_COLUMNS.split(', ')
    .map((c) => `${alias}.${c}`)
    .join(', ');
}

function toObject(row: StorageRow): StorageObjectRecord {
  return objectFromRow(row, (ms) => new Date(ms));
}

/** SQLite's foreign-key failure (the owner is no user) as {@link StorageOwnerMissingError}. */
function asOwnerMissing(err: unknown): unknown {
  return (err as { code?: string }).code === 'SQLITE_CONSTRAINT_FOREIGNKEY'
    ? new StorageOwnerMissingError({ cause: err })
    : err;
}
