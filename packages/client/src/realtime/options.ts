/**
 * Options of the realtime socket, their defaults and validation.
 *
 * @packageDocumentation
 */

import { ClientError, ClientErrorCode } from '../errors.ts';
import type { RealtimeCarrier } from './carrier.ts';
import type { RealtimeQueueOptions } from './event-hub.ts';
import { type ReconnectOptions, reconnectOptions } from './reconnect.ts';
import type { Session } from './session.ts';

/** Where to connect and how to refresh the session: a `TetherClient`. */
export interface SessionSource {
  /** Server host. */
  readonly host: string;
  /** HTTP / `/ws` port. */
  readonly port: number;
  /** TLS (`wss://`). */
  readonly useSSL: boolean;
  /** Exchanges the refresh token for a new session (rejects with a 401 `TetherApiError` when refused). */
  sessionRefresh(session: Session): Promise<Session>;
}

/** Lifecycle state; see the diagram in the module comment. */
export type RealtimeState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'resuming' | 'closed';

/** Per-request options. */
export interface RequestOptions {
  /** Overrides the socket's `requestTimeoutMs`. */
  timeoutMs?: number;
}

/** Application-level heartbeat: a `ping` envelope every `intervalMs`, dead if no `pong` in `timeoutMs`. */
export interface RealtimeHeartbeat {
  /** Time between the last pong and the next ping, ms (default 5000). */
  intervalMs: number;
  /** Time to wait for the pong before the connection counts as dead, ms (default 5000). */
  timeoutMs: number;
}

/** Options of a realtime socket. */
export interface RealtimeSocketOptions extends RealtimeQueueOptions {
  /** How envelopes travel (default: WebSocket `/ws`). */
  carrier?: RealtimeCarrier;
  /** Host to connect to, if not the client's (e.g. a proxy). */
  host?: string;
  /** Port to connect to, if not the client's. */
  port?: number;
  /** TLS, if not the client's setting. */
  useSSL?: boolean;
  /** Appear online on connect (`status=true`; default false). */
  appearOnline?: boolean;
  /** Language tag of the session. */
  lang?: string;
  /** Close the user's other sockets on connect (`single_socket`; default false). */
  singleSocket?: boolean;
  /**
   * Tether's server-side session resume (default true): ask for a resumable session, and after a
   * broken connection get the same session back, presences intact and missed messages replayed,
   * before falling back to re-joining. Turn it off against a server without the extension (Nakama):
   * the socket waits for the server's `session_resume` after connecting.
   */
  serverResume?: boolean;
  /** Default per-request timeout, ms (default 10 000). */
  requestTimeoutMs?: number;
  /** Give up one connection attempt (including authentication) after this long, ms (default 10 000). */
  connectTimeoutMs?: number;
  /** Heartbeat, or false to disable it (default `{ intervalMs: 5000, timeoutMs: 5000 }`). */
  heartbeat?: RealtimeHeartbeat | false;
  /** Reconnection policy, or false to disable reconnection. */
  reconnect?: Partial<ReconnectOptions> | false;
  /**
   * Requests issued while (re)connecting: `queue` (default) holds them, bounded by
   * `maxQueuedRequests` and each by its own timeout, and sends them once the resume finished; `fail`
   * rejects them at once with NOT_CONNECTED.
   */
  whileDisconnected?: 'queue' | 'fail';
  /** Bound of the request queue (default 64); when full, new requests fail with QUEUE_FULL. */
  maxQueuedRequests?: number;
  /** Largest outgoing envelope in UTF-8 bytes (default 65 536, the server's default limit). */
  maxMessageBytes?: number;
  /** Largest incoming message in bytes, where the carrier can enforce it (default 4 MiB). */
  maxIncomingBytes?: number;
  /** Random source for the reconnect jitter (default `Math.random`). */
  random?: () => number;
}

/** Every option resolved. */
export interface ResolvedOptions {
  readonly appearOnline: boolean;
  readonly lang: string | undefined;
  readonly singleSocket: boolean;
  readonly serverResume: boolean;
  readonly requestTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly heartbeat: RealtimeHeartbeat | false;
  readonly reconnect: ReconnectOptions;
  readonly whileDisconnected: 'queue' | 'fail';
  readonly maxQueuedRequests: number;
  readonly maxMessageBytes: number;
  readonly maxIncomingBytes: number;
  readonly random: () => number;
}

/** Default {@link RealtimeSocketOptions.heartbeat}. */
export const DEFAULT_REALTIME_HEARTBEAT: Readonly<RealtimeHeartbeat> = Object.freeze({
  intervalMs: 5000,
  timeoutMs: 5000,
});

function positive(value: number, name: string): number {
  if (!(Number.isFinite(value) && value > 0)) {
    throw new ClientError(ClientErrorCode.INVALID_ARGUMENT, `${name} must be > 0, got ${value}`);
  }
  return value;
}

/** Applies defaults; throws ClientError INVALID_ARGUMENT for values that cannot work. */
export function resolveOptions(options: RealtimeSocketOptions): ResolvedOptions {
  const heartbeat = options.heartbeat === undefined ? DEFAULT_REALTIME_HEARTBEAT : options.heartbeat;
  if (heartbeat) {
    positive(heartbeat.intervalMs, 'heartbeat.intervalMs');
    positive(heartbeat.timeoutMs, 'heartbeat.timeoutMs');
  }
  const maxQueuedRequests = options.maxQueuedRequests ?? 64;
  if (!Number.isInteger(maxQueuedRequests) || maxQueuedRequests < 0) {
    throw new ClientError(ClientErrorCode.INVALID_ARGUMENT, 'maxQueuedRequests must be an integer >= 0');
  }
  return {
    appearOnline: options.appearOnline ?? false,
    lang: options.lang,
    singleSocket: options.singleSocket ?? false,
    serverResume: options.serverResume ?? true,
    requestTimeoutMs: positive(options.requestTimeoutMs ?? 10_000, 'requestTimeoutMs'),
    connectTimeoutMs: positive(options.connectTimeoutMs ?? 10_000, 'connectTimeoutMs'),
    heartbeat,
    reconnect: reconnectOptions(options.reconnect),
    whileDisconnected: options.whileDisconnected ?? 'queue',
    maxQueuedRequests,
    maxMessageBytes: positive(options.maxMessageBytes ?? 64 * 1024, 'maxMessageBytes'),
    maxIncomingBytes: positive(options.maxIncomingBytes ?? 4 * 1024 * 1024, 'maxIncomingBytes'),
    random: options.random ?? Math.random,
  };
}
