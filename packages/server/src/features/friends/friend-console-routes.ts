import type { ApiRoute } from '../../api/http-types.ts';
import { intQuery } from '../../api/request-helpers.ts';
import { invalid } from '../../shared/domain-error.ts';
import { isUuid } from '../../shared/ids.ts';
import { friendListJson } from './friend-json.ts';
import type { FriendService } from './friend-service.ts';

/**
 * The friends panel of the admin console's account page: a user's friend list (every state, paged as
 * the public API pages it), and ending one of the user's relationships as the user would delete it.
 */
export function friendConsoleRoutes(friends: FriendService): ApiRoute[] {
  return [
    {
      method: 'GET',
      path: '/v2/console/account/:userId/friend',
      name: 'ConsoleListFriends',
      handler: async (req) => ({
        body: friendListJson(
          await friends.list(checkUserId(req.params.userId), {
            limit: intQuery(req, 'limit', 100),
            state: req.query.get('state') ? intQuery(req, 'state', 0) : undefined,
            cursor: req.query.get('cursor') || undefined,
          }),
        ),
      }),
    },
    {
      method: 'DELETE',
      path: '/v2/console/account/:userId/friend/:otherId',
      name: 'ConsoleDeleteFriend',
      handler: async (req) => {
        const userId = checkUserId(req.params.userId);
        await friends.delete({ userId, username: '' }, [checkUserId(req.params.otherId)], []);
        return { body: {} };
      },
    },
  ];
}

function checkUserId(id: string | undefined): string {
  if (!id || !isUuid(id)) throw invalid('User ID must be a valid ID.');
  return id.toLowerCase();
}
