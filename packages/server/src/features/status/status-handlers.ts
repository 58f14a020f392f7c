/**
 * Socket handlers of the status feature: thin adapters over {@link StatusService}.
 *
 * @packageDocumentation
 */
import type { StatusService } from './status-service.ts';
import type { Pipeline } from '../../pipeline/pipeline.ts';

/**
 * Registers `status_follow` (reply `status` with the followed users' current presences),
 * `status_unfollow` and `status_update` (reply `{cid}`). The status change is made as the last step
 * before the reply, so the reply leaves before the presence events it causes.
 */
export function registerStatusHandlers(pipeline: Pipeline, status: StatusService): void {
  pipeline.register('status_follow', async (ctx, body) => {
    const presences = await status.follow(ctx.session, body.user_ids, body.usernames);
    ctx.reply('status', presences.length > 0 ? { presences } : {});
  });
  pipeline.register('status_unfollow', (ctx, body) => {
    status.unfollow(ctx.session, body.user_ids);
    ctx.replyVoid();
  });
  pipeline.register('status_update', (ctx, body) => {
    status.update(ctx.session, body.status);
    ctx.replyVoid();
  });
}
