import type { ApiRoute, HttpRequest } from '../../api/http-types.ts';
import { intQuery } from '../../api/request-helpers.ts';
import { invalid, notFound } from '../../shared/domain-error.ts';
import { groupJson, groupListJson, groupUserListJson, userGroupListJson } from './group-json.ts';
import type { GroupService } from './group-service.ts';
import { checkGroupId, checkUserId } from './group-validation.ts';

/** What an operator may do to one member from the console (as server code: every right). */
const MEMBER_ACTIONS = ['kick', 'ban', 'promote', 'demote'] as const;

/**
 * The groups page of the admin console and the groups panel of its account page: groups by name
 * prefix (or all, newest last), one group and its members (bans included when asked), kicking,
 * banning, promoting and demoting a member, deleting a group, and a user's groups. Changes go through
 * the service as server code does, so members are told and counts stay right.
 */
export function groupConsoleRoutes(groups: GroupService): ApiRoute[] {
  const page = (req: HttpRequest) => ({
    limit: intQuery(req, 'limit', 50),
    state: req.query.get('state') ? intQuery(req, 'state', 0) : undefined,
    cursor: req.query.get('cursor') || undefined,
  });
  const group = async (req: HttpRequest) => {
    const [found] = await groups.getGroups([checkGroupId(req.params.groupId)]);
    if (!found) throw notFound('Group not found.');
    return found;
  };
  return [
    {
      method: 'GET',
      path: '/v2/console/group',
      name: 'ConsoleListGroups',
      handler: async (req) => {
        // A console search is a prefix search: "red" finds "Red Dragons".
        const name = (req.query.get('name') ?? '').trim();
        return {
          body: groupListJson(
            await groups.listGroups(
              { name: name === '' ? undefined : name.endsWith('%') ? name : `${name}%` },
              { limit: intQuery(req, 'limit', 50), cursor: req.query.get('cursor') || undefined },
            ),
          ),
        };
      },
    },
    {
      method: 'GET',
      path: '/v2/console/group/:groupId',
      name: 'ConsoleGetGroup',
      handler: async (req) => ({ body: groupJson(await group(req)) }),
    },
    {
      method: 'DELETE',
      path: '/v2/console/group/:groupId',
      name: 'ConsoleDeleteGroup',
      handler: async (req) => {
        await groups.delete(null, (await group(req)).id);
        return { body: {} };
      },
    },
    {
      method: 'GET',
      path: '/v2/console/group/:groupId/member',
      name: 'ConsoleListGroupMembers',
      handler: async (req) => ({
        body: groupUserListJson(await groups.listMembers(checkGroupId(req.params.groupId), page(req))),
      }),
    },
    {
      method: 'POST',
      path: '/v2/console/group/:groupId/member/:userId/:action',
      name: 'ConsoleChangeGroupMember',
      handler: async (req) => {
        const action = MEMBER_ACTIONS.find((a) => a === req.params.action);
        if (!action) throw invalid(`Unknown member action: expected one of ${MEMBER_ACTIONS.join(', ')}.`);
        const groupId = (await group(req)).id;
        await groups[action](null, groupId, [checkUserId(req.params.userId)]);
        return { body: {} };
      },
    },
    {
      method: 'GET',
      path: '/v2/console/account/:userId/group',
      name: 'ConsoleListUserGroups',
      handler: async (req) => ({
        body: userGroupListJson(await groups.listUserGroups(checkUserId(req.params.userId), page(req))),
      }),
    },
  ];
}
