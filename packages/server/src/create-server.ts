import type { IncomingMessage } from 'node:http';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { createAccountFeature } from './features/accounts/account-feature.ts';
import { startGameMakerCarriers } from './carriers/gamemaker.ts';
import type { TetherConfig } from './config/config.ts';
import { registerAccountRoutes } from './features/accounts/account-routes.ts';
import { registerHealthRoutes } from './http/health.ts';
import { HttpRouter } from './http/router.ts';
import { createLogger } from './observability/logger.ts';
import { registerChat } from './features/chat/register-chat.ts';
import { type MatchFeature, registerMatches } from './features/match/register-matches.ts';
import { type MatchmakerFeature, registerMatchmaker } from './features/matchmaker/register-matchmaker.ts';
import { registerNotifications } from './features/notifications/register-notifications.ts';
import { type PartyFeature, registerParties } from './features/party/register-parties.ts';
import { createRealtimeContext } from './core/feature-context.ts';
import { type RealtimeSockets, startRealtimeSockets } from './socket/start.ts';
import type { Runtime } from './runtime/runtime.ts';
import { startRuntime } from './runtime/start-runtime.ts';
import { SqliteStorage } from './storage/sqlite/sqlite-storage.ts';
import type { Storage } from './storage/types.ts';

/** Handles a WebSocket upgrade for one path (`/ws`, `/gm`). */
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** Something the server must stop on shutdown, in reverse order of registration. */
export interface Closable {
  close(reason: string): Promise<void>;
}

/** Optional injected pieces: tests pass a silent logger; embedders pass an abort signal. */
export interface ServerDeps {
  logger?: Logger;
  /** Aborting it shuts the server down (mini-redis style: the entry point gets its shutdown signal). */
  signal?: AbortSignal;
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
  readonly realtime: RealtimeSockets;
  /** Relayed and authoritative matches, match tokens. */
  readonly matches: MatchFeature;
  /** Game modules (`--runtime`): RPCs, match handlers, hooks; `runtime.run(init)` adds one in code. */
  readonly runtime: Runtime;
  /** Parties. */
  readonly parties: PartyFeature;
  /** The matchmaker (`matchmaker.process()` runs an interval at once). */
  readonly matchmaker: MatchmakerFeature;
  /** Stops accepting, closes every connection with `reason`, flushes storage. Idempotent. */
  close(reason?: string): Promise<void>;
}

/**
 * The composition root: the one place that chooses implementations (storage backend, cluster
 * backend, transports) and wires them together. Everything else receives its dependencies.
 */
export async function startServer(config: TetherConfig, deps: ServerDeps = {}): Promise<RunningServer> {
  const logger = deps.logger ?? createLogger(config.logLevel);
  const closables: Closable[] = [];
  let ready = false;

  const router = new HttpRouter({ maxBodyBytes: config.maxRequestBytes, logger });
  registerHealthRoutes(router, () => ready);
  const upgrades = new Map<string, UpgradeHandler>();

  // --- feature wiring (storage, accounts, realtime, GameMaker carriers) goes here ---
  // Storage: SQLite under --data by default; PostgreSQL (pg loaded only then) for a postgres:// URL.
  const storage: Storage =
    config.database === 'sqlite'
      ? SqliteStorage.open(config.data)
      : await (await import('./storage/postgres/postgres-storage.ts')).PostgresStorage.open({
          url: config.database,
          schema: config.databaseSchema,
          poolSize: config.databasePoolSize,
          logger,
        });
  closables.push(storage);
  const auth = createAccountFeature(config, storage, logger);
  closables.push(auth);
  registerAccountRoutes(router, { ...auth, serverKey: config.serverKey });
  // Realtime core (single node): tracker, session registry, router, pipeline. Features register on it.
  const realtime = createRealtimeContext({ config, logger, storage, accounts: auth, http: router });
  const parties = registerParties(realtime);
  closables.push(parties);
  const notifications = registerNotifications(realtime);
  registerChat(realtime, { notifications });
  // GameMaker carriers: framed TCP on gmPort and WebSocket at /gm. Registered after storage so that
  // shutdown (reverse order) closes GameMaker clients first.
  const gm = await startGameMakerCarriers({ config, logger, upgrades, closables });
  // Realtime sockets: /ws, the envelope protocol on the GameMaker carriers, status, custom streams.
  // Registered last, so shutdown closes realtime sessions (1001) before anything under them.
  const sockets = startRealtimeSockets(realtime, { upgrades, closables, gm });
  // Matches and the game-module runtime (--runtime). Registered after the sockets, so shutdown runs
  // matchTerminate (whose last broadcasts still reach players) before sessions are closed.
  const matches = registerMatches(realtime);
  closables.push(matches);
  const runtime = await startRuntime(realtime, { matches, streams: sockets.streams, notifications }).catch(
    async (err: unknown) => {
      for (const c of [...closables].reverse()) await c.close('startup failed').catch(() => {});
      throw err;
    },
  );
  // Matchmaker: relayed match tokens from the match feature, authoritative matches from the runtime's hook.
  const matchmaker = registerMatchmaker(realtime, {
    tokens: matches.tokens,
    matchedHook: (entries) => runtime.hooks.matchmakerMatched(entries),
    parties: parties.parties,
    sessions: sockets.lifecycle,
  });
  closables.push(matchmaker);

  const httpServer = createHttpServer((req, res) => void router.handle(req, res));
  httpServer.on('upgrade', (req, socket, head) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const handler = upgrades.get(path);
    if (!handler) {
      rejectUpgrade(socket, 404, 'Not Found');
      return;
    }
    handler(req, socket, head);
  });
  httpServer.on('clientError', (err, socket) => {
    logger.debug({ err }, 'HTTP client error');
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  });
  await listen(httpServer, config.port, config.host);
  const http = httpServer.address() as AddressInfo;
  ready = true;
  logger.info({ host: http.address, port: http.port }, 'tether listening (HTTP, /ws, /gm)');

  let closing: Promise<void> | undefined;
  const close = (reason = 'server shutting down') => {
    closing ??= (async () => {
      ready = false;
      logger.info({ reason }, 'shutting down');
      const stopped = new Promise<void>((resolve) => httpServer.close(() => resolve()));
      for (const c of [...closables].reverse()) {
        try {
          await c.close(reason);
        } catch (err) {
          logger.error({ err }, 'error while closing');
        }
      }
      httpServer.closeIdleConnections();
      const force = setTimeout(() => httpServer.closeAllConnections(), config.shutdownGraceSec * 1000);
      await stopped;
      clearTimeout(force);
      logger.info('shut down');
    })();
    return closing;
  };
  deps.signal?.addEventListener('abort', () => void close(), { once: true });

  return {
    config,
    logger,
    http,
    gm: gm.tcp,
    realtime: sockets,
    matches,
    runtime,
    parties,
    matchmaker,
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

/** Answers a refused upgrade with a plain HTTP response and closes the socket. */
export function rejectUpgrade(socket: Duplex, status: number, message: string): void {
  const body = JSON.stringify({ code: status === 401 ? 16 : 5, message });
  socket.end(
    `HTTP/1.1 ${status} ${message}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
