import type { FeatureParts } from '../../core/feature.ts';
import type { FeatureContext } from '../../core/feature-context.ts';
import { StreamMode, stream } from '../../presence/stream.ts';
import type { NotificationService } from '../notifications/notification-service.ts';
import { groupConsoleRoutes } from './group-console-routes.ts';
import { groupRoutes } from './group-routes.ts';
import { GroupService, type GroupServiceDeps } from './group-service.ts';
import type { GroupStore } from './store/group-store.ts';

/** The groups feature as the composition root holds it. */
export interface GroupFeature extends FeatureParts {
  /** Chat subscribes to its membership changes; game modules reach it through `nk.group*`. */
  readonly groups: GroupService;
}

/** What {@link registerGroups} needs besides the context. */
export interface GroupDeps {
  /** This feature's store, built by the composition root for the database's dialect. */
  readonly store: GroupStore;
  readonly users: GroupServiceDeps['users'];
  readonly notifications: Pick<NotificationService, 'sendEach'>;
}

/**
 * Builds the group service and serves Nakama's `/v2/group` endpoints and `/v2/user/{id}/group`, and
 * the groups page (and account panel) of the admin console.
 */
export function registerGroups(ctx: FeatureContext, deps: GroupDeps): GroupFeature {
  const groups = new GroupService({
    store: deps.store,
    db: ctx.db,
    users: deps.users,
    notifications: deps.notifications,
    // Every socket is tracked (hidden) on its user's notification stream, on whichever node it is.
    isOnline: (userId) => ctx.tracker.count(stream(StreamMode.NOTIFICATIONS, userId)) > 0,
    clock: ctx.clock,
  });
  return {
    groups,
    routes: groupRoutes({ groups, sessions: ctx.verifier }),
    consoleRoutes: groupConsoleRoutes(groups),
  };
}
