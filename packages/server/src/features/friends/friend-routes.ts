import type { ApiRoute, HttpRequest } from '../../api/http-types.ts';
import { intQuery, withSession } from '../../api/request-helpers.ts';
import type { SessionVerifier } from '../../session/verifier.ts';
import { friendListJson } from './friend-json.ts';
import type { FriendService } from './friend-service.ts';

/**
 * Nakama's friend endpoints. nakama-js sends the targets as repeated `ids` and `usernames` query
 * parameters and no body, even on POST; the replies are `{}` except for the list.
 */
export function friendRoutes(deps: {
  readonly friends: FriendService;
  readonly sessions: Pick<SessionVerifier, 'verifySessionToken'>;
}): ApiRoute[] {
  const { friends, sessions } = deps;
  return [
    {
      method: 'GET',
      path: '/v2/friend',
      name: 'ListFriends',
      handler: withSession(sessions, async (req, caller) => {
        return friendListJson(
          await friends.list(caller.userId, {
            limit: intQuery(req, 'limit', 1000),
            state: req.query.get('state') ? intQuery(req, 'state', 0) : undefined,
            cursor: req.query.get('cursor') || undefined,
          }),
        );
      }),
    },
    {
      method: 'POST',
      path: '/v2/friend',
      name: 'AddFriends',
      handler: withSession(sessions, async (req, caller) => {
        const metadata = req.query.get('metadata') || undefined;
        await friends.add(caller, list(req, 'ids'), list(req, 'usernames'), metadata);
        return {};
      }),
    },
    {
      method: 'DELETE',
      path: '/v2/friend',
      name: 'DeleteFriends',
      handler: withSession(sessions, async (req, caller) => {
        await friends.delete(caller, list(req, 'ids'), list(req, 'usernames'));
        return {};
      }),
    },
    {
      method: 'POST',
      path: '/v2/friend/block',
      name: 'BlockFriends',
      handler: withSession(sessions, async (req, caller) => {
        await friends.block(caller, list(req, 'ids'), list(req, 'usernames'));
        return {};
      }),
    },
  ];
}

/** A repeated query parameter, empty values dropped (nakama-js never sends them). */
function list(req: HttpRequest, name: string): string[] {
  return req.query.getAll(name).filter((v) => v !== '');
}
