/**
 * Starts the realtime socket feature: `/ws`, the realtime protocol on the GameMaker carriers, the
 * status and stream services, and the socket's own handlers.
 *
 * @packageDocumentation
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { GmConnectionHandler } from '../carriers/gamemaker.ts';
import { registerSocketHandlers } from './socket-handlers.ts';
import { registerStatusHandlers } from '../features/status/status-handlers.ts';
import type { SessionRegistry } from '../session/registry.ts';
import type { RealtimeContext } from '../core/feature-context.ts';
import { StatusService } from '../features/status/status-service.ts';
import { StreamService } from '../features/streams/stream-service.ts';
import { RealtimeCloseCode } from './close-codes.ts';
import { GmRealtimeEndpoint } from './gm-endpoint.ts';
import { SocketSessions } from './socket-sessions.ts';
import { REALTIME_WS_PATH, RealtimeWsEndpoint } from './ws-endpoint.ts';

/** What the socket feature hands to the features built after it (the runtime, chat, ...). */
export interface RealtimeSockets {
  /** Connected sessions by id and by user (`get`, `byUser`, `closeUser`...). */
  readonly sessions: SessionRegistry;
  /** Session lifecycle: `onOpened` / `onClosed` hooks for per-session state of other features. */
  readonly lifecycle: SocketSessions;
  /** Custom streams for server code (join, leave, list, send). */
  readonly streams: StreamService;
  /** Online status (follow, update, presences). */
  readonly status: StatusService;
}

/** What {@link startRealtimeSockets} plugs into. */
export interface RealtimeSocketDeps {
  /** Upgrade handlers of the main HTTP server, by path; `/ws` is added. */
  readonly upgrades: Map<string, (req: IncomingMessage, socket: Duplex, head: Buffer) => void>;
  /** Shutdown list of the composition root. */
  readonly closables: { close(reason: string): Promise<void> }[];
  /** The GameMaker carriers, whose connections get the realtime protocol. */
  readonly gm: { setConnectionHandler(handler: GmConnectionHandler): void };
}

/**
 * Wires the realtime socket into a running server and returns its services.
 *
 * Shutdown (registered in `closables`): new upgrades and GameMaker connections are refused, then
 * every session is closed with 1001 and the shutdown reason (default "server shutting down") and
 * awaited. Revocations close the matching sessions as soon as they happen: 4002 for a logout, 4004
 * (after a `banned` notification) for a ban.
 */
export function startRealtimeSockets(realtime: RealtimeContext, deps: RealtimeSocketDeps): RealtimeSockets {
  const { config, logger, tracker, router, pipeline, clock } = realtime;
  const status = new StatusService({ tracker, router, users: realtime.accounts.accounts });
  const streams = new StreamService({ tracker, router, sessions: realtime.sessions });
  const lifecycle = new SocketSessions({
    settings: config,
    registry: realtime.sessions,
    tracker,
    pipeline,
    status,
    clock,
    logger,
  });
  registerSocketHandlers(pipeline);
  registerStatusHandlers(pipeline, status);

  const verifier = realtime.accounts.sessions;
  const ws = new RealtimeWsEndpoint({
    sessions: lifecycle,
    verifier,
    logger,
    maxMessageBytes: config.socketMaxMessageBytes,
    maxBufferedBytes: config.socketMaxBufferedBytes,
  });
  deps.upgrades.set(REALTIME_WS_PATH, (req, socket, head) => ws.handleUpgrade(req, socket, head));
  const gm = new GmRealtimeEndpoint({ sessions: lifecycle, verifier, settings: config, logger });
  deps.gm.setConnectionHandler(gm.handle);

  const stopRevocations = verifier.onRevoked((event) => {
    const closed = lifecycle.closeRevoked(event);
    if (closed > 0)
      logger.info({ userId: event.userId, cause: event.cause, closed }, 'revoked sessions closed');
  });
  deps.closables.push({
    async close(reason) {
      ws.close();
      gm.close();
      stopRevocations();
      await lifecycle.closeAll(RealtimeCloseCode.GOING_AWAY, reason);
      streams.dispose();
      status.dispose();
    },
  });
  return { sessions: realtime.sessions, lifecycle, streams, status };
}
