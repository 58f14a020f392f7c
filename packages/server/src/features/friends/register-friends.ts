import type { FeatureParts } from '../../core/feature.ts';
import type { FeatureContext } from '../../core/feature-context.ts';
import { StreamMode, stream } from '../../presence/stream.ts';
import type { NotificationService } from '../notifications/notification-service.ts';
import { friendConsoleRoutes } from './friend-console-routes.ts';
import { friendRoutes } from './friend-routes.ts';
import { FriendService, type FriendServiceDeps } from './friend-service.ts';
import type { FriendStore } from './store/friend-store.ts';

/** The friends feature as the composition root holds it. */
export interface FriendFeature extends FeatureParts {
  /** Chat asks it about blocks; game modules reach it through `nk.friends*`. */
  readonly friends: FriendService;
}

/** What {@link registerFriends} needs besides the context. */
export interface FriendDeps {
  /** This feature's store, built by the composition root for the database's dialect. */
  readonly store: FriendStore;
  readonly users: FriendServiceDeps['users'];
  readonly notifications: Pick<NotificationService, 'sendEach'>;
}

/**
 * Builds the friend service and serves `/v2/friend` (list, add, delete) and `/v2/friend/block`, and
 * the friends panel of the admin console.
 */
export function registerFriends(ctx: FeatureContext, deps: FriendDeps): FriendFeature {
  const friends = new FriendService({
    store: deps.store,
    db: ctx.db,
    users: deps.users,
    notifications: deps.notifications,
    // Every socket is tracked (hidden) on its user's notification stream, on whichever node it is.
    isOnline: (userId) => ctx.tracker.count(stream(StreamMode.NOTIFICATIONS, userId)) > 0,
    clock: ctx.clock,
    maxFriends: ctx.config.friendsMaxPerUser,
  });
  return {
    friends,
    routes: friendRoutes({ friends, sessions: ctx.verifier }),
    consoleRoutes: friendConsoleRoutes(friends),
  };
}
