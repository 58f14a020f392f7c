/**
 * The GameMaker carriers of `tether serve`: GameMaker framing (handshake + 12-byte headers) over a
 * TCP listener on `gmPort` and over WebSocket at `/gm` of the main HTTP server. Both share one
 * client limit and hand each ready connection (one message per GameMaker packet) to a single
 * replaceable handler, which is where the realtime session pipeline plugs in.
 *
 * @packageDocumentation
 */
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { GM_HEADER_SIZE } from '@tether/protocol';
import type { Logger } from 'pino';
import type { TrustedProxies } from '../shared/client-address.ts';
import type { RequestTarget } from '../shared/request-target.ts';
import { AddressAdmission } from '../transport/admission.ts';
import type { Connection } from '../transport/connection.ts';
import { type Admitted, ConnectionGate } from '../transport/gate.ts';
import type { ProxyProtocolOptions } from '../transport/proxied-accept.ts';
import { listenTcp } from '../transport/tcp.ts';
import { WsAcceptor } from '../transport/ws.ts';

/** Path of the GameMaker WebSocket carrier on the main HTTP server. */
export const GM_WS_PATH = '/gm';

/** The reply every packet gets until the realtime protocol is plugged in (see {@link replyNotAvailable}). */
export const NOT_AVAILABLE_REPLY = JSON.stringify({
  error: { code: 1, message: 'realtime protocol not available on this carrier yet' },
});

/**
 * Takes over one ready GameMaker connection (handshake done): attach handlers synchronously, and
 * call `admitted.authenticated()` once the client has authenticated (until then the connection is
 * held to the pre-authentication budget and time).
 */
export type GmConnectionHandler = (connection: Connection, admitted: Admitted) => void;

/**
 * Placeholder handler: answers every packet with one JSON error envelope (in GameMaker framing),
 * so a client can tell "connected, but nothing to talk to yet" from "not connected".
 */
export const replyNotAvailable: GmConnectionHandler = (connection) => {
  connection.onMessage(() => {
    connection.send(NOT_AVAILABLE_REPLY);
  });
};

/** What {@link startGameMakerCarriers} needs from the composition root. */
export interface GameMakerCarrierDeps {
  readonly config: {
    readonly host: string;
    readonly gmPort: number;
    readonly gmMaxClients: number;
    readonly gmMaxMessageBytes: number;
    readonly gmMaxClientsPerAddress: number;
    readonly gmMaxUnauthenticated: number;
    readonly gmMaxUnauthenticatedPerAddress: number;
    readonly gmPreAuthMaxBytes: number;
    /** Time from accept to authentication (the GameMaker handshake included). */
    readonly socketAuthTimeoutMs: number;
    /** Kernel TCP keepalive after this much silence (ms; 0 or absent: off). */
    readonly socketKeepAliveMs?: number;
    /** TCP connections begin with a PROXY protocol header (believed from `trustedProxies` only). */
    readonly gmProxyProtocol?: boolean;
  };
  /** The proxies whose PROXY headers name the client (with `gmProxyProtocol`). */
  readonly trustedProxies?: TrustedProxies;
  readonly logger: Logger;
  /** Upgrade handlers of the main HTTP server, by path; `/gm` is added. */
  readonly upgrades: Map<
    string,
    (req: IncomingMessage, socket: Duplex, head: Buffer, target: RequestTarget) => void
  >;
  /** Initial connection handler; {@link replyNotAvailable} by default. */
  readonly onConnection?: GmConnectionHandler;
}

/** The running carriers. */
export interface GameMakerCarriers {
  /** Bound TCP address (useful with `gmPort: 0`). */
  readonly tcp: AddressInfo;
  /** WebSocket path on the main HTTP server. */
  readonly wsPath: string;
  /** GameMaker connections held now, on both carriers (including ones still handshaking). */
  readonly connections: number;
  /** Of those, connections not yet authenticated. */
  readonly unauthenticated: number;
  /**
   * Bytes received from connections not yet authenticated and still open: a bound on what strangers
   * make the carriers hold (each is held to `gmPreAuthMaxBytes`).
   */
  readonly preAuthBytes: number;
  /** Connections turned away since start, by code (see {@link ConnectionGate.refusals}). */
  refusals(): IterableIterator<[string, number]>;
  /** Replaces the handler for connections that become ready from now on. */
  setConnectionHandler(handler: GmConnectionHandler): void;
  /**
   * Stops accepting, then closes every GameMaker connection with 1001 and `reason` (over TCP, which
   * has no close frame, a final JSON notice packet `{"error":{"code":1001,"message":<reason>}}`
   * carries it).
   */
  close(reason: string): Promise<void>;
}

/** Starts both carriers: framed TCP on `gmPort` and WebSocket at `/gm` of the main HTTP server. */
export async function startGameMakerCarriers(deps: GameMakerCarrierDeps): Promise<GameMakerCarriers> {
  const { config, logger } = deps;
  let handler = deps.onConnection ?? replyNotAvailable;
  // One set of counts for both carriers: the slots they share must not be held by one address, nor
  // by connections that never authenticate.
  const admission = new AddressAdmission({
    maxPerAddress: config.gmMaxClientsPerAddress,
    maxUnauthenticated: config.gmMaxUnauthenticated,
    maxUnauthenticatedPerAddress: config.gmMaxUnauthenticatedPerAddress,
  });
  const gate = new ConnectionGate({
    logger,
    maxClients: config.gmMaxClients,
    framed: true,
    maxPayload: config.gmMaxMessageBytes,
    closeNotice: true,
    admission,
    preAuth: { maxBytes: config.gmPreAuthMaxBytes, timeoutMs: config.socketAuthTimeoutMs },
    onConnection: (connection, admitted) => handler(connection, admitted),
  });
  const listener = await listenTcp({
    host: config.host,
    port: config.gmPort,
    logger,
    name: 'gm-tcp',
    keepAliveMs: config.socketKeepAliveMs,
    ...(config.gmProxyProtocol ? { proxyProtocol: proxyProtocolOptions(deps) } : {}),
    onConnection: (c) => gate.admit(c),
  });
  const acceptor = new WsAcceptor({
    logger,
    // One WebSocket message carries one packet: its header plus the largest payload allowed.
    maxPayload: config.gmMaxMessageBytes + GM_HEADER_SIZE,
    name: 'gm-ws',
    keepAliveMs: config.socketKeepAliveMs,
    onConnection: (c) => gate.admit(c),
  });
  deps.upgrades.set(GM_WS_PATH, (req, socket, head) => acceptor.handleUpgrade(req, socket, head));
  logger.info(
    { tcpPort: listener.address.port, wsPath: GM_WS_PATH },
    'GameMaker carriers ready: TCP on its own port (tcpPort), WebSocket at wsPath on the HTTP port',
  );
  return {
    tcp: listener.address,
    wsPath: GM_WS_PATH,
    get connections() {
      return gate.size;
    },
    get unauthenticated() {
      return admission.unauthenticated;
    },
    get preAuthBytes() {
      return gate.preAuthBytes;
    },
    refusals: () => gate.refusals(),
    setConnectionHandler(next) {
      handler = next;
    },
    async close(reason) {
      acceptor.close();
      const stopped = listener.close();
      await gate.closeAll(1001, reason);
      await stopped;
    },
  };
}

/**
 * PROXY protocol on the TCP carrier: headers believed from the trusted proxies only; the header
 * counts against the handshake's time, and as many connections may be sending theirs as may be
 * unauthenticated.
 */
function proxyProtocolOptions(deps: GameMakerCarrierDeps): ProxyProtocolOptions {
  const { trustedProxies } = deps;
  return {
    trusts: (peer) => trustedProxies?.has(peer) ?? false,
    timeoutMs: deps.config.socketAuthTimeoutMs,
    maxPending: deps.config.gmMaxUnauthenticated || 1024,
  };
}
