/**
 * `@tether/client/node`: everything from the browser entry point, plus TCP and UDP sockets, and the
 * `ws` package as the default WebSocket implementation (Node 20 has no global `WebSocket`). With `ws`
 * the heartbeat also uses protocol-level ping/pong, so a silent but healthy server is not mistaken
 * for a dead one.
 *
 * @packageDocumentation
 */

import WebSocket from 'ws';
import {
  ClientError,
  ClientErrorCode,
  createSocket as createBrowserSocket,
  type NetworkSocket,
  StreamSocket,
  type StreamSocketOptions,
  type WebSocketOptions,
  webSocketTransport,
} from './index.ts';
import { nodeWebSocketCarrier } from './node/realtime.ts';
import { tcpTransport } from './node/tcp.ts';
import { DatagramSocket, type DatagramSocketOptions } from './node/udp.ts';
import {
  RealtimeSocket,
  type RealtimeSocketOptions,
  type Session,
  type SessionSource,
} from './realtime/index.ts';

export * from './index.ts';
export { gameMakerTcpCarrier, nodeGameMakerWebSocketCarrier, nodeWebSocketCarrier } from './node/realtime.ts';
export { tcpTransport } from './node/tcp.ts';
export { DatagramSocket, type DatagramSocketOptions } from './node/udp.ts';

/** Options of a TCP socket. */
export interface TcpSocketOptions extends StreamSocketOptions {
  /** Carrier. */
  type: 'tcp';
}

/** Options accepted by the Node {@link createSocket}. */
export type NodeSocketOptions = WebSocketOptions | TcpSocketOptions | DatagramSocketOptions;

/**
 * Creates a network socket (GameMaker's `network_create_socket`): `ws`/`wss` (via the `ws` package
 * unless `options.WebSocket` is given), `tcp`, or `udp`. Framed (GameMaker handshake and headers)
 * unless `raw: true`; UDP is always raw.
 */
export function createSocket(options: DatagramSocketOptions): DatagramSocket;
export function createSocket(options: WebSocketOptions | TcpSocketOptions): StreamSocket;
export function createSocket(options: NodeSocketOptions): NetworkSocket;
export function createSocket(options: NodeSocketOptions): NetworkSocket {
  switch (options.type) {
    case 'udp':
      return new DatagramSocket(options);
    case 'tcp':
      return new StreamSocket(options, tcpTransport);
    case 'ws':
    case 'wss': {
      if (options.WebSocket) return createBrowserSocket(options);
      const protocols = options.protocols;
      return new StreamSocket(
        options,
        webSocketTransport(
          (url, maxMessageSize) => new WebSocket(url, protocols, { maxPayload: maxMessageSize }),
        ),
      );
    }
    default:
      throw new ClientError(
        ClientErrorCode.INVALID_ARGUMENT,
        `unknown socket type ${String((options as { type: unknown }).type)}; use ws, wss, tcp or udp`,
      );
  }
}

/**
 * Creates a realtime socket, with `/ws` over the `ws` package by default; pass
 * `carrier: gameMakerTcpCarrier()` for GameMaker TCP. See the browser entry's `createRealtimeSocket`.
 */
export function createRealtimeSocket(
  client: SessionSource,
  session: Session,
  options: RealtimeSocketOptions = {},
): RealtimeSocket {
  return new RealtimeSocket(client, session, options.carrier ?? nodeWebSocketCarrier(), options);
}
