import type { AddressInfo } from 'node:net';
import { createApiHooks } from './api/api-hooks.ts';
import { bearerToken } from './api/auth-headers.ts';
import type { ClusterHealth } from './cluster/cluster-node.ts';
import { CLUSTER_NEEDS_POSTGRES, ConfigError, type TetherConfig } from './config/config.ts';
import { ConsoleServer } from './console/console-server.ts';
import type { FeatureParts } from './core/feature.ts';
import type { FeatureContext } from './core/feature-context.ts';
import { Shutdown, type ShutdownPhase } from './core/shutdown.ts';
import { openDatabase } from './database.ts';
import { registerAccounts } from './features/accounts/register-accounts.ts';
import { registerChat } from './features/chat/register-chat.ts';
import { registerFriends } from './features/friends/register-friends.ts';
import { registerGroups } from './features/groups/register-groups.ts';
import { registerLeaderboards } from './features/leaderboards/register-leaderboards.ts';
import { registerMatches } from './features/match/register-matches.ts';
import { registerMatchmaker } from './features/matchmaker/register-matchmaker.ts';
import { registerNotifications } from './features/notifications/register-notifications.ts';
import { registerParties } from './features/party/register-parties.ts';
import { registerRpc } from './features/rpc/register-rpc.ts';
import { registerStatus } from './features/status/register-status.ts';
import { registerStorage } from './features/storage/register-storage.ts';
import { registerStreams } from './features/streams/register-streams.ts';
import { registerWallets } from './features/wallets/register-wallets.ts';
import { registerHealthRoutes } from './http/health.ts';
import { NAKAMA_ENDPOINTS } from './http/nakama-endpoints.ts';
import { HttpRouter } from './http/router.ts';
import { createLogger } from './observability/logger.ts';
import { Metrics } from './observability/metrics.ts';
import { Pipeline } from './pipeline/pipeline.ts';
import { createSocketHooks } from './pipeline/socket-hooks.ts';
import { TrackedSessions } from './presence/tracked-sessions.ts';
import { realtimeCore } from './realtime-core.ts';
import type { Runtime } from './runtime/runtime.ts';
import { startRuntime } from './runtime/start-runtime.ts';
import { featureStores } from './server-stores.ts';
import { createWebServer, listen, startRealtimeTransports } from './server-transports.ts';
import type { RunningServer, ServerDeps } from './server-types.ts';
import { SessionRegistry } from './session/registry.ts';
import type { SessionVerifier } from './session/verifier.ts';
import { TrustedProxies } from './shared/client-address.ts';
import { systemClock } from './shared/clock.ts';
import { SessionLifecycle } from './socket/session-lifecycle.ts';
import { socketHandlers } from './socket/socket-handlers.ts';
import { applyV8Tuning } from './v8-tuning.ts';

export type { UpgradeHandler } from './server-transports.ts';
export type { RealtimeServices, RunningServer, ServerDeps } from './server-types.ts';

/**
 * The composition root: the one place that chooses implementations (database and stores, tracker,
 * router, session registry, transports) and wires the features together. Every feature receives its
 * dependencies and returns its parts (socket handlers, routes, shutdown), which are mounted here.
 */
export async function startServer(config: TetherConfig, deps: ServerDeps = {}): Promise<RunningServer> {
  // loadConfig refuses this too; a config built by hand must not get past it either.
  if (config.cluster !== undefined && config.database === 'sqlite') {
    throw new ConfigError(
      `invalid configuration: cluster (--cluster, TETHER_CLUSTER): ${CLUSTER_NEEDS_POSTGRES}`,
    );
  }
  const logger = deps.logger ?? createLogger(config.logLevel);
  // Before any client connects (V8's pretenuring decisions are taken under load and kept).
  const v8 = applyV8Tuning({ allocationSitePretenuring: config.v8AllocationSitePretenuring });
  if (v8.flags.length > 0) logger.debug({ flags: v8.flags }, 'V8 settings applied');
  const clock = systemClock;
  const shutdown = new Shutdown(logger);
  const metrics = new Metrics();
  const startedAt = clock.now();
  let ready = false;

  // Hook slots around every socket message and API call; game modules fill them (runtime).
  const socketHooks = createSocketHooks();
  const apiHooks = createApiHooks();
  let verifier: SessionVerifier | undefined;
  const http = new HttpRouter({
    maxBodyBytes: config.maxRequestBytes,
    logger,
    hooks: apiHooks,
    node: config.node,
    // Nakama endpoints no feature mounts answer 501 "not supported by Tether" rather than 404.
    notServed: NAKAMA_ENDPOINTS,
    meter: metrics.http,
    caller: async (req) => {
      if (!verifier || !/^Bearer\s/i.test(req.headers.authorization ?? '')) return undefined;
      const s = await verifier.verifySessionToken(bearerToken(req));
      return { userId: s.userId, username: s.username, vars: s.vars, expiry: s.expiresAt };
    },
  });
  let cluster: { health(): ClusterHealth } | undefined;
  registerHealthRoutes(
    http,
    () => ready,
    () => cluster?.health(),
  );
  const pipeline = new Pipeline({
    logger,
    hooks: socketHooks,
    node: config.node,
    meter: metrics.pipeline,
    now: () => clock.now(),
    limits: {
      maxMessageBytes: config.socketMaxMessageBytes,
      ratePerSecond: config.socketRatePerSecond,
      rateBurst: config.socketRateBurst,
      maxPendingMessages: config.socketMaxPendingMessages,
    },
  });
  // The admin console: its own listener; features add their sections (consoleRoutes) to it.
  const consoleServer = new ConsoleServer({
    settings: config,
    logger,
    clock,
    metrics,
    assets: async () => (await import('@tether/console')).bundleConsole(),
  });
  const mount = (phase: ShutdownPhase, name: string, parts: FeatureParts) => {
    if (parts.handlers) pipeline.mount(parts.handlers);
    if (parts.routes) http.mount(parts.routes);
    if (parts.consoleRoutes) consoleServer.mount(parts.consoleRoutes);
    const close = parts.close;
    if (close) shutdown.on(phase, name, (reason) => close.call(parts, reason));
  };

  // The database: SQLite under --data by default; PostgreSQL (pg loaded only then) for a postgres://
  // URL; migrated before anything uses it. Each feature's stores are built here for its dialect.
  const db = await openDatabase(config, logger);
  shutdown.on('storage', 'database', () => db.close());
  // Every store call is timed (tether_storage_operation_duration_seconds) (server-stores.ts).
  const stores = featureStores(db, metrics.storage);
  const accounts = registerAccounts({
    config,
    db,
    stores: {
      accounts: stores.accounts,
      identities: stores.identities,
      revocations: stores.revocations,
      search: stores.accountSearch,
    },
    logger,
    clock,
    meter: metrics.auth,
  });
  verifier = accounts.auth;
  mount('features', 'accounts', accounts);

  // Realtime core: the session registry, then the tracker, router and peers: this node's own, or
  // in cluster mode the replicated tracker and cluster router over Redis (realtime-core.ts), which
  // join the cluster once every feature has registered its replicated tables and methods.
  const sessions = new SessionRegistry();
  const core = await realtimeCore(config, logger, sessions).catch(async (err: unknown) => {
    await shutdown.run('startup failed');
    throw err;
  });
  cluster = core.cluster;
  const { tracker, router, peers } = core;
  const lifecycle = new SessionLifecycle({
    settings: config,
    registry: sessions,
    tracker,
    pipeline,
    clock,
    logger,
    meter: metrics.sessions,
  });
  pipeline.mount(socketHandlers);
  const ctx: FeatureContext = {
    config,
    logger,
    clock,
    db,
    tracker,
    router,
    sessions,
    sessionEvents: lifecycle,
    verifier: accounts.auth,
    peers,
  };

  const status = registerStatus(ctx, { users: accounts.accounts });
  mount('features', 'status', status);
  const streams = registerStreams(ctx);
  mount('features', 'streams', streams);
  const parties = registerParties(ctx);
  mount('features', 'parties', parties);
  const notifications = registerNotifications(ctx, { store: stores.notifications, users: stores.accounts });
  mount('features', 'notifications', notifications);
  const social = { users: stores.accounts, notifications: notifications.notifications };
  const friends = registerFriends(ctx, { ...social, store: stores.friends });
  mount('features', 'friends', friends);
  const groups = registerGroups(ctx, { ...social, store: stores.groups });
  mount('features', 'groups', groups);
  // A deleted account leaves its groups inside the deletion's transaction, so member counts stay
  // right; a group losing its last superadmin goes too, as in Nakama (friend edges go by cascade).
  accounts.deletion.onDelete((userId) => groups.groups.removeUser(userId));
  mount(
    'features',
    'chat',
    registerChat(ctx, {
      store: stores.chat,
      notifications: notifications.notifications,
      users: stores.accounts,
      friends: friends.friends,
      groups: groups.groups,
      accounts: accounts.deletion,
    }),
  );
  const storage = registerStorage(ctx, { store: stores.storage });
  mount('features', 'storage', storage);
  const wallets = registerWallets(ctx, { store: stores.wallets });
  mount('features', 'wallets', wallets);
  const matches = registerMatches(ctx, { meter: metrics.matches });
  metrics.gauge('tether_matches', 'Running matches by kind.', ['kind'], () =>
    Object.entries(matches.service.counts()).map(([kind, n]) => [{ kind }, n] as const),
  );
  mount('matches', 'matches', matches);
  const rpc = registerRpc(ctx, { node: config.node, users: stores.accounts });
  mount('features', 'rpc', rpc);
  // Leaderboards: boards loaded and rank indexes rebuilt from the database before listening; the
  // scheduler reaches the game's reset and end callbacks through the runtime, built next.
  let runtimeRef: Runtime | undefined;
  const leaderboards = await registerLeaderboards(ctx, {
    store: stores.leaderboards,
    hooks: () => runtimeRef?.hooks.leaderboards ?? {},
  }).catch(async (err: unknown) => {
    await shutdown.run('startup failed');
    throw err;
  });
  mount('features', 'leaderboards', leaderboards);
  // A deleted account takes its leaderboard and tournament records with it, in the deletion's
  // transaction; the rank indexes follow after the commit.
  accounts.deletion.onDelete(async (userId) => {
    await leaderboards.leaderboards.deleteOwner(userId);
  });

  const startupFailed = async (err: unknown): Promise<never> => {
    await shutdown.run('startup failed');
    throw err;
  };
  const runtime = await startRuntime({
    logger,
    modules: config.runtime,
    watch: config.runtimeWatch,
    hooks: { socket: socketHooks, api: apiHooks, apiNames: () => http.apiNames() },
    rpc: rpc.rpc,
    matches,
    // Sessions of every node: nk functions take session ids of players connected anywhere.
    sessions: new TrackedSessions(tracker),
    streams: streams.streams,
    notifications: notifications.notifications,
    accounts: accounts.accounts,
    leaderboards,
    friends: friends.friends,
    groups: groups.groups,
    accountAdmin: { accounts: accounts.accounts, deletion: accounts.deletion, links: accounts.links },
    storage: storage.storage,
    wallets: wallets.wallets,
  }).catch(startupFailed);
  shutdown.on('background', 'runtime', () => runtime.close());
  runtimeRef = runtime;
  // Matchmaker: relayed match tokens from the match feature, authoritative matches from the runtime's hook.
  const matchmaker = registerMatchmaker(ctx, {
    tokens: matches.tokens,
    matchedHook: (entries) => runtime.hooks.matchmakerMatched(entries),
    parties: parties.parties,
    ...(core.coordinator ? { coordinator: core.coordinator } : {}),
  });
  mount('background', 'matchmaker', matchmaker);

  // Cluster mode: revocations and single_socket close sessions on every node; join (refused when
  // another live node has this name).
  const socketVerifier = await core
    .join({ lifecycle, verifier: accounts.auth, shutdown })
    .catch(startupFailed);

  // Transports last, once every handler is mounted: GameMaker carriers (framed TCP on gmPort and
  // WebSocket at /gm) and the realtime endpoints on them and on /ws (server-transports.ts).
  const trustedProxies = TrustedProxies.parse(config.trustedProxies);
  const { gm, upgrades } = await startRealtimeTransports({
    trustedProxies,
    config,
    logger,
    metrics,
    lifecycle,
    verifier: socketVerifier,
    shutdown,
    failed: startupFailed,
  });
  // The main HTTP server: the API, upgrades dispatched by path; its requests drain in 'sessions'.
  const graceMs = config.shutdownGraceSec * 1000;
  const web = createWebServer({ http, logger, upgrades, shutdown, graceMs, trustedProxies });
  const httpServer = web.server;
  shutdown.on('sessions', 'admin console', () => consoleServer.close());
  await listen(httpServer, config.port, config.host, config.socketKeepAliveMs).catch(startupFailed);
  const address = httpServer.address() as AddressInfo;
  consoleServer.mountCore({
    config,
    metrics,
    database: db.dialect,
    address: `${address.address}:${address.port}`,
    startedAt,
    sessions,
    carrierOf: (s) => lifecycle.carrierOf(s),
    matchCounts: () => matches.service.counts(),
    runtime: () => ({
      modules: runtime.modules,
      rpcIds: rpc.rpc.ids().sort(),
      matchHandlers: matches.registry.handlerNames().sort(),
      socketHooks: socketHooks.list(),
      apiHooks: apiHooks.list(),
      matchmakerHook: runtime.hooks.hasMatchmakerMatched,
    }),
  });
  const consoleAddress = await consoleServer.listen().catch(startupFailed);
  ready = true;
  logger.info(
    { host: address.address, port: address.port, gmPort: gm.tcp.port, node: config.node },
    'tether listening: HTTP API, /ws and /gm on port; GameMaker TCP on gmPort',
  );

  logger.info(
    { host: consoleAddress.address, port: consoleAddress.port },
    'admin console listening (web app, /v2/console API, Prometheus /metrics)',
  );

  let closing: Promise<void> | undefined;
  const close = (reason = 'server shutting down') => {
    closing ??= (async () => {
      ready = false;
      logger.info({ reason }, 'shutting down');
      void web.drain(graceMs);
      void consoleServer.close();
      await shutdown.run(reason);
      // Upgraded sockets (/ws, /gm) ended in the 'sessions' and 'carriers' phases.
      await web.closed();
      logger.info('shut down');
    })();
    return closing;
  };
  deps.signal?.addEventListener('abort', () => void close(), { once: true });

  return {
    config,
    logger,
    http: address,
    gm: gm.tcp,
    realtime: { sessions, lifecycle, streams: streams.streams, status: status.status },
    matches,
    runtime,
    parties,
    matchmaker,
    cluster: core.cluster,
    leaderboards,
    friends,
    groups,
    console: consoleAddress,
    metrics,
    close,
  };
}
