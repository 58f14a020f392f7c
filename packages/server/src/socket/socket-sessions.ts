/**
 * The life of a realtime session on any carrier: open it on an authenticated connection, feed its
 * messages to the pipeline, keep it alive, and clean up after it.
 *
 * @packageDocumentation
 */
import {
  CloseCode,
  CloseReason,
  decodeUtf8,
  encodeError,
  formatTimestamp,
  NotificationCode,
  type Notifications,
  RealtimeError,
  RealtimeErrorCode,
} from '@tether/protocol';
import type { Logger } from 'pino';
import type { Pipeline } from '../pipeline/pipeline.ts';
import { OutboundMessage } from '../presence/outbound.ts';
import { StreamMode, stream } from '../presence/stream.ts';
import type { Tracker } from '../presence/tracker.ts';
import type { SessionClosedListener, SessionEvents, SessionOpenedListener } from '../session/lifecycle.ts';
import type { SessionRegistry } from '../session/registry.ts';
import { Session, type SessionIdentity } from '../session/session.ts';
import { TurnBatcher } from '../session/turn-batcher.ts';
import { RevocationCause, type RevocationEvent } from '../session/verifier.ts';
import type { Clock } from '../shared/clock.ts';
import { newUuid } from '../shared/ids.ts';
import type { Connection } from '../transport/connection.ts';
import { ConnectionCarrier } from './connection-carrier.ts';
import { Heartbeat } from './heartbeat.ts';

/** Byte form of a session's carrier: `/ws` text frames, or one GameMaker packet per envelope. */
export type RealtimeCarrierKind = 'ws-text' | 'gm-packet';

/** How a session starts. */
export interface SessionOpenOptions {
  readonly kind: RealtimeCarrierKind;
  /** Appear online: track the session on its user's status stream with status `""`. */
  readonly appearOnline: boolean;
  /** Close the user's older sessions (each first gets a `single_socket` notification, code -7). */
  readonly singleSocket: boolean;
  /** Queued before anything else this session is sent (the `session` reply on GameMaker carriers). */
  readonly greeting?: (session: Session) => OutboundMessage;
  /** Messages that arrived before the session existed; handled in order once it is open. */
  readonly pending?: readonly string[];
}

/** Settings {@link SocketSessions} reads. */
export interface SocketSessionSettings {
  readonly socketMaxQueuedMessages: number;
  readonly socketMaxBufferedBytes: number;
  readonly socketPingPeriodMs: number;
  readonly socketPongWaitMs: number;
  readonly socketCloseOnTokenExpiry: boolean;
}

/** What a connection must offer for protocol-level liveness (WebSocket connections do). */
interface Pingable {
  ping(): boolean;
  onPong(handler: () => void): () => void;
}

function isPingable(connection: Connection): connection is Connection & Pingable {
  const c = connection as Partial<Pingable>;
  return typeof c.ping === 'function' && typeof c.onPong === 'function';
}

/** Largest delay `setTimeout` accepts; longer waits are re-armed. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Opens and closes realtime sessions. One instance serves every carrier, so a session behaves the
 * same on `/ws`, GameMaker TCP and `/gm`.
 *
 * On open: the session is registered, tracked hidden on its user's notification stream (mode 0),
 * follows its own user's status and, when asked, appears on the status stream (mode 1); with
 * `single_socket` the user's older sessions are told (notification -7) and closed with 4003.
 * Revocations close sessions too: 4002 for a logout, 4004 after a `banned` notification (-8). On
 * close, whoever closes: it leaves every stream (`untrackAll`), the registry and its follows, then
 * the `onClosed` listeners run.
 *
 * Liveness: see {@link Heartbeat}; a silent session is closed with 1001 "heartbeat timeout". Token
 * expiry: by default an open socket outlives its token (as on Nakama); with
 * `socketCloseOnTokenExpiry` it is closed at `exp` with 4001 "token expired".
 */
export class SocketSessions implements SessionEvents {
  readonly #settings: SocketSessionSettings;
  readonly #registry: SessionRegistry;
  readonly #tracker: Tracker;
  readonly #pipeline: Pipeline;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #connections = new Map<Session, Connection>();
  /** One scheduled flush per turn for all sessions, instead of one `setImmediate` per session. */
  readonly #batcher = new TurnBatcher();
  readonly #opened = new Set<SessionOpenedListener>();
  readonly #closed = new Set<SessionClosedListener>();

  constructor(deps: {
    settings: SocketSessionSettings;
    registry: SessionRegistry;
    tracker: Tracker;
    pipeline: Pipeline;
    clock: Clock;
    logger: Logger;
  }) {
    this.#settings = deps.settings;
    this.#registry = deps.registry;
    this.#tracker = deps.tracker;
    this.#pipeline = deps.pipeline;
    this.#clock = deps.clock;
    this.#log = deps.logger;
  }

  /** Sessions open now. */
  get size(): number {
    return this.#connections.size;
  }

  /** Turns an authenticated connection into a session. Attach nothing else to its messages. */
  open(connection: Connection, identity: SessionIdentity, options: SessionOpenOptions): Session {
    const timers: { heartbeat?: Heartbeat; expiry?: NodeJS.Timeout } = {};
    const session = new Session({
      id: newUuid(),
      identity,
      carrier: new ConnectionCarrier(connection, options.kind),
      limits: {
        maxQueuedMessages: this.#settings.socketMaxQueuedMessages,
        maxBufferedBytes: this.#settings.socketMaxBufferedBytes,
      },
      schedule: this.#batcher.defer,
      onClose: (s, code, reason) => {
        timers.heartbeat?.stop();
        clearTimeout(timers.expiry);
        this.#cleanUp(s, code, reason);
      },
    });
    this.#connections.set(session, connection);
    this.#registry.add(session);
    if (options.greeting) session.deliver(options.greeting(session));

    this.#tracker.track(session, stream(StreamMode.NOTIFICATIONS, identity.userId), {
      username: identity.username,
      hidden: true,
    });
    if (options.singleSocket) this.#closeOlderSessions(session);

    timers.heartbeat = this.#heartbeat(session, connection);
    if (this.#settings.socketCloseOnTokenExpiry) {
      timers.expiry = this.#expiryTimer(session, identity.expiresAt * 1000, (t) => {
        timers.expiry = t;
      });
    }
    const binaryRefused = options.kind === 'ws-text';
    connection.onMessage((data, kind) => {
      timers.heartbeat?.touch();
      if (kind === 'binary' && binaryRefused) this.#refuseBinary(session);
      else this.#pipeline.receive(session, decodeUtf8(data));
    });
    connection.onClose((info) => session.closedByPeer(info.code, info.reason));

    this.#log.debug(
      { sessionId: session.id, userId: identity.userId, connection: connection.id, kind: options.kind },
      'realtime session opened',
    );
    const info = { appearOnline: options.appearOnline };
    for (const listener of [...this.#opened]) this.#call(() => listener(session, info));
    for (const text of options.pending ?? []) this.#pipeline.receive(session, text);
    return session;
  }

  /** Subscribes to session opens; returns the unsubscribe function. */
  onOpened(listener: SessionOpenedListener): () => void {
    this.#opened.add(listener);
    return () => this.#opened.delete(listener);
  }

  /** Subscribes to session closes (per-session cleanup of a feature); returns the unsubscribe function. */
  onClosed(listener: SessionClosedListener): () => void {
    this.#closed.add(listener);
    return () => this.#closed.delete(listener);
  }

  /**
   * Closes the sessions a revocation covers: one session's sockets (`tokenId`), or every socket of
   * the user (`tokenId: null`). A logout closes them with 4002 and a reason; a ban first sends each a
   * `banned` notification (code -8, live only, as Nakama does), then closes it with 4004.
   */
  closeRevoked(event: RevocationEvent): number {
    const banned = event.cause === RevocationCause.BAN;
    // One message for every socket: encoded once however many the user has open.
    const notice = banned ? this.#notice('banned', NotificationCode.USER_BANNED) : undefined;
    let closed = 0;
    for (const session of this.#registry.byUser(event.userId)) {
      if (event.tokenId !== null && session.identity.tokenId !== event.tokenId) continue;
      if (notice) {
        session.deliver(notice);
        session.close(CloseCode.BANNED, CloseReason.BANNED);
      } else {
        const reason = event.tokenId === null ? CloseReason.LOGGED_OUT_EVERYWHERE : CloseReason.LOGGED_OUT;
        session.close(CloseCode.SESSION_REVOKED, reason);
      }
      closed++;
    }
    return closed;
  }

  /** Closes every session with `code`/`reason` and waits until their connections have ended. */
  async closeAll(code: number, reason: string): Promise<void> {
    const connections = [...this.#connections];
    for (const [session] of connections) session.close(code, reason);
    await Promise.all(connections.map(([, connection]) => connection.closed));
  }

  #heartbeat(session: Session, connection: Connection): Heartbeat {
    const pingable = isPingable(connection) ? connection : undefined;
    const heartbeat = new Heartbeat({
      pingPeriodMs: this.#settings.socketPingPeriodMs,
      idleTimeoutMs: this.#settings.socketPongWaitMs,
      ping: pingable && (() => void pingable.ping()),
      now: () => this.#clock.now(),
      onTimeout: () => {
        this.#log.debug({ sessionId: session.id }, 'realtime session silent too long');
        session.close(CloseCode.GOING_AWAY, CloseReason.HEARTBEAT_TIMEOUT);
      },
    });
    pingable?.onPong(() => heartbeat.touch());
    return heartbeat;
  }

  /** Arms the token-expiry close, re-arming for waits longer than a timer allows. */
  #expiryTimer(session: Session, expiresAtMs: number, rearmed: (t: NodeJS.Timeout) => void): NodeJS.Timeout {
    const wait = expiresAtMs - this.#clock.now();
    return setTimeout(
      () => {
        if (session.closed) return;
        if (expiresAtMs > this.#clock.now()) {
          rearmed(this.#expiryTimer(session, expiresAtMs, rearmed));
          return;
        }
        session.close(CloseCode.TOKEN_EXPIRED, CloseReason.TOKEN_EXPIRED);
      },
      Math.min(Math.max(0, wait), MAX_TIMER_MS),
    ).unref();
  }

  /**
   * A live-only system notification telling a socket why it is about to close: content `{}`, no
   * sender, not stored (Nakama's form). Built here so that the socket layer does not depend on the
   * notification feature.
   */
  #notice(subject: string, code: NotificationCode): OutboundMessage {
    const notice: Notifications = {
      notifications: [
        {
          id: newUuid(),
          subject,
          content: '{}',
          code,
          create_time: formatTimestamp(this.#clock.now()),
        },
      ],
    };
    return new OutboundMessage({ notifications: notice });
  }

  /** `single_socket`: the user's other sessions are told why, then closed. */
  #closeOlderSessions(session: Session): void {
    const message = this.#notice('single_socket', NotificationCode.SINGLE_SOCKET);
    for (const other of this.#registry.byUser(session.userId)) {
      if (other === session) continue;
      other.deliver(message);
      other.close(CloseCode.REPLACED, CloseReason.REPLACED);
    }
  }

  /** A binary frame on the JSON socket: say why in an error envelope, then close with 1003. */
  #refuseBinary(session: Session): void {
    const error = new RealtimeError(
      RealtimeErrorCode.UNRECOGNIZED_PAYLOAD,
      'Binary frames are not supported: send each envelope as a JSON text frame',
    );
    session.deliver(OutboundMessage.fromText(encodeError(undefined, error)));
    session.close(CloseCode.UNSUPPORTED_DATA, CloseReason.BINARY_FRAME);
  }

  #cleanUp(session: Session, code: number, reason: string): void {
    this.#connections.delete(session);
    this.#tracker.untrackAll(session.id);
    this.#registry.remove(session);
    this.#log.debug({ sessionId: session.id, closeCode: code, reason }, 'realtime session closed');
    for (const listener of [...this.#closed]) this.#call(() => listener(session, code, reason));
  }

  /** Runs a listener; one faulty feature must not stop the others' cleanup. */
  #call(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#log.error({ err }, 'realtime session listener threw');
    }
  }
}
