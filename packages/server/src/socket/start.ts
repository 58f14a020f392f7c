/**
 * Starts the realtime socket endpoints: `/ws`, and the realtime protocol on the GameMaker carriers,
 * over one {@link SessionLifecycle} lifecycle.
 *
 * @packageDocumentation
 */

import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { CloseCode } from '@tether/protocol';
import type { Logger } from 'pino';
import type { GmConnectionHandler } from '../carriers/gamemaker.ts';
import type { TetherConfig } from '../config/config.ts';
import type { SessionVerifier } from '../session/verifier.ts';
import type { RequestTarget } from '../shared/request-target.ts';
import { GmRealtimeEndpoint } from './gm-endpoint.ts';
import type { SessionLifecycle } from './session-lifecycle.ts';
import { REALTIME_WS_PATH, RealtimeWsEndpoint } from './ws-endpoint.ts';

/** What {@link startSocketEndpoints} plugs into. */
export interface SocketEndpointDeps {
  readonly config: TetherConfig;
  readonly logger: Logger;
  /** Opens and closes the sessions of every endpoint. */
  readonly lifecycle: SessionLifecycle;
  /** Token checks before a session opens; revocations close sessions. */
  readonly verifier: SessionVerifier;
  /** Upgrade handlers of the main HTTP server, by path (`target` is `req.url` read); `/ws` is added. */
  readonly upgrades: Map<
    string,
    (req: IncomingMessage, socket: Duplex, head: Buffer, target: RequestTarget) => void
  >;
  /** The GameMaker carriers, whose connections get the realtime protocol. */
  readonly gm: { setConnectionHandler(handler: GmConnectionHandler): void };
}

/** The running endpoints. */
export interface SocketEndpoints {
  /**
   * Refuses new upgrades and GameMaker connections, stops reading messages, lets the requests
   * already read finish and send their replies (at most `shutdownGraceSec`), then closes every
   * session with 1001 and `reason`, and resolves when their connections have ended.
   */
  close(reason: string): Promise<void>;
}

/**
 * Wires the realtime socket into a running server. Revocations close the matching sessions as soon
 * as they happen: 4002 for a logout, 4004 (after a `banned` notification) for a ban.
 */
export function startSocketEndpoints(deps: SocketEndpointDeps): SocketEndpoints {
  const { config, logger, lifecycle, verifier } = deps;
  const ws = new RealtimeWsEndpoint({
    sessions: lifecycle,
    verifier,
    logger,
    maxMessageBytes: config.socketMaxMessageBytes,
    maxBufferedBytes: config.socketMaxBufferedBytes,
    maxConnectionsPerAddress: config.socketMaxConnectionsPerAddress,
    keepAliveMs: config.socketKeepAliveMs,
  });
  deps.upgrades.set(REALTIME_WS_PATH, (req, socket, head, target) =>
    ws.handleUpgrade(req, socket, head, target),
  );
  const gm = new GmRealtimeEndpoint({ sessions: lifecycle, verifier, settings: config, logger });
  deps.gm.setConnectionHandler(gm.handle);

  const stopRevocations = verifier.onRevoked((event) => {
    const closed = lifecycle.closeRevoked(event);
    if (closed > 0)
      logger.info({ userId: event.userId, cause: event.cause, closed }, 'revoked sessions closed');
  });
  return {
    async close(reason) {
      ws.close();
      gm.close();
      await lifecycle.drain(config.shutdownGraceSec * 1000);
      stopRevocations();
      await lifecycle.closeAll(CloseCode.GOING_AWAY, reason);
    },
  };
}
