import { z } from 'zod';
import type { ApiRoute, HttpRequest } from '../../api/http-types.ts';
import { jsonBody } from '../../api/request-helpers.ts';
import { notFound } from '../../shared/domain-error.ts';
import type { StorageAdmin } from './storage-admin.ts';
import { storageAcksJson, storageListJson, storageObjectJson } from './storage-json.ts';
import type { StorageService } from './storage-service.ts';

const str = z
  .string()
  .nullish()
  .transform((v) => v ?? undefined);
const int = z
  .number()
  .int()
  .nullish()
  .transform((v) => v ?? undefined);
const WriteBody = z.object({ value: str, version: str, permission_read: int, permission_write: int });

/**
 * The storage section of the admin console: collections, a collection's objects (every owner's or
 * one's), one owner's objects in every collection, and any object read, written or deleted with
 * server code's authority (`PUT` with the `version` it was read at refuses an edit of a stale copy).
 */
export function storageConsoleRoutes(admin: StorageAdmin, storage: StorageService): ApiRoute[] {
  const id = (req: HttpRequest) => ({
    collection: req.params.collection ?? '',
    key: req.params.key ?? '',
    userId: req.params.userId ?? '',
  });
  const cursor = (req: HttpRequest) => req.query.get('cursor') || undefined;
  return [
    {
      method: 'GET',
      path: '/v2/console/storage',
      name: 'ConsoleListStorageCollections',
      handler: async (req) => {
        const page = await admin.collections(cursor(req));
        return { body: page.cursor ? page : { collections: page.collections } };
      },
    },
    {
      method: 'GET',
      path: '/v2/console/storage/:collection',
      name: 'ConsoleListStorageObjects',
      handler: async (req) => ({
        body: storageListJson(
          await admin.objects(
            req.params.collection ?? '',
            req.query.get('user_id') || undefined,
            cursor(req),
          ),
        ),
      }),
    },
    {
      method: 'GET',
      path: '/v2/console/account/:userId/storage',
      name: 'ConsoleListAccountStorage',
      handler: async (req) => ({
        body: storageListJson(await admin.owned(req.params.userId ?? '', cursor(req))),
      }),
    },
    {
      method: 'GET',
      path: '/v2/console/storage/:collection/:key/:userId',
      name: 'ConsoleGetStorageObject',
      handler: async (req) => {
        const { collection, key, userId } = id(req);
        const found = await admin.object(collection, key, userId);
        if (!found) throw notFound('Storage object not found.');
        return { body: storageObjectJson(found) };
      },
    },
    {
      method: 'PUT',
      path: '/v2/console/storage/:collection/:key/:userId',
      name: 'ConsoleWriteStorageObject',
      handler: async (req) => {
        const b = await jsonBody(req, WriteBody);
        const acks = await storage.serverWrite([
          {
            ...id(req),
            value: b.value,
            version: b.version || undefined,
            permissionRead: b.permission_read,
            permissionWrite: b.permission_write,
          },
        ]);
        return { body: storageAcksJson(acks) };
      },
    },
    {
      method: 'DELETE',
      path: '/v2/console/storage/:collection/:key/:userId',
      name: 'ConsoleDeleteStorageObject',
      handler: async (req) => {
        await storage.serverDelete([{ ...id(req), version: req.query.get('version') || undefined }]);
        return { body: {} };
      },
    },
  ];
}
