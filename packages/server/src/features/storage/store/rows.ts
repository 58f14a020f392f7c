/**
 * `storage_objects` rows → {@link StorageObjectRecord}, shared by the SQLite and PostgreSQL stores.
 * They differ only in how a time comes back (a `Date` from PostgreSQL, Unix milliseconds from
 * SQLite), so the row type takes the backend's time type `T` and the conversion its `time` function.
 * No SQL here.
 */
import type { ReadPermission, StorageObjectRecord, WritePermission } from './storage-store.ts';

/** The columns a storage store selects for a {@link StorageObjectRecord}. */
export const STORAGE_COLUMNS =
  'collection, key, user_id, value, version, read, write, create_time, update_time';

/** A `storage_objects` row. */
export interface StorageRow<T> {
  collection: string;
  key: string;
  user_id: string;
  value: string;
  version: string;
  read: number;
  write: number;
  create_time: T;
  update_time: T;
}

/** A {@link StorageObjectRecord} from a row, with the backend's time conversion. */
export function objectFromRow<T>(r: StorageRow<T>, time: (t: T) => Date): StorageObjectRecord {
  return {
    collection: r.collection,
    key: r.key,
    userId: r.user_id,
    value: r.value,
    version: r.version,
    permissionRead: r.read as ReadPermission,
    permissionWrite: r.write as WritePermission,
    createTime: time(r.create_time),
    updateTime: time(r.update_time),
  };
}
