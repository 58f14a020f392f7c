import type { FeatureParts } from '../../core/feature.ts';
import type { FeatureContext } from '../../core/feature-context.ts';
import { notificationConsoleRoutes } from './notification-console-routes.ts';
import { notificationRoutes } from './notification-routes.ts';
import { NotificationService, type NotificationServiceDeps } from './notification-service.ts';
import type { NotificationStore } from './store/notification-store.ts';

/** The notification feature as the composition root holds it. */
export interface NotificationFeature extends FeatureParts {
  /** Server code (chat, game modules) sends through it. */
  readonly notifications: NotificationService;
}

/** What {@link registerNotifications} needs besides the context. */
export interface NotificationDeps {
  /** This feature's store, built by the composition root for the database's dialect. */
  readonly store: NotificationStore;
  readonly users: NotificationServiceDeps['users'];
}

/**
 * Builds the notification service and serves `GET` / `DELETE /v2/notification`, and the notification
 * panel of the admin console.
 */
export function registerNotifications(ctx: FeatureContext, deps: NotificationDeps): NotificationFeature {
  const notifications = new NotificationService({
    store: deps.store,
    db: ctx.db,
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
