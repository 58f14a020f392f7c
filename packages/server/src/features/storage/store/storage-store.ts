/**
 * The storage feature's store: storage objects keyed by (collection, key, owner). The SQLite and
 * PostgreSQL implementations (`sqlite.ts`, `postgres.ts`) pass one contract suite
 * (`storage-store.test.ts`); SQL never leaves them. Permission and version rules are decided here
 * only where they must be atomic with the write (a conditional write, "only if writable"); what a
 * caller may read or list is chosen by the service through the query it asks for.
 */

/** The owner of system objects (Nakama's nil UUID), written by server code only. */
export const SYSTEM_USER_ID = '00000000-0000-0000-0000-000000000000';

/** Largest page one listing returns (Nakama's limit, 1–100). */
export const MAX_LIST_LIMIT = 100;

/** Who may read an object: 0 nobody but server code, 1 its owner, 2 any user. */
export type ReadPermission = 0 | 1 | 2;
/** Who may write an object: 0 nobody but server code, 1 its owner. */
export type WritePermission = 0 | 1;

/** The address of one object. `userId` is the owner: a lower-case user id, or {@link SYSTEM_USER_ID}. */
export interface StorageObjectId {
  readonly collection: string;
  readonly key: string;
  readonly userId: string;
}

/** One stored object. */
export interface StorageObjectRecord extends StorageObjectId {
  /** A JSON object, as the text that was written. */
  readonly value: string;
  /** MD5 (hex) of {@link value}. */
  readonly version: string;
  readonly permissionRead: ReadPermission;
  readonly permissionWrite: WritePermission;
  readonly createTime: Date;
  readonly updateTime: Date;
}

/**
 * When a write may happen: `any` (last write wins), `absent` (create only: Nakama's `*`), or only
 * when the stored version equals the given one (which also requires the object to exist).
 */
export type WriteCondition =
  | { readonly kind: 'any' }
  | { readonly kind: 'absent' }
  | { readonly kind: 'version'; readonly version: string };

/** One write of a batch. */
export interface StorageWriteOp extends StorageObjectId {
  readonly value: string;
  /** The new version: MD5 of `value`. */
  readonly version: string;
  readonly permissionRead: ReadPermission;
  readonly permissionWrite: WritePermission;
  readonly condition: WriteCondition;
  /**
   * A client's write: an existing object is only overwritten when its `permission_write` is 1. Server
   * code writes regardless.
   */
  readonly ownerWriteOnly: boolean;
}

/** What a successful write stored: the ack. */
export interface StorageWriteResult extends StorageObjectId {
  readonly version: string;
  readonly createTime: Date;
  readonly updateTime: Date;
}

/** One delete of a batch. */
export interface StorageDeleteOp extends StorageObjectId {
  /** Delete only when the stored version equals this one. */
  readonly version?: string | undefined;
  /** A client's delete: only objects whose `permission_write` is 1. */
  readonly ownerWriteOnly: boolean;
  /** A delete that matches no object rejects the batch (clients, and any delete with a version). */
  readonly mustExist: boolean;
}

/** A position in a listing's (read, key, user id) order; pages start strictly after it. */
export interface StorageListPosition {
  readonly read: number;
  readonly key: string;
  readonly userId: string;
}

/** One listing: a collection's objects, of one owner or of all, with at least some read permission. */
export interface StorageListQuery {
  readonly collection: string;
  /** One owner's objects (a user id or {@link SYSTEM_USER_ID}), or every owner's (`null`). */
  readonly owner: string | null;
  /** Only objects whose `permission_read` is at least this. */
  readonly minRead: ReadPermission;
  /** Rows to return, at most {@link MAX_LIST_LIMIT} + 1 (the service asks for one more to see a next page). */
  readonly limit: number;
  readonly after: StorageListPosition | null;
}

/** A position in one owner's objects across collections: (collection, read, key). */
export interface StorageOwnedPosition {
  readonly collection: string;
  readonly read: number;
  readonly key: string;
}

/** Why a write batch was refused (Nakama's two causes). */
export const WriteRejection = {
  /** A version condition failed: `*` on an existing object, or a version that is not the stored one. */
  VERSION: 'version',
  /** A client tried to overwrite an object whose `permission_write` is 0. */
  PERMISSION: 'permission',
} as const;
export type WriteRejection = (typeof WriteRejection)[keyof typeof WriteRejection];

/** Thrown by {@link StorageStore.write} when one write of the batch is refused; nothing was written. */
export class StorageWriteRejectedError extends Error {
  override readonly name = 'StorageWriteRejectedError';
  constructor(
    readonly reason: WriteRejection,
    /** Which op of the batch, in the order given. */
    readonly index: number,
  ) {
    super(`storage write ${index} rejected: ${reason}`);
  }
}

/** Thrown by {@link StorageStore.delete} when a delete that must match an object matched none. */
export class StorageDeleteRejectedError extends Error {
  override readonly name = 'StorageDeleteRejectedError';
  constructor(readonly index: number) {
    super(`storage delete ${index} matched no deletable object`);
  }
}

/** Thrown by {@link StorageStore.write} for an object whose owner is not an existing user. */
export class StorageOwnerMissingError extends Error {
  override readonly name = 'StorageOwnerMissingError';
  constructor(options?: { cause?: unknown }) {
    super('storage object owner does not exist', options);
  }
}

/**
 * Storage objects. Every method joins the caller's transaction (`db.tx`) when one is open; a batch
 * (several writes or deletes) otherwise runs in one transaction of its own: all of it or none.
 */
export interface StorageStore {
  /**
   * Applies the writes in the order given (the caller sorts them to avoid deadlocks), each seeing
   * the ones before it. Throws {@link StorageWriteRejectedError} or {@link StorageOwnerMissingError}
   * and writes nothing when one fails. Returns one result per op, in order.
   */
  write(ops: readonly StorageWriteOp[], now: Date): Promise<StorageWriteResult[]>;
  /** The objects that exist among `ids`, in no particular order. */
  read(ids: readonly StorageObjectId[]): Promise<StorageObjectRecord[]>;
  /** Up to `limit` objects of a listing, in (read, key, user id) order after `after`. */
  list(query: StorageListQuery): Promise<StorageObjectRecord[]>;
  /**
   * Applies the deletes in the order given. Throws {@link StorageDeleteRejectedError} and deletes
   * nothing when a delete with `mustExist` matches no object.
   */
  delete(ops: readonly StorageDeleteOp[]): Promise<void>;
  /** Up to `limit` collection names that have objects, in order, after `after` (the admin console). */
  listCollections(limit: number, after: string | null): Promise<string[]>;
  /**
   * Up to `limit` of one owner's objects in every collection, in (collection, read, key) order after
   * `after` (the admin console's account page).
   */
  listOwned(owner: string, limit: number, after: StorageOwnedPosition | null): Promise<StorageObjectRecord[]>;
}
