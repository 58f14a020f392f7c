import { registerChatRoutes } from './chat-routes.ts';
import { StreamMode } from '../../presence/stream.ts';
import type { NotificationService } from '../notifications/notification-service.ts';
import type { RealtimeContext } from '../../core/feature-context.ts';
import { registerChatHandlers } from './chat-handlers.ts';
import { ChatService } from './chat-service.ts';

/**
 * Builds chat on the realtime core and plugs it in: the `channel_*` socket handlers, presence events
 * for room and direct-message streams, and `GET /v2/channel/{channel_id}`. Returns the service for
 * server code. Group channels (mode 3) come with groups.
 */
export function registerChat(
  ctx: RealtimeContext,
  deps: { notifications: NotificationService },
): ChatService {
  const chat = new ChatService({
    store: ctx.storage.chat,
    users: ctx.storage.accounts,
    tracker: ctx.tracker,
    router: ctx.router,
    notifications: deps.notifications,
    clock: ctx.clock,
    logger: ctx.logger,
  });
  registerChatHandlers(ctx.pipeline, chat);
  for (const mode of [StreamMode.CHANNEL, StreamMode.DM]) {
    ctx.tracker.onEvents(mode, (events) => chat.publishPresenceEvents(events));
  }
  registerChatRoutes(ctx.http, { chat, sessions: ctx.accounts.sessions });
  return chat;
}
