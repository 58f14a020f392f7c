import type { FeatureParts } from '../../core/feature.ts';
import type { FeatureContext } from '../../core/feature-context.ts';
import { StreamMode } from '../../presence/stream.ts';
import { MonotonicUuidV7 } from '../../shared/monotonic-uuid.ts';
import type { AccountDeletionHooks } from '../accounts/account-deletion.ts';
import type { FriendService } from '../friends/friend-service.ts';
import type { GroupService } from '../groups/group-service.ts';
import type { NotificationService } from '../notifications/notification-service.ts';
import { ChatAdmin } from './chat-admin.ts';
import { chatConsoleRoutes } from './chat-console-routes.ts';
import { chatHandlers } from './chat-handlers.ts';
import { chatRoutes } from './chat-routes.ts';
import { ChatService, type ChatServiceDeps } from './chat-service.ts';
import { GroupChannelEvents } from './group-channel.ts';
import type { ChatStore } from './store/chat-store.ts';

/** The chat feature as the composition root holds it. */
export interface ChatFeature extends FeatureParts {
  readonly chat: ChatService;
}

/** What {@link registerChat} needs besides the context. */
export interface ChatDeps {
  /** This feature's store, built by the composition root for the database's dialect. */
  readonly store: ChatStore;
  readonly notifications: NotificationService;
  readonly users: ChatServiceDeps['users'];
  /** Blocks close direct-message channels; chat asks it whether a DM may open. */
  readonly friends: Pick<FriendService, 'blockStatus' | 'subscribe'>;
  /** Membership changes become system messages; chat asks it who may use a group's channel. */
  readonly groups: Pick<GroupService, 'membership' | 'subscribe'>;
  /** A deleted account's messages go in the deletion's transaction (Nakama deletes them too). */
  readonly accounts: AccountDeletionHooks;
}

/**
 * Builds chat: the `channel_*` socket handlers, presence events for room, direct-message and group
 * streams, `GET /v2/channel/{channel_id}`, its admin console section, and the group channels' system
 * messages (subscribed to the groups feature's membership changes) and block evictions (subscribed to
 * the friends feature).
 */
export function registerChat(ctx: FeatureContext, deps: ChatDeps): ChatFeature {
  const ids = new MonotonicUuidV7();
  const chat = new ChatService({
    store: deps.store,
    users: deps.users,
    friends: deps.friends,
    groups: deps.groups,
    tracker: ctx.tracker,
    router: ctx.router,
    notifications: deps.notifications,
    clock: ctx.clock,
    logger: ctx.logger,
    ids,
  });
  const events = new GroupChannelEvents({
    store: deps.store,
    db: ctx.db,
    tracker: ctx.tracker,
    router: ctx.router,
    clock: ctx.clock,
    ids,
    logger: ctx.logger,
  });
  const unsubscribe = [
    ...[StreamMode.CHANNEL, StreamMode.GROUP, StreamMode.DM].map((mode) =>
      ctx.tracker.onEvents(mode, (events) => chat.publishPresenceEvents(events)),
    ),
    deps.groups.subscribe(events),
    deps.friends.subscribe(events),
  ];
  unsubscribe.push(
    deps.accounts.onDelete(async (userId) => {
      await deps.store.removeMessagesBySender(userId);
    }),
  );
  return {
    chat,
    handlers: chatHandlers(chat),
    routes: chatRoutes({ chat, sessions: ctx.verifier }),
    consoleRoutes: chatConsoleRoutes(
      new ChatAdmin({
        store: deps.store,
        tracker: ctx.tracker,
        router: ctx.router,
        clock: ctx.clock,
        logger: ctx.logger,
      }),
    ),
    async close() {
      for (const off of unsubscribe) off();
    },
  };
}
