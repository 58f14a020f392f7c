import { registerRpcRoutes } from '../features/rpc/rpc-routes.ts';
import type { MatchFeature } from '../features/match/register-matches.ts';
import type { RealtimeContext } from '../core/feature-context.ts';
import { registerRpcHandler } from '../features/rpc/rpc-handlers.ts';
import { Runtime } from './runtime.ts';
import { createRuntimeApi, type RuntimeNotifications, type RuntimeStreams } from './runtime-api.ts';

/** Services the runtime exposes to game code through `nk`. */
export interface RuntimeServices {
  readonly matches: MatchFeature;
  /** Custom streams (`nk.stream*`); the socket feature's `StreamService`. */
  readonly streams?: RuntimeStreams | undefined;
  /** In-app notifications (`nk.notificationSend`); the notification feature's `NotificationService`. */
  readonly notifications?: RuntimeNotifications | undefined;
}

/**
 * Builds the runtime on the realtime core: the socket `rpc` handler, `POST`/`GET /v2/rpc/{id}`, and
 * the modules of `config.runtime` (when set), loaded before the server starts listening. Rejects with a
 * `RuntimeLoadError` naming the module when one fails to load.
 */
export async function startRuntime(ctx: RealtimeContext, services: RuntimeServices): Promise<Runtime> {
  const node = services.matches.registry.node;
  const nk = createRuntimeApi({
    matches: services.matches,
    sessions: ctx.sessions,
    streams: services.streams,
    notifications: services.notifications,
    // Bans (`nk.usersBanId`) go through the account service, which every server has.
    accounts: ctx.accounts.accounts,
    node,
  });
  const runtime = new Runtime({
    nk,
    matches: services.matches.registry,
    logger: ctx.logger.child({ feature: 'runtime' }),
    node,
  });
  registerRpcHandler(ctx.pipeline, runtime.rpc, node);
  registerRpcRoutes(ctx.http, {
    rpc: runtime.rpc,
    sessions: ctx.accounts.sessions,
    httpKey: ctx.config.httpKey,
    node,
  });
  if (ctx.config.runtime) await runtime.load(ctx.config.runtime);
  return runtime;
}
