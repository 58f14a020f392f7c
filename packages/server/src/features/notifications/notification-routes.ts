import type { NotificationService } from './notification-service.ts';
import type { SessionAuth } from '../accounts/auth/session-auth.ts';
import type { HttpRouter } from '../../http/router.ts';
import { intQuery, withSession } from '../../api/request-helpers.ts';

/**
 * The caller's stored notifications: `GET /v2/notification?limit=&cacheable_cursor=` (limit 1–100,
 * default 1, as in Nakama) and `DELETE /v2/notification?ids=…&ids=…` (only the caller's own).
 */
export function registerNotificationRoutes(
  router: HttpRouter,
  deps: {
    readonly notifications: NotificationService;
    readonly sessions: Pick<SessionAuth, 'verifySessionToken'>;
  },
): void {
  router.on(
    'GET',
    '/v2/notification',
    withSession(deps.sessions, (req, caller) =>
      deps.notifications.list(caller.userId, {
        limit: intQuery(req, 'limit', 1),
        cursor: req.query.get('cacheable_cursor') || undefined,
      }),
    ),
  );
  router.on(
    'DELETE',
    '/v2/notification',
    withSession(deps.sessions, async (req, caller) => {
      const ids = req.query.getAll('ids').filter((id) => id !== '');
      await deps.notifications.delete(caller.userId, ids);
      return {};
    }),
  );
}
