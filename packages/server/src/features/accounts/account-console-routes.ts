import { formatTimestamp } from '@tether/protocol';
import type { ApiRoute, HttpRequest } from '../../api/http-types.ts';
import { DomainError, ErrorKind } from '../../shared/domain-error.ts';
import { accountJson, userJson } from './account-json.ts';
import { parseBody, UpdateBody } from './account-routes.ts';
import type { AccountSearch } from './account-search.ts';
import type { AccountService } from './account-service.ts';
import type { UserRecord } from './store/account-store.ts';

/**
 * The accounts section of the admin console: search (exact user id, username, device id, custom id
 * or email), one account, profile edits, ban and unban. A ban closes the user's sockets (4004) as
 * the runtime's `usersBan` does.
 */
export function accountConsoleRoutes(accounts: AccountService, search: AccountSearch): ApiRoute[] {
  const id = (req: HttpRequest) => req.params.userId ?? '';
  return [
    {
      method: 'GET',
      path: '/v2/console/account',
      name: 'ConsoleSearchAccounts',
      handler: async (req) => ({
        body: { users: (await search.find(req.query.get('q') ?? '')).map(consoleUserJson) },
      }),
    },
    {
      method: 'GET',
      path: '/v2/console/account/:userId',
      name: 'ConsoleGetAccount',
      handler: async (req) => ({ body: accountJson(await accounts.accountById(id(req))) }),
    },
    {
      method: 'PUT',
      path: '/v2/console/account/:userId',
      name: 'ConsoleUpdateAccount',
      handler: async (req) => {
        const b = await parseBody(req, UpdateBody);
        const user = await accounts.updateUser(id(req), {
          username: b.username,
          displayName: b.display_name,
          avatarUrl: b.avatar_url,
          langTag: b.lang_tag,
          location: b.location,
          timezone: b.timezone,
          metadata: b.metadata,
        });
        return { body: consoleUserJson(user) };
      },
    },
    {
      method: 'POST',
      path: '/v2/console/account/:userId/ban',
      name: 'ConsoleBanAccount',
      handler: async (req) => ({ body: { user_ids: found(await accounts.ban([id(req)])) } }),
    },
    {
      method: 'POST',
      path: '/v2/console/account/:userId/unban',
      name: 'ConsoleUnbanAccount',
      handler: async (req) => ({ body: { user_ids: found(await accounts.unban([id(req)])) } }),
    },
  ];
}

/** A user with its ban time: what the console lists (the public `api.User` has no ban time). */
function consoleUserJson(u: UserRecord): Record<string, unknown> {
  return { ...userJson(u), ...(u.disableTime ? { disable_time: formatTimestamp(u.disableTime) } : {}) };
}

function found(ids: string[]): string[] {
  if (ids.length === 0) throw new DomainError(ErrorKind.NOT_FOUND, 'Account not found.');
  return ids;
}
