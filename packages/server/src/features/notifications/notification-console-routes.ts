import type { ApiRoute, HttpRequest } from '../../api/http-types.ts';
import { intQuery } from '../../api/request-helpers.ts';
import { invalid } from '../../shared/domain-error.ts';
import { isUuid } from '../../shared/ids.ts';
import type { NotificationService } from './notification-service.ts';

/**
 * The notifications panel of the console's account page: a user's stored notifications (oldest
 * first, 100 a page by default) and deleting one.
 */
export function notificationConsoleRoutes(notifications: NotificationService): ApiRoute[] {
  const userOf = (req: HttpRequest) => {
    const id = (req.params.userId ?? '').toLowerCase();
    if (!isUuid(id)) throw invalid('Invalid user ID.');
    return id;
  };
  return [
    {
      method: 'GET',
      path: '/v2/console/account/:userId/notification',
      name: 'ConsoleListNotifications',
      handler: async (req) => ({
        body: await notifications.list(userOf(req), {
          limit: intQuery(req, 'limit', 100),
          cursor: req.query.get('cursor') || undefined,
        }),
      }),
    },
    {
      method: 'DELETE',
      path: '/v2/console/account/:userId/notification/:notificationId',
      name: 'ConsoleDeleteNotification',
      handler: async (req) => ({
        body: { deleted: await notifications.delete(userOf(req), [req.params.notificationId ?? '']) },
      }),
    },
  ];
}
