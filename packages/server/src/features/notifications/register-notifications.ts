import type { FeatureParts } from '../../core/feature.ts';
import type { FeatureContext } from '../../core/feature-context.ts';
import { notificationConsoleRoutes } from './notification-console-routes.ts';
import { notificationRoutes } from './notification-routes.ts';
import { NotificationService, type NotificationServiceDeps } from './notification-service.ts';

/** The notification feature as the composition root holds it. */
export interface NotificationFeature extends FeatureParts {
  /** Server code (chat, game modules) sends through it. */
  readonly notifications: NotificationService;
}

/**
 * Builds the notification service and serves `GET` / `DELETE /v2/notification`, and the notification
 * panel of the admin console.
 */
export function registerNotifications(
  ctx: FeatureContext,
  deps: { readonly users: NotificationServiceDeps['users'] },
): NotificationFeature {
  const notifications = new NotificationService({
    store: ctx.storage.notifications,
    users: deps.users,
    router: ctx.router,
    clock: ctx.clock,
    logger: ctx.logger,
  });
  return {
    notifications,
    routes: notificationRoutes({ notifications, sessions: ctx.verifier }),
    consoleRoutes: notificationConsoleRoutes(notifications),
  };
}
