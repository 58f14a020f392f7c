import type { Logger } from 'pino';
import type { MatchFeature } from '../features/match/register-matches.ts';
import type { RpcRegistry } from '../features/rpc/rpc-registry.ts';
import { Runtime, type RuntimeHookSlots } from './runtime.ts';
import {
  createRuntimeApi,
  type RuntimeAccountAdmin,
  type RuntimeAccounts,
  type RuntimeFriends,
  type RuntimeGroups,
  type RuntimeLeaderboards,
  type RuntimeNotifications,
  type RuntimeStorage,
  type RuntimeStreams,
  type RuntimeWallets,
} from './runtime-api.ts';

/** What the runtime is built on: the features game code reaches through `nk`. */
export interface RuntimeServices {
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
  /** Connected sessions, to check that a session belongs to the user named with it. */
  readonly sessions: { get(sessionId: string): { readonly userId: string } | undefined };
  /** Custom streams (`nk.stream*`). */
  readonly streams?: RuntimeStreams | undefined;
  /** In-app notifications (`nk.notificationSend`). */
  readonly notifications?: RuntimeNotifications | undefined;
  /** Bans (`nk.usersBanId`). */
  readonly accounts?: RuntimeAccounts | undefined;
  /** Leaderboards and tournaments (`nk.leaderboard*`, `nk.tournament*`). */
  readonly leaderboards?: RuntimeLeaderboards | undefined;
  /** Friends (`nk.friends*`). */
  readonly friends?: RuntimeFriends | undefined;
  /** Groups (`nk.group*`, `nk.userGroupsList`). */
  readonly groups?: RuntimeGroups | undefined;
  /** Accounts and profiles (`nk.accountGetId`, `nk.accountDeleteId`, `nk.usersGetId`, ...). */
  readonly accountAdmin?: RuntimeAccountAdmin | undefined;
  /** Storage objects (`nk.storage*`). */
  readonly storage?: RuntimeStorage | undefined;
  /** Wallets (`nk.wallet*`). */
  readonly wallets?: RuntimeWallets | undefined;
}

/**
 * Builds the runtime over the features and loads the modules of `modules` (when set), before the
 * server starts listening, and watches them when `watch` is set. Rejects with a `RuntimeLoadError`
 * naming the module when one fails to load.
 */
export async function startRuntime(services: RuntimeServices): Promise<Runtime> {
  const node = services.matches.registry.node;
  const nk = createRuntimeApi({
    matches: services.matches,
    sessions: services.sessions,
    streams: services.streams,
    notifications: services.notifications,
    accounts: services.accounts,
    leaderboards: services.leaderboards,
    friends: services.friends,
    groups: services.groups,
    accountAdmin: services.accountAdmin,
    storage: services.storage,
    wallets: services.wallets,
    node,
  });
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
