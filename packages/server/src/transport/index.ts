/**
 * Transport layer: bytes and connections only. Nothing here knows about sessions, envelopes or
 * game logic; the session layer and the `network_*` layer are built on these pieces.
 *
 * @packageDocumentation
 */
export {
  BaseConnection,
  type Carrier,
  type CloseHandler,
  type CloseInfo,
  type Connection,
  type ConnectionOptions,
  DEFAULT_CLOSE_TIMEOUT_MS,
  DEFAULT_MAX_BUFFERED_BYTES,
  type Frame,
  type MessageHandler,
  type MessageKind,
  type WireKind,
} from './connection.ts';
export { type CodedError, isCodedError, TransportError, TransportErrorCode } from './errors.ts';
export { ConnectionGate, type GateOptions, MAX_PENDING_REFUSALS } from './gate.ts';
export {
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  DEFAULT_MAX_PACKETS_PER_SECOND,
  GmFramedConnection,
  type GmFramedOptions,
  gmCloseNotice,
} from './gm-framed.ts';
export { TokenBucket } from './rate-limit.ts';
export { type Listener, listenTcp, TcpConnection, type TcpListenOptions } from './tcp.ts';
export { bindUdp, type UdpBindOptions, type UdpEndpoint, type UdpRemote } from './udp.ts';
export { listenWs, WsAcceptor, type WsAcceptorOptions, WsConnection, type WsListenOptions } from './ws.ts';
