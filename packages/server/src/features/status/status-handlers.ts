/**
 * Socket handlers of the status feature: thin adapters over {@link StatusService}.
 *
 * @packageDocumentation
 */

import type { SocketHandlers } from '../../pipeline/pipeline.ts';
import type { StatusService } from './status-service.ts';

/**
 * Registers `status_follow` (reply `status` with the followed users' current presences),
 * `status_unfollow` and `status_update` (reply `{cid}`). The status change is made as the last step
 * before the reply, so the reply leaves before the presence events it causes.
 */
export function statusHandlers(status: StatusService): SocketHandlers {
  return {
    status_follow: async (ctx, body) => {
      const presences = await status.follow(ctx.session, body.user_ids, body.usernames);
      ctx.reply('status', presences.length > 0 ? { presences } : {});
    },
    status_unfollow: (ctx, body) => {
      status.unfollow(ctx.session, body.user_ids);
      ctx.replyVoid();
    },
    status_update: (ctx, body) => {
      status.update(ctx.session, body.status);
      ctx.replyVoid();
    },
  };
}
