import type { FeatureParts } from '../../core/feature.ts';
import type { FeatureContext } from '../../core/feature-context.ts';
import type { AccountStore } from '../accounts/store/account-store.ts';
import { rpcConsoleRoutes } from './rpc-console-routes.ts';
import { rpcHandlers } from './rpc-handlers.ts';
import { RpcRegistry } from './rpc-registry.ts';
import { rpcRoutes } from './rpc-routes.ts';

/** RPC as the composition root holds it: the registry game modules fill. */
export interface RpcFeature extends FeatureParts {
  readonly rpc: RpcRegistry;
}

/**
 * Builds RPC: the socket's `rpc` message and `POST`/`GET /v2/rpc/{id}` (Bearer session or
 * `?http_key=`), over one registry of functions that the runtime fills from game modules, and the
 * console's RPC explorer.
 */
export function registerRpc(
  ctx: FeatureContext,
  deps: { readonly node: string; readonly users: Pick<AccountStore, 'getUser'> },
): RpcFeature {
  const rpc = new RpcRegistry(ctx.logger.child({ feature: 'rpc' }));
  return {
    rpc,
    handlers: rpcHandlers(rpc, deps.node),
    routes: rpcRoutes({ rpc, sessions: ctx.verifier, httpKey: ctx.config.httpKey, node: deps.node }),
    consoleRoutes: rpcConsoleRoutes({ rpc, users: deps.users, node: deps.node }),
  };
}
