import type { IncomingMessage } from 'node:http';
import { type Server as HttpServer, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { GrpcCode } from '@tether/protocol';
import type { Logger } from 'pino';
import { type GameMakerCarriers, startGameMakerCarriers } from './carriers/gamemaker.ts';
import type { TetherConfig } from './config/config.ts';
import type { Shutdown } from './core/shutdown.ts';
import { createDrainingServer, type DrainingServer } from './http/draining-server.ts';
import type { HttpRouter } from './http/router.ts';
import type { Metrics } from './observability/metrics.ts';
import type { SessionVerifier } from './session/verifier.ts';
import { stampClientAddress, type TrustedProxies } from './shared/client-address.ts';
import { parseRequestTarget, type RequestTarget } from './shared/request-target.ts';
import { invalidQueryText } from './shared/url-text.ts';
import type { SessionLifecycle } from './socket/session-lifecycle.ts';
import { startSocketEndpoints } from './socket/start.ts';
import { keepAliveOnListener } from './transport/keepalive.ts';

/** Handles a WebSocket upgrade for one path (`/ws`, `/gm`); `target` is `req.url` read once by the dispatch. */
export type UpgradeHandler = (
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  target: RequestTarget,
) => void;

/** What {@link startRealtimeTransports} needs from the composition root. */
export interface RealtimeTransportDeps {
  readonly config: TetherConfig;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly lifecycle: SessionLifecycle;
  /** Token checks before a session opens (the cluster's, which also closes revoked sessions). */
  readonly verifier: SessionVerifier;
  readonly shutdown: Shutdown;
  /** Runs the shutdown and rethrows: a carrier that cannot listen fails the start. */
  readonly failed: (err: unknown) => Promise<never>;
  /** Whose PROXY headers name a GameMaker TCP client (`trustedProxies`, with `gmProxyProtocol`). */
  readonly trustedProxies: TrustedProxies;
}

/** The realtime transports, started. */
export interface RealtimeTransports {
  /** The GameMaker carriers (`gm.tcp` is the bound TCP address). */
  readonly gm: GameMakerCarriers;
  /** WebSocket upgrade handlers by path (`/ws`, `/gm`), for the main HTTP server. */
  readonly upgrades: ReadonlyMap<string, UpgradeHandler>;
}

/**
 * Part of the composition root (`create-server.ts`), run once every handler is mounted: starts the
 * GameMaker carriers (framed TCP on gmPort and WebSocket at /gm) and the realtime endpoints on them
 * and on /ws, registers their gauges and their shutdown phases ('carriers', then the sockets' drain
 * in 'sessions').
 */
export async function startRealtimeTransports(deps: RealtimeTransportDeps): Promise<RealtimeTransports> {
  const { config, logger, metrics, shutdown } = deps;
  const upgrades = new Map<string, UpgradeHandler>();
  const gm = await startGameMakerCarriers({
    config,
    logger,
    upgrades,
    trustedProxies: deps.trustedProxies,
  }).catch(deps.failed);
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
    lifecycle: deps.lifecycle,
    verifier: deps.verifier,
    upgrades,
    gm,
  });
  shutdown.on('sessions', 'realtime sockets', (reason) => endpoints.close(reason));
  return { gm, upgrades };
}

/** What {@link createWebServer} needs from the composition root. */
export interface WebServerDeps {
  /** The HTTP API's router, every feature's routes mounted. */
  readonly http: HttpRouter;
  readonly logger: Logger;
  readonly upgrades: ReadonlyMap<string, UpgradeHandler>;
  readonly shutdown: Shutdown;
  /** How long requests in flight may take to finish once shutdown starts. */
  readonly graceMs: number;
  /** Whose `X-Forwarded-For` names a request's client (`trustedProxies`). */
  readonly trustedProxies: TrustedProxies;
}

/**
 * Part of the composition root (`create-server.ts`): the main HTTP server (not yet listening). It
 * serves the router, dispatches WebSocket upgrades by path, and answers malformed requests with 400.
 * HTTP requests in flight finish before the database closes: the drain starts with close() (the
 * grace period counts from there) and the 'sessions' phase waits for it, beside the sockets' drain.
 */
export function createWebServer(deps: WebServerDeps): DrainingServer {
  const { http, logger, upgrades, trustedProxies } = deps;
  const web = createDrainingServer((req, res) => {
    stampClientAddress(req, trustedProxies);
    return http.handle(req, res);
  }, logger);
  deps.shutdown.on('sessions', 'http requests', () => web.drain(deps.graceMs));
  web.server.on('upgrade', (req, socket, head) => {
    stampClientAddress(req, trustedProxies);
    const target = parseRequestTarget(req.url ?? '/');
    const handler = upgrades.get(target.pathname);
    if (!handler) {
      rejectUpgrade(socket, 404, GrpcCode.NOT_FOUND, 'Not Found');
      return;
    }
    // The query (token, lang, format, status on /ws) is refused as the HTTP API refuses it.
    const badText = invalidQueryText(target.search);
    if (badText) {
      rejectUpgrade(socket, 400, GrpcCode.INVALID_ARGUMENT, badText);
      return;
    }
    handler(req, socket, head, target);
  });
  web.server.on('clientError', (err, socket) => {
    logger.debug({ err }, 'HTTP client error');
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  });
  return web;
}

/**
 * Binds `server` to `host:port`; rejects with the listen error (port in use...). With `keepAliveMs`,
 * the listening socket gets kernel TCP keepalive, which its accepted connections inherit (so `/ws`
 * and `/gm` sockets start with it; their acceptors set it themselves only where that is not possible).
 */
export function listen(server: HttpServer, port: number, host: string, keepAliveMs = 0): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      keepAliveOnListener(server, keepAliveMs);
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
