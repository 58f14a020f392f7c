import type { ApiRoute, HttpRequest } from '../../api/http-types.ts';
import { intQuery, jsonBody, withSession } from '../../api/request-helpers.ts';
import type { SessionVerifier, VerifiedSession } from '../../session/verifier.ts';
import { DeleteBody, plainReadBody, plainWriteBody, ReadBody, WriteBody } from './storage-bodies.ts';
import { storageAcksJson, storageListJson, storageObjectsJson } from './storage-json.ts';
import type { StorageService } from './storage-service.ts';

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
        const body = await jsonBody(req, WriteBody, plainWriteBody);
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
        const body = await jsonBody(req, ReadBody, plainReadBody);
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
