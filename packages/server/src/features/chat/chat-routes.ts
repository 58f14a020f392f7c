import type { ChatService } from './chat-service.ts';
import type { SessionAuth } from '../accounts/auth/session-auth.ts';
import type { HttpRouter } from '../../http/router.ts';
import { boolQuery, intQuery, withSession } from '../../api/request-helpers.ts';

/**
 * `GET /v2/channel/{channel_id}?limit=&forward=&cursor=`: a page of a channel's history as Nakama's
 * `ChannelMessageList`. `limit` is 1–100 (default 1, as in Nakama), `forward` defaults to true.
 */
export function registerChatRoutes(
  router: HttpRouter,
  deps: { readonly chat: ChatService; readonly sessions: Pick<SessionAuth, 'verifySessionToken'> },
): void {
  router.on(
    'GET',
    '/v2/channel/:channelId',
    withSession(deps.sessions, (req, caller) =>
      deps.chat.history(caller.userId, req.params.channelId ?? '', {
        limit: intQuery(req, 'limit', 1),
        forward: boolQuery(req, 'forward', true),
        cursor: req.query.get('cursor') || undefined,
      }),
    ),
  );
}
