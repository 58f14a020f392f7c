/**
 * `nk.storage*`: storage objects for server code, over the storage feature. Server code acts with
 * authority: it reads, lists, writes and deletes any object whatever its permissions, and may own
 * objects by the system (omit `userId`). Versions are still checked.
 *
 * @packageDocumentation
 */
import type {
  ListInput,
  ObjectIdInput,
  StoragePage,
  WriteInput,
} from '../../features/storage/storage-service.ts';
import type { StorageObjectRecord, StorageWriteResult } from '../../features/storage/store/storage-store.ts';

/** What the `storage*` functions need (the storage feature's `StorageService` provides it). */
export interface RuntimeStorage {
  serverWrite(objects: readonly WriteInput[]): Promise<StorageWriteResult[]>;
  serverRead(ids: readonly ObjectIdInput[]): Promise<StorageObjectRecord[]>;
  serverList(input: ListInput & { readonly callerId?: string | null | undefined }): Promise<StoragePage>;
  serverDelete(ids: readonly ObjectIdInput[]): Promise<void>;
}

/** An object to read: its collection, key and owner (absent or null: the system). */
export interface StorageReadRequest {
  readonly collection: string;
  readonly key: string;
  readonly userId?: string | null;
}

/** An object to write. */
export interface StorageWriteRequest {
  readonly collection: string;
  readonly key: string;
  /** The owner; absent or null: the system. */
  readonly userId?: string | null;
  /** A JSON object. */
  readonly value: Readonly<Record<string, unknown>>;
  /** Absent: last write wins; `*`: create only; a version: only over that version. */
  readonly version?: string;
  /** 0 nobody (server code only), 1 the owner, 2 everyone; default 1. */
  readonly permissionRead?: 0 | 1 | 2;
  /** 0 nobody (server code only), 1 the owner; default 1. */
  readonly permissionWrite?: 0 | 1;
}

/** An object to delete; with a version, only that version (a mismatch or a missing object throws). */
export interface StorageDeleteRequest {
  readonly collection: string;
  readonly key: string;
  readonly userId?: string | null;
  readonly version?: string;
}

/** A stored object as server code sees it. */
export interface StorageObject {
  readonly key: string;
  readonly collection: string;
  /** The owner: a user id, or the nil UUID for system objects. */
  readonly userId: string;
  readonly version: string;
  readonly permissionRead: number;
  readonly permissionWrite: number;
  /** Unix seconds. */
  readonly createTime: number;
  /** Unix seconds. */
  readonly updateTime: number;
  readonly value: Record<string, unknown>;
}

/** What a write stored. */
export interface StorageWriteAck {
  readonly key: string;
  readonly collection: string;
  readonly userId: string;
  readonly version: string;
}

/** One page of a listing; `cursor` is null on the last page. */
export interface StorageObjectList {
  readonly objects: StorageObject[];
  readonly cursor: string | null;
}

/** Storage functions of `nk`. */
export interface StorageNk {
  /** The objects that exist among `keys` (any permission), in no particular order. */
  storageRead(keys: readonly StorageReadRequest[]): Promise<StorageObject[]>;
  /** Writes objects in one transaction (all or none); returns the acks in order. At most 1000. */
  storageWrite(objects: readonly StorageWriteRequest[]): Promise<StorageWriteAck[]>;
  /**
   * A page of a collection: every owner's objects (`userId` null) or one owner's, whatever their
   * permissions; with `callerId`, only what that user could list. `limit` 0–1000, default 100.
   */
  storageList(
    userId: string | null | undefined,
    collection: string,
    limit?: number,
    cursor?: string | null,
    callerId?: string | null,
  ): Promise<StorageObjectList>;
  /** Deletes objects in one transaction; without a version a missing object is skipped. */
  storageDelete(keys: readonly StorageDeleteRequest[]): Promise<void>;
}

/** Builds the storage functions; without a storage service they throw "not available". */
export function storageNk(service: RuntimeStorage | undefined): StorageNk {
  const storage = (): RuntimeStorage => {
    if (!service) throw new Error('Storage is not available on this server');
    return service;
  };
  return {
    async storageRead(keys) {
      return (await storage().serverRead(list(keys, 'storageRead'))).map(runtimeObject);
    },
    async storageWrite(objects) {
      const inputs = list(objects, 'storageWrite').map((o) => ({ ...o, value: objectText(o?.value) }));
      return (await storage().serverWrite(inputs)).map((a) => ({
        key: a.key,
        collection: a.collection,
        userId: a.userId,
        version: a.version,
      }));
    },
    async storageList(userId, collection, limit = 100, cursor = null, callerId = null) {
      const page = await storage().serverList({
        collection,
        userId,
        limit,
        cursor: cursor ?? undefined,
        callerId,
      });
      return { objects: page.objects.map(runtimeObject), cursor: page.cursor };
    },
    async storageDelete(keys) {
      await storage().serverDelete(list(keys, 'storageDelete'));
    },
  };
}

function list<T>(items: readonly T[], fn: string): readonly T[] {
  if (!Array.isArray(items)) throw new TypeError(`${fn}: expects an array of objects`);
  return items;
}

/** The JSON text of a plain object value; anything else is refused. */
function objectText(value: unknown): string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError("storageWrite: expects 'value' to be an object");
  }
  return JSON.stringify(value);
}

function runtimeObject(o: StorageObjectRecord): StorageObject {
  return {
    key: o.key,
    collection: o.collection,
    userId: o.userId,
    version: o.version,
    permissionRead: o.permissionRead,
    permissionWrite: o.permissionWrite,
    createTime: Math.floor(o.createTime.getTime() / 1000),
    updateTime: Math.floor(o.updateTime.getTime() / 1000),
    value: JSON.parse(o.value) as Record<string, unknown>,
  };
}
