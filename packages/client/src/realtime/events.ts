/**
 * Events of the realtime socket: the server's pushes (one event per push, typed by its envelope key)
 * and the connection's lifecycle. They go into the same bounded game-loop queue as the GameMaker-style
 * sockets' events (poll each frame, or "event received / mark as processed"), and to callbacks.
 *
 * @packageDocumentation
 */

import type {
  DecodedServerMessages,
  ServerMessageKey,
  SessionInfo,
  SessionResumeFailure,
} from '@tether/protocol';
import type { RealtimeFailure } from './errors.ts';
import type { ResumeFailure, ResumeItem } from './resume.ts';
import type { Session } from './session.ts';

/** Envelope keys that arrive as push events (the rest are replies or handled by the socket itself). */
export type PushKey = Exclude<ServerMessageKey, 'error' | 'session' | 'session_resume' | 'ping' | 'pong'>;

/**
 * A push from the server, e.g. `{ type: 'channel_message', body: {...} }`. `body` is the wire body,
 * except that `match_data` and `party_data` carry `op_code` as a number and `data` as bytes.
 */
export type PushEvent = {
  [K in PushKey]: { readonly type: K; readonly body: DecodedServerMessages[K] };
}[PushKey];

/** A push with a key this SDK version does not know (a newer server); nothing is dropped silently. */
export interface UnknownPushEvent {
  readonly type: 'unknown';
  /** The envelope key. */
  readonly key: string;
  readonly body: unknown;
}

/** The first connection is open (after `authenticate` on GameMaker carriers). */
export interface ConnectedEvent {
  readonly type: 'connected';
  /** Carrier name: `ws`, `gm-tcp`, `gm-ws`. */
  readonly carrier: string;
  /** The server's `session` reply (GameMaker carriers only; `/ws` has none). */
  readonly session: SessionInfo | undefined;
}

/**
 * An open connection ended. Every `disconnected` with `willReconnect: true` is followed by either
 * `reconnected` or a final `disconnected` with `willReconnect: false`.
 */
export interface DisconnectedEvent {
  readonly type: 'disconnected';
  /** Close code: the server's, or 1006 for a dead connection (heartbeat, network), see docs/client.md. */
  readonly code: number;
  /** Close reason or failure message. */
  readonly reason: string;
  /** True for an orderly close handshake. */
  readonly wasClean: boolean;
  /** True when the socket will try to reconnect and resume. */
  readonly willReconnect: boolean;
}

/** A reconnection attempt is scheduled. */
export interface ReconnectingEvent {
  readonly type: 'reconnecting';
  /** 1 for the first attempt after a disconnect. */
  readonly attempt: number;
  /** The configured bound on attempts. */
  readonly maxAttempts: number;
  /** Wait before this attempt, with jitter applied. */
  readonly delayMs: number;
}

/** Connected again, and the resume finished. */
export interface ReconnectedEvent {
  readonly type: 'reconnected';
  /** The attempt that succeeded. */
  readonly attempt: number;
  /** What was re-applied: status, follows, channels, matches, parties. */
  readonly resumed: readonly ResumeItem[];
  /** What could not be, with the reason (e.g. a match that ended: code 4 "Match not found"). */
  readonly failed: readonly ResumeFailure[];
  /**
   * True when the server gave the same session back (Tether's session resume): presences intact,
   * missed messages replayed, nothing re-applied (`resumed` and `failed` are empty).
   */
  readonly sessionResumed: boolean;
  /** Why the server did not give the session back (then the socket re-joined), when it said so. */
  readonly resumeFailure?: SessionResumeFailure;
}

/** The socket refreshed the session before reconnecting; store the new tokens. */
export interface SessionRefreshedEvent {
  readonly type: 'session_refreshed';
  readonly session: Session;
}

/** Codes of `error` events. */
export type RealtimeErrorEventCode =
  | RealtimeFailure
  /** An error envelope without a cid (e.g. `match_data_send` to a match you are not in). */
  | 'SERVER_ERROR'
  /** A frame the client could not decode (a server bug); it was skipped. */
  | 'MALFORMED_MESSAGE'
  /** The event queue was full: the socket closed and will not reconnect (poll every frame). */
  | 'QUEUE_OVERFLOW'
  /** Reconnection gave up after its last attempt. */
  | 'RECONNECT_FAILED';

/** Something went wrong. When `fatal`, a final `disconnected` (`willReconnect: false`) follows. */
export interface RealtimeErrorEvent {
  readonly type: 'error';
  readonly code: RealtimeErrorEventCode;
  /** A readable message, never empty. */
  readonly message: string;
  /** True when the socket stops for good because of this error. */
  readonly fatal: boolean;
  /** Nakama's realtime error code, for SERVER_ERROR. */
  readonly serverCode?: number;
  /** The server's error context, for SERVER_ERROR. */
  readonly context?: Readonly<Record<string, string>>;
}

/** Lifecycle events. */
export type LifecycleEvent =
  | ConnectedEvent
  | DisconnectedEvent
  | ReconnectingEvent
  | ReconnectedEvent
  | SessionRefreshedEvent
  | RealtimeErrorEvent;

/** Any event the realtime socket emits; switch on `type` to narrow. */
export type RealtimeEvent = LifecycleEvent | PushEvent | UnknownPushEvent;

/** Event type names. */
export type RealtimeEventType = RealtimeEvent['type'];

/** The event of one type. */
export type RealtimeEventOf<T extends RealtimeEventType> = Extract<RealtimeEvent, { type: T }>;

/**
 * Payload bytes an event holds, counted against the queue's `maxQueuedBytes`: the data of match, party
 * and stream data and the content of chat messages. Other events count as 0 bytes (the event-count
 * bound covers them).
 */
export function realtimeEventSize(event: RealtimeEvent): number {
  switch (event.type) {
    case 'match_data':
    case 'party_data':
      return event.body.data.length;
    case 'channel_message':
      return event.body.content?.length ?? 0;
    case 'stream_data':
      return event.body.data?.length ?? 0;
    default:
      return 0;
  }
}
