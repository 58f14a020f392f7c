import { z } from 'zod';
import type { ApiRoute } from '../../api/http-types.ts';
import { DomainError, ErrorKind, invalid } from '../../shared/domain-error.ts';
import { isUuid } from '../../shared/ids.ts';
import type { AccountStore } from '../accounts/store/account-store.ts';
import type { RpcRegistry } from './rpc-registry.ts';

const CallBody = z.object({
  /** The user to call as; absent or empty: no user (like a server-to-server call). */
  user_id: z.string().max(64).optional(),
  /** The payload string, passed to the function as is. */
  payload: z
    .string()
    .max(1024 * 1024)
    .optional(),
});

/**
 * The RPC explorer of the admin console: the registered ids, and `POST /v2/console/rpc/:rpcId` which
 * calls a function as a chosen user (`ctx.source` is `console`). The result comes back as
 * `{"payload": "<result>"}`; a failing function gives its error like `POST /v2/rpc/{id}` does.
 */
export function rpcConsoleRoutes(deps: {
  readonly rpc: RpcRegistry;
  readonly users: Pick<AccountStore, 'getUser'>;
  readonly node: string;
}): ApiRoute[] {
  return [
    {
      method: 'GET',
      path: '/v2/console/rpc',
      name: 'ConsoleListRpcs',
      handler: () => ({ body: { ids: deps.rpc.ids().sort() } }),
    },
    {
      method: 'POST',
      path: '/v2/console/rpc/:rpcId',
      name: 'ConsoleCallRpc',
      handler: async (req) => {
        const parsed = CallBody.safeParse(await req.json());
        if (!parsed.success) throw invalid(`Invalid request body: ${parsed.error.issues[0]?.message}.`);
        const userId = parsed.data.user_id?.trim().toLowerCase() || undefined;
        let username: string | undefined;
        if (userId !== undefined) {
          const user = isUuid(userId) ? await deps.users.getUser(userId) : null;
          if (!user) throw new DomainError(ErrorKind.NOT_FOUND, `No user with id '${userId.slice(0, 64)}'.`);
          username = user.username;
        }
        const started = performance.now();
        const result = await deps.rpc.call(
          req.params.rpcId ?? '',
          { source: 'console', node: deps.node, userId, username, vars: {}, clientIp: req.remoteAddress },
          parsed.data.payload ?? '',
        );
        return {
          body: { payload: result, duration_ms: Math.round((performance.now() - started) * 100) / 100 },
        };
      },
    },
  ];
}
