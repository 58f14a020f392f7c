import type { Logger } from 'pino';
import type { MatchFeature } from '../features/match/register-matches.ts';
import type { RpcRegistry } from '../features/rpc/rpc-registry.ts';
import { Runtime, type RuntimeHookSlots } from './runtime.ts';
import { createRuntimeApi, type RuntimeApiDeps } from './runtime-api.ts';

/**
 * What the runtime is built on: the features game code reaches through `nk` (each optional one makes
 * its functions throw "not available" when absent; see {@link RuntimeApiDeps}), and what the runtime
 * itself fills or needs.
 */
export interface RuntimeServices extends Omit<RuntimeApiDeps, 'node' | 'matches'> {
  readonly logger: Logger;
  /** `config.runtime`: the folder of game modules, if any. */
  readonly modules?: string | undefined;
  /** `config.runtimeWatch`: reload the modules when their files change. */
  readonly watch?: boolean | undefined;
  /** The socket pipeline's and HTTP router's hook slots, which `registerRtBefore` and friends fill. */
  readonly hooks: RuntimeHookSlots;
  /** The RPC feature's registry, which `registerRpc` fills. */
  readonly rpc: RpcRegistry;
  readonly matches: MatchFeature;
}

/**
 * Builds the runtime over the features and loads the modules of `modules` (when set), before the
 * server starts listening, and watches them when `watch` is set. Rejects with a `RuntimeLoadError`
 * naming the module when one fails to load.
 */
export async function startRuntime(services: RuntimeServices): Promise<Runtime> {
  const node = services.matches.registry.node;
  const nk = createRuntimeApi({ ...services, node });
  const runtime = new Runtime({
    nk,
    rpc: services.rpc,
    hooks: services.hooks,
    matches: services.matches.registry,
    logger: services.logger.child({ feature: 'runtime' }),
    node,
    leaderboards: services.leaderboards,
  });
  if (services.modules) {
    await runtime.load(services.modules);
    if (services.watch) runtime.watch();
  }
  return runtime;
}
