import type { ApiRoute } from '../../api/http-types.ts';
import { intQuery, withSession } from '../../api/request-helpers.ts';
import type { SessionVerifier } from '../../session/verifier.ts';
import type { NotificationService } from './notification-service.ts';

/**
 * The caller's stored notifications: `GET /v2/notification?limit=&cacheable_cursor=` (limit 1–100,
 * default 1, as in Nakama) and `DELETE /v2/notification?ids=…&ids=…` (only the caller's own).
 */
export function notificationRoutes(deps: {
  readonly notifications: NotificationService;
  readonly sessions: Pick<SessionVerifier, 'verifySessionToken'>;
}): ApiRoute[] {
  return [
    {
      method: 'GET',
      path: '/v2/notification',
      name: 'ListNotifications',
      handler: withSession(deps.sessions, (req, caller) =>
        deps.notifications.list(caller.userId, {
          limit: intQuery(req, 'limit', 1),
          cursor: req.query.get('cacheable_cursor') || undefined,
        }),
      ),
    },
    {
      method: 'DELETE',
      path: '/v2/notification',
      name: 'DeleteNotifications',
      handler: withSession(deps.sessions, async (req, caller) => {
        const ids = req.query.getAll('ids').filter((id) => id !== '');
        await deps.notifications.delete(caller.userId, ids);
        return {};
      }),
    },
  ];
}
