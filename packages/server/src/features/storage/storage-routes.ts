import { z } from 'zod';
import type { ApiRoute, HttpRequest } from '../../api/http-types.ts';
import { intQuery, jsonBody, withSession } from '../../api/request-helpers.ts';
import type { SessionVerifier, VerifiedSession } from '../../session/verifier.ts';
import { storageAcksJson, storageListJson, storageObjectsJson } from './storage-json.ts';
import type { StorageService } from './storage-service.ts';

// Request bodies as proto3 JSON allows them: unknown fields ignored, `null` meaning absent, int32
// wrappers as numbers or numeric strings. A wrong type is a 400 naming the field.
const str = z
  .string()
  .nullish()
  .transform((v) => v ?? undefined);
const int32 = z
  .union([
    z.number(),
    z
      .string()
      .regex(/^-?\d{1,10}$/, 'expected an integer')
      .transform(Number),
  ])
  .nullish()
  .transform((v) => v ?? undefined);
const list = <T extends z.ZodType>(item: T) =>
  z
    .array(item)
    .nullish()
    .transform((v) => v ?? []);

const WriteBody = z.object({
  objects: list(
    z.object({
      collection: str,
      key: str,
      value: str,
      version: str,
      permission_read: int32,
      permission_write: int32,
    }),
  ),
});
const ReadBody = z.object({ object_ids: list(z.object({ collection: str, key: str, user_id: str })) });
const DeleteBody = z.object({ object_ids: list(z.object({ collection: str, key: str, version: str })) });

/**
 * Nakama's storage endpoints: write (`PUT /v2/storage`), read (`POST /v2/storage`), list
 * (`GET /v2/storage/{collection}`, owner in `user_id` or the path) and delete
 * (`PUT /v2/storage/delete`), as the unmodified nakama-js client calls them.
 */
export function storageRoutes(deps: {
  readonly storage: StorageService;
  readonly sessions: Pick<SessionVerifier, 'verifySessionToken'>;
}): ApiRoute[] {
  const { storage, sessions } = deps;
  const list = async (req: HttpRequest, caller: VerifiedSession) =>
    storageListJson(
      await storage.list(caller.userId, {
        collection: req.params.collection ?? '',
        userId: req.params.userId ?? req.query.get('user_id'),
        limit: intQuery(req, 'limit', 1),
        cursor: req.query.get('cursor') || undefined,
      }),
    );
  return [
    {
      method: 'PUT',
      path: '/v2/storage',
      name: 'WriteStorageObjects',
      handler: withSession(sessions, async (req, caller) => {
        const body = await jsonBody(req, WriteBody);
        const acks = await storage.write(
          caller.userId,
          body.objects.map((o) => ({
            collection: o.collection,
            key: o.key,
            value: o.value,
            version: o.version,
            permissionRead: o.permission_read,
            permissionWrite: o.permission_write,
          })),
        );
        return storageAcksJson(acks);
      }),
    },
    {
      method: 'POST',
      path: '/v2/storage',
      name: 'ReadStorageObjects',
      handler: withSession(sessions, async (req, caller) => {
        const body = await jsonBody(req, ReadBody);
        const ids = body.object_ids.map((o) => ({ collection: o.collection, key: o.key, userId: o.user_id }));
        return storageObjectsJson(await storage.read(caller.userId, ids));
      }),
    },
    {
      method: 'PUT',
      path: '/v2/storage/delete',
      name: 'DeleteStorageObjects',
      handler: withSession(sessions, async (req, caller) => {
        const body = await jsonBody(req, DeleteBody);
        await storage.delete(caller.userId, body.object_ids);
        return {};
      }),
    },
    {
      method: 'GET',
      path: '/v2/storage/:collection',
      name: 'ListStorageObjects',
      handler: withSession(sessions, list),
    },
    {
      method: 'GET',
      path: '/v2/storage/:collection/:userId',
      name: 'ListStorageObjects',
      handler: withSession(sessions, list),
    },
  ];
}
