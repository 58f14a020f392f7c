import { z } from 'zod';
import type { ApiRoute, HttpRequest } from '../../api/http-types.ts';
import { boolQuery, intQuery, withSession } from '../../api/request-helpers.ts';
import type { SessionVerifier } from '../../session/verifier.ts';
import { invalid } from '../../shared/domain-error.ts';
import { groupJson, groupListJson, groupUserListJson, userGroupListJson } from './group-json.ts';
import type { GroupService } from './group-service.ts';

// Request bodies as protojson reads them: proto names or lowerCamel names, unknown fields ignored,
// wrapper fields as bare values (null = not set), int32 as a number or its decimal text.
const text = z.string().nullish();
const int32 = z
  .union([
    z.number(),
    z
      .string()
      .regex(/^-?\d{1,10}$/)
      .transform(Number),
  ])
  .nullish();
const GroupBody = z.object({
  name: text,
  description: text,
  lang_tag: text,
  langTag: text,
  avatar_url: text,
  avatarUrl: text,
  open: z.boolean().nullish(),
  max_count: int32,
  maxCount: int32,
});
type GroupBody = z.output<typeof GroupBody>;

/**
 * Nakama's group endpoints. nakama-js sends the users of add, kick, ban, promote and demote as
 * repeated `user_ids` query parameters and no body; every change replies `{}` except create, which
 * returns the group.
 */
export function groupRoutes(deps: {
  readonly groups: GroupService;
  readonly sessions: Pick<SessionVerifier, 'verifySessionToken'>;
}): ApiRoute[] {
  const { groups, sessions } = deps;
  const route = (
    method: ApiRoute['method'],
    path: string,
    name: string,
    fn: Parameters<typeof withSession>[1],
  ): ApiRoute => ({ method, path, name, handler: withSession(sessions, fn) });
  const batch = (path: string, name: string, op: 'add' | 'kick' | 'ban' | 'promote' | 'demote') =>
    route('POST', `/v2/group/:groupId/${path}`, name, async (req, caller) => {
      await groups[op](
        caller,
        param(req, 'groupId'),
        req.query.getAll('user_ids').filter((v) => v !== ''),
      );
      return {};
    });
  return [
    route('POST', '/v2/group', 'CreateGroup', async (req, caller) => {
      const b = await body(req);
      return groupJson(
        await groups.create(caller, {
          name: b.name ?? undefined,
          description: b.description ?? undefined,
          langTag: b.lang_tag ?? b.langTag ?? undefined,
          avatarUrl: b.avatar_url ?? b.avatarUrl ?? undefined,
          open: b.open ?? undefined,
          maxCount: b.max_count ?? b.maxCount ?? undefined,
        }),
      );
    }),
    route('GET', '/v2/group', 'ListGroups', async (req) =>
      groupListJson(
        await groups.listGroups(
          {
            name: req.query.get('name') || undefined,
            langTag: req.query.get('lang_tag') || undefined,
            open: boolQuery(req, 'open', undefined),
            members: req.query.get('members') ? intQuery(req, 'members', 0) : undefined,
          },
          { limit: intQuery(req, 'limit', 1), cursor: req.query.get('cursor') || undefined },
        ),
      ),
    ),
    route('PUT', '/v2/group/:groupId', 'UpdateGroup', async (req, caller) => {
      const b = await body(req);
      const langTag = b.lang_tag ?? b.langTag;
      const avatarUrl = b.avatar_url ?? b.avatarUrl;
      await groups.update(caller, param(req, 'groupId'), {
        ...(b.name != null ? { name: b.name } : {}),
        ...(b.description != null ? { description: b.description } : {}),
        ...(langTag != null ? { langTag } : {}),
        ...(avatarUrl != null ? { avatarUrl } : {}),
        ...(b.open != null ? { open: b.open } : {}),
      });
      return {};
    }),
    route('DELETE', '/v2/group/:groupId', 'DeleteGroup', async (req, caller) => {
      await groups.delete(caller, param(req, 'groupId'));
      return {};
    }),
    route('POST', '/v2/group/:groupId/join', 'JoinGroup', async (req, caller) => {
      await groups.join(caller, param(req, 'groupId'));
      return {};
    }),
    route('POST', '/v2/group/:groupId/leave', 'LeaveGroup', async (req, caller) => {
      await groups.leave(caller, param(req, 'groupId'));
      return {};
    }),
    batch('add', 'AddGroupUsers', 'add'),
    batch('kick', 'KickGroupUsers', 'kick'),
    batch('ban', 'BanGroupUsers', 'ban'),
    batch('promote', 'PromoteGroupUsers', 'promote'),
    batch('demote', 'DemoteGroupUsers', 'demote'),
    route('GET', '/v2/group/:groupId/user', 'ListGroupUsers', async (req) =>
      groupUserListJson(await groups.listMembers(param(req, 'groupId'), memberQuery(req))),
    ),
    route('GET', '/v2/user/:userId/group', 'ListUserGroups', async (req) =>
      userGroupListJson(await groups.listUserGroups(param(req, 'userId'), memberQuery(req))),
    ),
  ];
}

function param(req: HttpRequest, name: string): string {
  return req.params[name] ?? '';
}

/** `limit` (default 100), `state` and `cursor` of the member and user-group listings. */
function memberQuery(req: HttpRequest) {
  return {
    limit: intQuery(req, 'limit', 100),
    state: req.query.get('state') ? intQuery(req, 'state', 0) : undefined,
    cursor: req.query.get('cursor') || undefined,
  };
}

async function body(req: HttpRequest): Promise<GroupBody> {
  const parsed = GroupBody.safeParse(await req.json());
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? `field '${issue.path.join('.')}'` : 'body';
  throw invalid(`Invalid request body: ${where}: ${issue?.message ?? 'invalid'}.`);
}
