import type { Logger } from 'pino';
import { cursorFields, defineCursor, InvalidCursorError } from '../../db/cursor.ts';
import type { Clock } from '../../shared/clock.ts';
import { DomainError, ErrorKind, invalid } from '../../shared/domain-error.ts';
import {
  checkBatch,
  checkCollection,
  checkNames,
  checkOwner,
  checkReadOwner,
  checkWrite,
  MAX_CLIENT_BATCH,
  MAX_NAME_CHARS,
  MAX_SERVER_BATCH,
  type ObjectIdInput,
  sortedBatch,
  type WriteInput,
} from './storage-validation.ts';
import {
  MAX_LIST_LIMIT,
  type ReadPermission,
  type StorageDeleteOp,
  StorageDeleteRejectedError,
  type StorageObjectRecord,
  StorageOwnerMissingError,
  type StorageStore,
  type StorageWriteOp,
  StorageWriteRejectedError,
  type StorageWriteResult,
  SYSTEM_USER_ID,
  WriteRejection,
} from './store/storage-store.ts';

export type { ObjectIdInput, WriteInput } from './storage-validation.ts';

/** Largest page server code may list at once. */
export const MAX_SERVER_LIST_LIMIT = 1000;

/** One page of a listing and where the next one starts (`null` on the last page). */
export interface StoragePage {
  readonly objects: readonly StorageObjectRecord[];
  readonly cursor: string | null;
}

/** A listing as asked for: a collection, whose objects, how many, and from where. */
export interface ListInput {
  readonly collection: string;
  /** The owner; absent or `''`: every owner's objects. The nil UUID: the system's. */
  readonly userId?: string | null | undefined;
  readonly limit: number;
  readonly cursor?: string | undefined;
}

/** Dependencies and settings of {@link StorageService}. */
export interface StorageServiceDeps {
  readonly store: StorageStore;
  readonly clock: Clock;
  /** Largest value, in UTF-8 bytes of its JSON text (`--storage-max-value-bytes`). */
  readonly maxValueBytes: number;
  readonly logger?: Logger | undefined;
}

/** Pages resume after (read, key, owner); a cursor is bound to its collection, owner and visibility. */
const LIST_CURSOR = defineCursor('storage.list', [
  cursorFields.int,
  cursorFields.text(MAX_NAME_CHARS * 2),
  cursorFields.uuid,
]);

/**
 * Storage objects with Nakama's semantics. Clients (`write`, `read`, `list`, `delete`) act as
 * themselves: they write and delete only their own objects, only those whose `permission_write` is
 * 1, and read only public objects and their own readable ones. Server code (`serverWrite`, ...)
 * bypasses permissions and may own objects by the system. Every batch is atomic: a rejected object
 * rejects the whole request and nothing is written. Writes run in (collection, key, owner) order so
 * that concurrent batches cannot deadlock; results come back in request order.
 */
export class StorageService {
  readonly #d: StorageServiceDeps;

  constructor(deps: StorageServiceDeps) {
    this.#d = deps;
  }

  /** `PUT /v2/storage`: writes the caller's objects; returns the acks in request order. */
  write(callerId: string, objects: readonly WriteInput[] | undefined): Promise<StorageWriteResult[]> {
    const list = checkBatch(objects, MAX_CLIENT_BATCH, 'writes');
    const owner = callerId.toLowerCase();
    return this.#write(
      list.map((o) => ({ ...checkWrite(o, owner, this.#d.maxValueBytes), ownerWriteOnly: true })),
    );
  }

  /** `POST /v2/storage`: the objects among `ids` the caller may read (others are left out silently). */
  async read(callerId: string, ids: readonly ObjectIdInput[] | undefined): Promise<StorageObjectRecord[]> {
    const list = checkBatch(ids, MAX_CLIENT_BATCH, 'reads');
    const checked = list.map((id) => ({
      ...checkNames(id.collection, id.key),
      userId: checkReadOwner(id.userId),
    }));
    const caller = callerId.toLowerCase();
    const found = await this.#d.store.read(checked);
    return found.filter((o) => o.permissionRead === 2 || (o.permissionRead === 1 && o.userId === caller));
  }

  /**
   * `GET /v2/storage/{collection}`: every owner's public objects (no `userId`), the caller's own
   * readable ones, or another owner's (a user or the system, by the nil UUID) public ones. `limit` is
   * 1–100; pages follow the cursor of the previous one.
   */
  list(callerId: string, input: ListInput): Promise<StoragePage> {
    if (!Number.isInteger(input.limit) || input.limit < 1 || input.limit > MAX_LIST_LIMIT) {
      throw invalid(`Invalid limit - limit must be between 1 and ${MAX_LIST_LIMIT}.`);
    }
    const owner = checkOwner(input.userId, null);
    const own = owner === callerId.toLowerCase();
    return this.#list(checkCollection(input.collection), owner, own ? 1 : 2, input.limit, input.cursor);
  }

  /**
   * `PUT /v2/storage/delete`: deletes the caller's objects (only those it may write; with a version,
   * only that version). One that matches nothing rejects the whole request.
   */
  async delete(callerId: string, ids: readonly ObjectIdInput[] | undefined): Promise<void> {
    const list = checkBatch(ids, MAX_CLIENT_BATCH, 'deletes');
    const owner = callerId.toLowerCase();
    await this.#delete(
      list.map((id) => ({
        ...checkNames(id.collection, id.key),
        userId: owner,
        version: id.version || undefined,
        ownerWriteOnly: true,
        mustExist: true,
      })),
    );
  }

  /**
   * Server code's write (Nakama's authoritative write): any owner (absent: the system), whatever the
   * stored permissions; versions are still checked.
   */
  serverWrite(objects: readonly WriteInput[]): Promise<StorageWriteResult[]> {
    const list = checkBatch(objects, MAX_SERVER_BATCH, 'writes');
    return this.#write(
      list.map((o) => {
        if (o.version === '') throw invalid('Version must be a non-empty string when given.');
        const owner = checkOwner(o.userId, SYSTEM_USER_ID);
        return { ...checkWrite(o, owner, this.#d.maxValueBytes), ownerWriteOnly: false };
      }),
    );
  }

  /** Server code's read: the objects that exist among `ids` (absent owner: the system), any permission. */
  serverRead(ids: readonly ObjectIdInput[]): Promise<StorageObjectRecord[]> {
    const list = checkBatch(ids, MAX_SERVER_BATCH, 'reads');
    return this.#d.store.read(
      list.map((id) => ({
        ...checkNames(id.collection, id.key),
        userId: checkOwner(id.userId, SYSTEM_USER_ID),
      })),
    );
  }

  /**
   * Server code's listing: every object of the collection (`userId` null) or of one owner, whatever
   * the permissions, or as `callerId` would see it when given. `limit` 0 gives an empty page.
   */
  serverList(input: ListInput & { readonly callerId?: string | null | undefined }): Promise<StoragePage> {
    if (!Number.isInteger(input.limit) || input.limit < 0 || input.limit > MAX_SERVER_LIST_LIMIT) {
      throw invalid(`Invalid limit - limit must be between 0 and ${MAX_SERVER_LIST_LIMIT}.`);
    }
    if (input.callerId) {
      if (input.limit === 0) return Promise.resolve({ objects: [], cursor: null });
      const caller = checkOwner(input.callerId, null) ?? '';
      const owner = checkOwner(input.userId, null);
      const collection = checkCollection(input.collection);
      return this.#list(collection, owner, owner === caller ? 1 : 2, input.limit, input.cursor);
    }
    const collection = checkCollection(input.collection);
    const owner = checkOwner(input.userId, null);
    if (input.limit === 0) return Promise.resolve({ objects: [], cursor: null });
    return this.#list(collection, owner, 0, input.limit, input.cursor);
  }

  /**
   * Server code's delete: any owner (absent: the system). Without a version a missing object is
   * skipped; with one, a mismatch or a missing object rejects the call.
   */
  async serverDelete(ids: readonly ObjectIdInput[]): Promise<void> {
    const list = checkBatch(ids, MAX_SERVER_BATCH, 'deletes');
    await this.#delete(
      list.map((id) => {
        if (id.version === '') throw invalid('Version must be a non-empty string when given.');
        return {
          ...checkNames(id.collection, id.key),
          userId: checkOwner(id.userId, SYSTEM_USER_ID),
          version: id.version,
          ownerWriteOnly: false,
          mustExist: id.version !== undefined,
        };
      }),
    );
  }

  async #write(ops: readonly StorageWriteOp[]): Promise<StorageWriteResult[]> {
    if (ops.length === 0) return [];
    const sorted = sortedBatch(ops);
    let written: StorageWriteResult[];
    try {
      written = await this.#d.store.write(
        sorted.map((s) => s.item),
        new Date(this.#d.clock.now()),
      );
    } catch (err) {
      if (err instanceof StorageWriteRejectedError) {
        throw invalid(
          err.reason === WriteRejection.PERMISSION
            ? 'Storage write rejected - permission denied.'
            : 'Storage write rejected - version check failed.',
        );
      }
      if (err instanceof StorageOwnerMissingError) {
        throw new DomainError(
          ErrorKind.NOT_FOUND,
          'Storage write rejected - the owner is not an existing user.',
          {
            cause: err,
          },
        );
      }
      throw err;
    }
    const acks = new Array<StorageWriteResult>(ops.length);
    for (const [i, s] of sorted.entries()) acks[s.index] = written[i]!;
    return acks;
  }

  async #delete(ops: readonly StorageDeleteOp[]): Promise<void> {
    if (ops.length === 0) return;
    try {
      await this.#d.store.delete(sortedBatch(ops).map((s) => s.item));
    } catch (err) {
      if (err instanceof StorageDeleteRejectedError) {
        throw invalid('Storage delete rejected - not found, version check failed, or permission denied.');
      }
      throw err;
    }
  }

  async #list(
    collection: string,
    owner: string | null,
    minRead: ReadPermission,
    limit: number,
    cursor: string | undefined,
  ): Promise<StoragePage> {
    const filter = [collection, owner, minRead];
    let after: readonly [number, string, string] | null = null;
    if (cursor) {
      try {
        after = LIST_CURSOR.decode(cursor, filter);
      } catch (err) {
        if (err instanceof InvalidCursorError) throw invalid('Malformed cursor was used.');
        throw err;
      }
    }
    const rows = await this.#d.store.list({
      collection,
      owner,
      minRead,
      limit: limit + 1,
      after: after && { read: after[0], key: after[1], userId: after[2] },
    });
    if (rows.length <= limit) return { objects: rows, cursor: null };
    const objects = rows.slice(0, limit);
    const last = objects[objects.length - 1]!;
    return { objects, cursor: LIST_CURSOR.encode([last.permissionRead, last.key, last.userId], filter) };
  }
}
