/**
 * `@tether/client`: browser-safe entry point.
 *
 * - GameMaker-style network sockets over WebSocket (`createSocket`), with an event queue the game loop
 *   polls once per frame.
 * - The realtime client: `TetherClient` (HTTP authentication, sessions) and `createRealtimeSocket`
 *   (Nakama's realtime protocol with request timeouts, a heartbeat, and reconnect + resume), whose
 *   events go into the same kind of queue.
 *
 * Nothing here imports from Node (`node:*`, `ws`), so bundlers can ship it to browsers. In Node 20,
 * which has no global `WebSocket`, import from `@tether/client/node` instead (it also adds TCP and UDP).
 *
 * @example
 * ```ts
 * const client = new TetherClient({ host: 'game.example.com', port: 443, useSSL: true });
 * const socket = createRealtimeSocket(client, await client.authenticateDevice(deviceId));
 * await socket.connect();
 * function frame() {
 *   for (const ev of socket.poll()) {
 *     if (ev.type === 'match_data') applyInput(ev.body.op_code, ev.body.data);
 *   }
 *   requestAnimationFrame(frame);
 * }
 * ```
 *
 * @packageDocumentation
 */

import { ClientError, ClientErrorCode } from './errors.ts';
import { webSocketCarrier } from './realtime/carrier.ts';
import type { RealtimeSocketOptions, SessionSource } from './realtime/options.ts';
import type { Session } from './realtime/session.ts';
import { RealtimeSocket } from './realtime/socket.ts';
import { StreamSocket, type StreamSocketOptions } from './socket.ts';
import { type WebSocketConstructor, webSocketTransport } from './websocket.ts';

// Re-exported so a game builds and reads packets with one import.
export { type BufferKind, type DataType, GmBuffer } from '@tether/protocol';
export {
  NetworkSocket,
  type Payload,
  payloadBytes,
  type QueueOptions,
  type SendRawOptions,
  type SocketState,
  type SocketType,
} from './base.ts';
export { ABNORMAL_CLOSURE, ClientError, ClientErrorCode, type SocketError } from './errors.ts';
export {
  type ConnectEvent,
  type DataEvent,
  DEFAULT_MAX_QUEUED_BYTES,
  DEFAULT_MAX_QUEUED_EVENTS,
  type DisconnectEvent,
  type ErrorEvent,
  type EventErrorCode,
  EventQueue,
  type EventQueueOptions,
  GmNetworkType,
  type NetworkEvent,
  type NetworkEventBase,
  NetworkEventType,
  type NonBlockingConnectEvent,
} from './events.ts';
export type { HeartbeatOptions } from './heartbeat.ts';
export * from './realtime/index.ts';
export { DEFAULT_CONNECT_TIMEOUT_MS, StreamSocket, type StreamSocketOptions } from './socket.ts';
export type {
  ConnectTarget,
  Transport,
  TransportFactory,
  TransportOptions,
  TransportSink,
} from './transport.ts';
export { type WebSocketConstructor, type WebSocketFactory, webSocketTransport } from './websocket.ts';

/** Options of the browser-safe {@link createSocket}. */
export interface WebSocketOptions extends StreamSocketOptions {
  /** `ws` or `wss` (TCP and UDP need `@tether/client/node`). */
  type: 'ws' | 'wss';
  /** WebSocket implementation; defaults to `globalThis.WebSocket`. */
  WebSocket?: WebSocketConstructor;
  /** WebSocket subprotocols to offer. */
  protocols?: string | string[];
}

/** The global `WebSocket`, looked up at call time so tests and polyfills can install one late. */
function globalWebSocket(): WebSocketConstructor | undefined {
  return (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
}

/**
 * Creates a WebSocket network socket (GameMaker's `network_create_socket(network_socket_ws)`).
 * Throws NO_WEBSOCKET when no implementation exists (Node 20 without `@tether/client/node`), and
 * UNSUPPORTED for `tcp` / `udp`, which browsers cannot open.
 */
export function createSocket(options: WebSocketOptions): StreamSocket {
  const type: string = options.type;
  if (type !== 'ws' && type !== 'wss') {
    throw new ClientError(
      ClientErrorCode.UNSUPPORTED,
      `${type} sockets need Node: import { createSocket } from '@tether/client/node'`,
    );
  }
  const WebSocketClass = options.WebSocket ?? globalWebSocket();
  if (!WebSocketClass) {
    throw new ClientError(
      ClientErrorCode.NO_WEBSOCKET,
      "no WebSocket implementation: Node 20 has none built in; import from '@tether/client/node' or pass { WebSocket }",
    );
  }
  const protocols = options.protocols;
  return new StreamSocket(
    options,
    webSocketTransport((url) => new WebSocketClass(url, protocols)),
  );
}

/**
 * Creates a realtime socket for `session` on the server `client` talks to. The default carrier is the
 * WebSocket `/ws` with `globalThis.WebSocket`; pass `carrier` for another (e.g.
 * `gameMakerWebSocketCarrier()`), or import from `@tether/client/node` in Node, where `ws` is the
 * default.
 *
 * @param client - a `TetherClient` (host, port, TLS, and `sessionRefresh` for reconnects)
 * @param session - from `client.authenticate*`
 * @param options - carrier, heartbeat, reconnect policy, queue bounds…
 */
export function createRealtimeSocket(
  client: SessionSource,
  session: Session,
  options: RealtimeSocketOptions = {},
): RealtimeSocket {
  return new RealtimeSocket(client, session, options.carrier ?? webSocketCarrier(), options);
}
