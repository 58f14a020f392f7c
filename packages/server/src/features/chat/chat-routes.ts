import type { ApiRoute } from '../../api/http-types.ts';
import { boolQuery, intQuery, withSession } from '../../api/request-helpers.ts';
import type { SessionVerifier } from '../../session/verifier.ts';
import type { ChatService } from './chat-service.ts';

/**
 * `GET /v2/channel/{channel_id}?limit=&forward=&cursor=`: a page of a channel's history as Nakama's
 * `ChannelMessageList`. `limit` is 1–100 (default 1, as in Nakama), `forward` defaults to true.
 */
export function chatRoutes(deps: {
  readonly chat: ChatService;
  readonly sessions: Pick<SessionVerifier, 'verifySessionToken'>;
}): ApiRoute[] {
  return [
    {
      method: 'GET',
      path: '/v2/channel/:channelId',
      name: 'ListChannelMessages',
      handler: withSession(deps.sessions, (req, caller) =>
        deps.chat.history(caller.userId, req.params.channelId ?? '', {
          limit: intQuery(req, 'limit', 1),
          forward: boolQuery(req, 'forward', true),
          cursor: req.query.get('cursor') || undefined,
        }),
      ),
    },
  ];
}
