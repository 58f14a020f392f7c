import type { IncomingMessage } from 'node:http';
import { type Server as HttpServer, STATUS_CODES } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { GrpcCode } from '@tether/protocol';
import type { Logger } from 'pino';
import { createApiHooks } from './api/api-hooks.ts';
import { bearerToken } from './api/auth-headers.ts';
import { startGameMakerCarriers } from './carriers/gamemaker.ts';
import type { ClusterHealth } from './cluster/cluster-node.ts';
import { CLUSTER_NEEDS_POSTGRES, ConfigError, type TetherConfig } from './config/config.ts';
import { ConsoleServer } from './console/console-server.ts';
import type { FeatureParts } from './core/feature.ts';
import type { FeatureContext } from './core/feature-context.ts';
import { Shutdown, type ShutdownPhase } from './core/shutdown.ts';
import { openDatabase, pick } from './database.ts';
import { registerAccounts } from './features/accounts/register-accounts.ts';
import {
  accountSearchStores,
  accountStores,
  identityStores,
  revocationStores,
} from './features/accounts/store/dialects.ts';
import { registerChat } from './features/chat/register-chat.ts';
import { chatStores } from './features/chat/store/dialects.ts';
import { type FriendFeature, registerFriends } from './features/friends/register-friends.ts';
import { friendStores } from './features/friends/store/dialects.ts';
import { type GroupFeature, registerGroups } from './features/groups/register-groups.ts';
import { groupStores } from './features/groups/store/dialects.ts';
import {
  type LeaderboardFeature,
  registerLeaderboards,
} from './features/leaderboards/register-leaderboards.ts';
import { leaderboardStores } from './features/leaderboards/store/dialects.ts';
import { type MatchFeature, registerMatches } from './features/match/register-matches.ts';
import { type MatchmakerFeature, registerMatchmaker } from './features/matchmaker/register-matchmaker.ts';
import { registerNotifications } from './features/notifications/register-notifications.ts';
import { notificationStores } from './features/notifications/store/dialects.ts';
import { type PartyFeature, registerParties } from './features/party/register-parties.ts';
import { registerRpc } from './features/rpc/register-rpc.ts';
import { registerStatus } from './features/status/register-status.ts';
import type { StatusService } from './features/status/status-service.ts';
import { registerStorage } from './features/storage/register-storage.ts';
import { storageStores } from './features/storage/store/dialects.ts';
import { registerStreams } from './features/streams/register-streams.ts';
import type { StreamService } from './features/streams/stream-service.ts';
import { registerWallets } from './features/wallets/register-wallets.ts';
import { walletStores } from './features/wallets/store/dialects.ts';
import { createDrainingServer } from './http/draining-server.ts';
import { registerHealthRoutes } from './http/health.ts';
import { NAKAMA_ENDPOINTS } from './http/nakama-endpoints.ts';
import { HttpRouter } from './http/router.ts';
import { createLogger } from './observability/logger.ts';
import { Metrics } from './observability/metrics.ts';
import { timed } from './observability/timed.ts';
import { Pipeline } from './pipeline/pipeline.ts';
import { createSocketHooks } from './pipeline/socket-hooks.ts';
import { TrackedSessions } from './presence/tracked-sessions.ts';
import { realtimeCore } from './realtime-core.ts';
import type { Runtime } from './runtime/runtime.ts';
import { startRuntime } from './runtime/start-runtime.ts';
import { SessionRegistry } from './session/registry.ts';
import type { SessionVerifier } from './session/verifier.ts';
import { systemClock } from './shared/clock.ts';
import { invalidQueryText } from './shared/url-text.ts';
import { SessionLifecycle } from './socket/session-lifecycle.ts';
import { socketHandlers } from './socket/socket-handlers.ts';
import { startSocketEndpoints } from './socket/start.ts';

/** Handles a WebSocket upgrade for one path (`/ws`, `/gm`). */
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** Optional injected pieces: tests pass a silent logger; embedders pass an abort signal. */
export interface ServerDeps {
  logger?: Logger;
  /** Aborting it shuts the server down (mini-redis style: the entry point gets its shutdown signal). */
  signal?: AbortSignal;
}

/** Realtime sessions and the server-side services built on them. */
export interface RealtimeServices {
  /** Connected sessions by id and by user (`get`, `byUser`, `closeUser`...). */
  readonly sessions: SessionRegistry;
  /** Session lifecycle: `onOpened` / `onClosed`, `closeRevoked`, `closeAll`. */
  readonly lifecycle: SessionLifecycle;
  /** Custom streams for server code (join, leave, list, send). */
  readonly streams: StreamService;
  /** Online status (follow, update, presences). */
  readonly status: StatusService;
}

/** A running Tether server. */
export interface RunningServer {
  readonly config: TetherConfig;
  readonly logger: Logger;
  /** Bound HTTP/WebSocket address (useful with `port: 0`). */
  readonly http: AddressInfo;
  /** Bound GameMaker TCP address, when enabled. */
  readonly gm: AddressInfo | null;
  /** Realtime sessions, custom streams and status, for server code. */
  readonly realtime: RealtimeServices;
  /** Relayed and authoritative matches, match tokens. */
  readonly matches: MatchFeature;
  /** Game modules (`--runtime`): RPCs, match handlers, hooks; `runtime.run(init)` adds one in code. */
  readonly runtime: Runtime;
  /** Parties. */
  readonly parties: PartyFeature;
  /** The matchmaker (`matchmaker.process()` runs an interval at once). */
  readonly matchmaker: MatchmakerFeature;
  /** Cluster mode (`--cluster`): this node's view of the cluster; undefined for a single node. */
  readonly cluster: { readonly node: string; health(): ClusterHealth } | undefined;
  /** Leaderboards and tournaments (services, and the period scheduler). */
  readonly leaderboards: LeaderboardFeature;
  /** Friends, invitations and blocks. */
  readonly friends: FriendFeature;
  /** Groups and their members. */
  readonly groups: GroupFeature;
  /** Bound admin console address (the console, its API and `/metrics`). */
  readonly console: AddressInfo;
  /** This server's Prometheus metrics. */
  readonly metrics: Metrics;
  /** Stops accepting, closes every connection with `reason`, flushes and closes the database. Idempotent. */
  close(reason?: string): Promise<void>;
}

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
  const upgrades = new Map<string, UpgradeHandler>();
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
  // Every store call is timed (tether_storage_operation_duration_seconds) by wrapping it once here.
  const stores = {
    accounts: timed(pick(db, accountStores), 'accounts', metrics.storage),
    identities: timed(pick(db, identityStores), 'identities', metrics.storage),
    revocations: timed(pick(db, revocationStores), 'revocations', metrics.storage),
    accountSearch: timed(pick(db, accountSearchStores), 'accountSearch', metrics.storage),
    chat: timed(pick(db, chatStores), 'chat', metrics.storage),
    notifications: timed(pick(db, notificationStores), 'notifications', metrics.storage),
    leaderboards: timed(pick(db, leaderboardStores), 'leaderboards', metrics.storage),
    friends: timed(pick(db, friendStores), 'friends', metrics.storage),
    groups: timed(pick(db, groupStores), 'groups', metrics.storage),
    storage: timed(pick(db, storageStores), 'storage', metrics.storage),
    wallets: timed(pick(db, walletStores), 'wallets', metrics.storage),
  };
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
  // WebSocket at /gm) and the realtime endpoints on them and on /ws.
  const gm = await startGameMakerCarriers({ config, logger, upgrades }).catch(startupFailed);
  shutdown.on('carriers', 'gamemaker', (reason) => gm.close(reason));
  metrics.gauge(
    'tether_gm_unauthenticated_connections',
    'GameMaker connections accepted and not yet authenticated (TCP and /gm).',
    [],
    () => [[{}, gm.unauthenticated]],
  );
  metrics.gauge(
    'tether_gm_preauth_bytes',
    'Bytes received from GameMaker connections not yet authenticated and still open (bounds what they hold).',
    [],
    () => [[{}, gm.preAuthBytes]],
  );
  metrics.counter(
    'tether_gm_refused_total',
    'GameMaker connections turned away: refused at accept (SERVER_FULL, ADDRESS_LIMIT, UNAUTHENTICATED_LIMIT) or evicted for a newcomer (EVICTED).',
    ['code'],
    () => Array.from(gm.refusals(), ([code, n]) => [{ code }, n] as const),
  );
  const endpoints = startSocketEndpoints({
    config,
    logger,
    lifecycle,
    verifier: socketVerifier,
    upgrades,
    gm,
  });
  shutdown.on('sessions', 'realtime sockets', (reason) => endpoints.close(reason));

  const web = createDrainingServer((req, res) => http.handle(req, res), logger);
  const httpServer = web.server;
  const graceMs = config.shutdownGraceSec * 1000;
  // HTTP requests in flight finish before the database closes: the drain starts with close() (the
  // grace period counts from there) and the 'sessions' phase waits for it, beside the sockets' drain.
  shutdown.on('sessions', 'http requests', () => web.drain(graceMs));
  shutdown.on('sessions', 'admin console', () => consoleServer.close());
  httpServer.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const handler = upgrades.get(url.pathname);
    if (!handler) {
      rejectUpgrade(socket, 404, GrpcCode.NOT_FOUND, 'Not Found');
      return;
    }
    // The query (token, lang, format, status on /ws) is refused as the HTTP API refuses it.
    const badText = invalidQueryText(url.search);
    if (badText) {
      rejectUpgrade(socket, 400, GrpcCode.INVALID_ARGUMENT, badText);
      return;
    }
    handler(req, socket, head);
  });
  httpServer.on('clientError', (err, socket) => {
    logger.debug({ err }, 'HTTP client error');
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  });
  await listen(httpServer, config.port, config.host).catch(startupFailed);
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

function listen(server: HttpServer, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Answers a refused upgrade with Nakama's JSON error body (gRPC `code`) and closes the socket. */
function rejectUpgrade(socket: Duplex, status: number, code: GrpcCode, message: string): void {
  const body = JSON.stringify({ code, message, error: message });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
