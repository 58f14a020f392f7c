import type { SocketHandlers } from '../../pipeline/pipeline.ts';
import type { MatchService } from './match-service.ts';

/**
 * The match envelope handlers: thin adapters over {@link MatchService}. `create` and `join` track the
 * caller as the service's last step and the reply is queued right after, with no `await` between, so
 * the reply always reaches the client before the presence events the join causes.
 *
 * `match_data_send` is fire-and-forget: it has no reply. A rejected send is answered with an error
 * envelope that carries the request's cid only if the client sent one (nakama-js does not, and ignores
 * uncorrelated errors; raw-socket clients see why their data went nowhere).
 */
export function matchHandlers(matches: MatchService): SocketHandlers {
  return {
    match_create: (ctx, body) => {
      ctx.reply('match', matches.create(ctx.session, body.name));
    },
    match_join: (ctx, body) => {
      const joined = matches.join(ctx.session, body, body.metadata);
      // A match of another node answers through the bus; the join is tracked just before this reply.
      if (joined instanceof Promise) return joined.then((match) => ctx.reply('match', match));
      ctx.reply('match', joined);
    },
    match_leave: (ctx, body) => {
      matches.leave(ctx.session, body.match_id);
      ctx.replyVoid();
    },
    match_data_send: (ctx, body) => {
      const error = matches.dataSend(ctx.session, body);
      if (error) throw error;
    },
  };
}
