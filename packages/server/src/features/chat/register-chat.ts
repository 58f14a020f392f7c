import type { FeatureParts } from '../../core/feature.ts';
import type { FeatureContext } from '../../core/feature-context.ts';
import { StreamMode } from '../../presence/stream.ts';
import type { NotificationService } from '../notifications/notification-service.ts';
import { ChatAdmin } from './chat-admin.ts';
import { chatConsoleRoutes } from './chat-console-routes.ts';
import { chatHandlers } from './chat-handlers.ts';
import { chatRoutes } from './chat-routes.ts';
import { ChatService, type ChatServiceDeps } from './chat-service.ts';
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
}

/**
 * Builds chat: the `channel_*` socket handlers, presence events for room and direct-message streams,
 * `GET /v2/channel/{channel_id}`, and its admin console section. Group channels (mode 3) come with
 * groups.
 */
export function registerChat(ctx: FeatureContext, deps: ChatDeps): ChatFeature {
  const chat = new ChatService({
    store: deps.store,
    users: deps.users,
    tracker: ctx.tracker,
    router: ctx.router,
    notifications: deps.notifications,
    clock: ctx.clock,
    logger: ctx.logger,
  });
  const unsubscribe = [StreamMode.CHANNEL, StreamMode.DM].map((mode) =>
    ctx.tracker.onEvents(mode, (events) => chat.publishPresenceEvents(events)),
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
