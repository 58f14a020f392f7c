import { registerNotificationRoutes } from './notification-routes.ts';
import type { RealtimeContext } from '../../core/feature-context.ts';
import { NotificationService } from './notification-service.ts';

/**
 * Builds the notification service on the realtime core and serves `GET` / `DELETE /v2/notification`.
 * Returns the service: server code (chat, the socket layer, game modules) sends through it.
 */
export function registerNotifications(ctx: RealtimeContext): NotificationService {
  const notifications = new NotificationService({
    store: ctx.storage.notifications,
    users: ctx.storage.accounts,
    router: ctx.router,
    clock: ctx.clock,
    logger: ctx.logger,
  });
  registerNotificationRoutes(ctx.http, { notifications, sessions: ctx.accounts.sessions });
  return notifications;
}
