import { formatTimestamp } from '@tether/protocol';
import { z } from 'zod';
import type { ApiRoute, HttpRequest } from '../../api/http-types.ts';
import { boolQuery, intQuery, jsonBody } from '../../api/request-helpers.ts';
import { DomainError, ErrorKind, invalid } from '../../shared/domain-error.ts';
import type { AccountDeletion } from './account-deletion.ts';
import { accountJson, userJson } from './account-json.ts';
import type { AccountLinks } from './account-links.ts';
import { UpdateBody } from './account-routes.ts';
import { type AccountSearch, SEARCH_PAGE_DEFAULT } from './account-search.ts';
import type { AccountService } from './account-service.ts';
import type { AccountRecord, UserRecord } from './store/account-store.ts';

/** What the accounts section of the console works with. */
export interface AccountConsoleDeps {
  readonly accounts: AccountService;
  readonly links: AccountLinks;
  readonly deletion: AccountDeletion;
  readonly search: AccountSearch;
}

const DeviceBody = z.object({ device_id: z.string().nullish() });

/**
 * The accounts section of the admin console: search (user id, part of a username or email, device
 * id or custom id; paged), one account, profile edits, ban and unban, unlinking a device, the custom
 * id or the email, and deleting the account. A ban closes the user's sockets (4004) as the runtime's
 * `usersBan` does; a deletion closes them with 4005, as `DELETE /v2/account` does. Unlinking keeps
 * Nakama's rule: the last way to log in cannot be unlinked (403).
 */
export function accountConsoleRoutes(deps: AccountConsoleDeps): ApiRoute[] {
  const { accounts, links, deletion, search } = deps;
  const id = (req: HttpRequest) => req.params.userId ?? '';
  /** The account's id as stored (lower case); NOT_FOUND when there is no such account. */
  const existing = async (req: HttpRequest) => (await accounts.accountById(id(req))).user.id;
  /** The account, which must have the identity `has` looks for: NOT_FOUND naming what it lacks otherwise. */
  const holding = async (req: HttpRequest, what: string, has: (a: AccountRecord) => boolean) => {
    const account = await accounts.accountById(id(req));
    if (!has(account)) throw new DomainError(ErrorKind.NOT_FOUND, `The account has no ${what}.`);
    return account.user.id;
  };
  return [
    {
      method: 'GET',
      path: '/v2/console/account',
      name: 'ConsoleSearchAccounts',
      handler: async (req) => {
        const page = await search.find(req.query.get('q') ?? '', {
          cursor: req.query.get('cursor') ?? undefined,
          limit: intQuery(req, 'limit', SEARCH_PAGE_DEFAULT),
        });
        return {
          body: {
            users: page.users.map(consoleUserJson),
            ...(page.cursor ? { cursor: page.cursor } : {}),
          },
        };
      },
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
        const b = await jsonBody(req, UpdateBody);
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
      method: 'DELETE',
      path: '/v2/console/account/:userId',
      name: 'ConsoleDeleteAccount',
      handler: async (req) => {
        const recorded = boolQuery(req, 'record_deletion', false);
        if (!(await deletion.deleteAccount(await existing(req), { recorded }))) throw notFound();
        return { body: {} };
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
    {
      method: 'POST',
      path: '/v2/console/account/:userId/unlink/device',
      name: 'ConsoleUnlinkDevice',
      handler: async (req) => {
        const device = (await jsonBody(req, DeviceBody)).device_id ?? '';
        if (device === '') throw invalid('A device ID must be supplied.');
        const user = await holding(req, `device '${device.slice(0, 128)}'`, (a) =>
          a.devices.includes(device),
        );
        await links.unlinkDevice(user, device);
        return { body: {} };
      },
    },
    {
      method: 'POST',
      path: '/v2/console/account/:userId/unlink/custom',
      name: 'ConsoleUnlinkCustom',
      handler: async (req) => {
        await links.unlinkCustom(await holding(req, 'custom id', (a) => a.customId !== null), undefined);
        return { body: {} };
      },
    },
    {
      method: 'POST',
      path: '/v2/console/account/:userId/unlink/email',
      name: 'ConsoleUnlinkEmail',
      handler: async (req) => {
        await links.unlinkEmail(await holding(req, 'email', (a) => a.email !== null), undefined);
        return { body: {} };
      },
    },
  ];
}

/** A user with its ban time: what the console lists (the public `api.User` has no ban time). */
function consoleUserJson(u: UserRecord): Record<string, unknown> {
  return { ...userJson(u), ...(u.disableTime ? { disable_time: formatTimestamp(u.disableTime) } : {}) };
}

function notFound(): DomainError {
  return new DomainError(ErrorKind.NOT_FOUND, 'Account not found.');
}

function found(ids: string[]): string[] {
  if (ids.length === 0) throw notFound();
  return ids;
}
