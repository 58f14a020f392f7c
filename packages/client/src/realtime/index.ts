/**
 * The realtime half of the SDK: HTTP authentication (`TetherClient`, `Session`) and the realtime
 * socket with reconnect and resume (`RealtimeSocket`), browser-safe.
 *
 * @packageDocumentation
 */

export { GrpcStatus, TetherApiError, type TetherApiErrorKind } from './api-error.ts';
export {
  type CarrierClose,
  type CarrierConnectRequest,
  type CarrierLink,
  type CarrierSink,
  type RealtimeCarrier,
  type WebSocketCarrierOptions,
  webSocketCarrier,
} from './carrier.ts';
export { type EnvelopeCodec, JSON_CODEC } from './codec.ts';
export { RealtimeConnection } from './connection.ts';
export { RealtimeFailure, RealtimeRequestError, RealtimeSocketError } from './errors.ts';
export type { RealtimeListener, RealtimeQueueOptions } from './event-hub.ts';
export type {
  ConnectedEvent,
  DisconnectedEvent,
  LifecycleEvent,
  PushEvent,
  PushKey,
  RealtimeErrorEvent,
  RealtimeErrorEventCode,
  RealtimeEvent,
  RealtimeEventOf,
  RealtimeEventType,
  ReconnectedEvent,
  ReconnectingEvent,
  SessionRefreshedEvent,
  UnknownPushEvent,
} from './events.ts';
export { type GameMakerCarrierOptions, gameMakerCarrier, gameMakerWebSocketCarrier } from './gm-carrier.ts';
export {
  type Account,
  type AuthenticateOptions,
  DEFAULT_HTTP_TIMEOUT_MS,
  type FetchLike,
  TetherClient,
  type TetherClientOptions,
} from './http-client.ts';
export {
  DEFAULT_REALTIME_HEARTBEAT,
  type RealtimeHeartbeat,
  type RealtimeSocketOptions,
  type RealtimeState,
  type RequestOptions,
  type SessionSource,
} from './options.ts';
export {
  backoffDelay,
  DEFAULT_RECONNECT,
  isRetryableClose,
  RealtimeCloseCode,
  type ReconnectOptions,
} from './reconnect.ts';
export type { ResumeFailure, ResumeItem } from './resume.ts';
export { decodeSessionClaims, Session, type SessionClaims } from './session.ts';
export { type MatchmakerOptions, type RealtimeData, RealtimeSocket } from './socket.ts';
