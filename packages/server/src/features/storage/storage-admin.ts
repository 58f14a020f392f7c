/**
 * Storage as the admin console sees it: the collections that have objects, one owner's objects in
 * every collection, and any object read, written or deleted as server code would (permissions do not
 * apply; versions still do, so an edit made on a stale copy is refused rather than lost).
 *
 * @packageDocumentation
 */
import { cursorFields, defineCursor, InvalidCursorError } from '../../db/cursor.ts';
import { invalid } from '../../shared/domain-error.ts';
import type { StoragePage, StorageService } from './storage-service.ts';
import { checkOwner, MAX_NAME_CHARS } from './storage-validation.ts';
import { type StorageObjectRecord, type StorageStore, SYSTEM_USER_ID } from './store/storage-store.ts';

/** Rows per console page. */
const PAGE = 100;

const COLLECTIONS_CURSOR = defineCursor('storage.console.collections', [
  cursorFields.text(MAX_NAME_CHARS * 2),
]);
const OWNED_CURSOR = defineCursor('storage.console.owned', [
  cursorFields.text(MAX_NAME_CHARS * 2),
  cursorFields.int,
  cursorFields.text(MAX_NAME_CHARS * 2),
]);

/** A page of collection names. */
export interface CollectionPage {
  readonly collections: readonly string[];
  readonly cursor: string | null;
}

/** The console's storage browser: listings the public API has no call for, over the service. */
export class StorageAdmin {
  readonly #store: StorageStore;
  readonly #storage: StorageService;

  constructor(deps: { store: StorageStore; storage: StorageService }) {
    this.#store = deps.store;
    this.#storage = deps.storage;
  }

  /** Collections that have objects, in order, 100 per page. */
  async collections(cursor?: string): Promise<CollectionPage> {
    const after = cursor ? decode(() => COLLECTIONS_CURSOR.decode(cursor)) : null;
    const rows = await this.#store.listCollections(PAGE + 1, after?.[0] ?? null);
    const collections = rows.slice(0, PAGE);
    const last = collections[collections.length - 1];
    return {
      collections,
      cursor: rows.length > PAGE && last !== undefined ? COLLECTIONS_CURSOR.encode([last]) : null,
    };
  }

  /** A collection's objects (one owner's, or every owner's), any permission, 100 per page. */
  objects(collection: string, userId: string | undefined, cursor?: string): Promise<StoragePage> {
    return this.#storage.serverList({ collection, userId, limit: PAGE, cursor });
  }

  /** One owner's objects in every collection (`userId`: a user or the nil UUID), 100 per page. */
  async owned(userId: string, cursor?: string): Promise<StoragePage> {
    const owner = checkOwner(userId, SYSTEM_USER_ID);
    const after = cursor ? decode(() => OWNED_CURSOR.decode(cursor, [owner])) : null;
    const rows = await this.#store.listOwned(
      owner,
      PAGE + 1,
      after && { collection: after[0], read: after[1], key: after[2] },
    );
    const objects = rows.slice(0, PAGE);
    const last = objects[objects.length - 1];
    return {
      objects,
      cursor:
        rows.length > PAGE && last
          ? OWNED_CURSOR.encode([last.collection, last.permissionRead, last.key], [owner])
          : null,
    };
  }

  /** One object, or `null`. */
  async object(collection: string, key: string, userId: string): Promise<StorageObjectRecord | null> {
    const [found] = await this.#storage.serverRead([{ collection, key, userId }]);
    return found ?? null;
  }
}

function decode<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof InvalidCursorError) throw invalid('Malformed cursor was used.');
    throw err;
  }
}
