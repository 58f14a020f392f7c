/**
 * The life of a realtime session on any carrier: open it on an authenticated connection, feed its
 * messages to the pipeline, keep it alive, and clean up after it.
 *
 * @packageDocumentation
 */
import {
  CloseCode,
  CloseReason,
  decodeGmText,
  decodeUtf8,
  RealtimeError,
  RealtimeErrorCode,
} from '@tether/protocol';
import type { Logger } from 'pino';
import { NO_METERS, type SessionMeter } from '../observability/meters.ts';
import type { Pipeline } from '../pipeline/pipeline.ts';
import { OutboundMessage } from '../presence/outbound.ts';
import { StreamMode, stream } from '../presence/stream.ts';
import type { Tracker } from '../presence/tracker.ts';
import type { SessionClosedListener, SessionEvents, SessionOpenedListener } from '../session/lifecycle.ts';
import type { SessionRegistry } from '../session/registry.ts';
import { Session, type SessionIdentity, type WireFormat } from '../session/session.ts';
import { TurnBatcher } from '../session/turn-batcher.ts';
import type { RevocationEvent } from '../session/verifier.ts';
import type { Clock } from '../shared/clock.ts';
import { newUuid } from '../shared/ids.ts';
import type { Connection } from '../transport/connection.ts';
import { ConnectionCarrier } from './connection-carrier.ts';
import { Heartbeat } from './heartbeat.ts';
import {
  closeAtTokenExpiry,
  closeRevoked,
  replaceOlderSessions,
  replaceSessionsOlderThan,
} from './session-policies.ts';

/** Error messages sent before closing a socket that sent the wrong kind of frame. */
const BINARY_REFUSED = 'Binary frames are not supported: send each envelope as a JSON text frame';
const TEXT_REFUSED = 'Text frames are not supported: send each envelope as a protobuf binary frame';

/** How a session starts. */
export interface SessionOpenOptions {
  /** How envelopes are written on this session's connection. */
  readonly format: WireFormat;
  /** Appear online: track the session on its user's status stream with status `""`. */
  readonly appearOnline: boolean;
  /** Close the user's older sessions (each first gets a `single_socket` notification, code -7). */
  readonly singleSocket: boolean;
  /** Queued before anything else this session is sent (the `session` reply on GameMaker carriers). */
  readonly greeting?: (session: Session) => OutboundMessage;
  /** Messages that arrived before the session existed; handled in order once it is open. */
  readonly pending?: readonly string[];
}

/** Settings {@link SessionLifecycle} reads. */
export interface SessionLifecycleSettings {
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

/**
 * Opens and closes realtime sessions. One instance serves every carrier, so a session behaves the
 * same on `/ws`, GameMaker TCP and `/gm`.
 *
 * On open: the session is registered and tracked hidden on its user's notification stream (mode 0);
 * with `single_socket` the user's older sessions are replaced; then the `onOpened` listeners run
 * (status follows and appearing online are the status feature's). On close, whoever closes: it
 * leaves every stream (`untrackAll`) and the registry, then the `onClosed` listeners run. The
 * policies that close sessions from outside (revocation, `single_socket`, token expiry) are in
 * `session-policies.ts`.
 *
 * Liveness: see {@link Heartbeat}; a silent session is closed with 1001 "heartbeat timeout". Token
 * expiry: by default an open socket outlives its token (as on Nakama); with
 * `socketCloseOnTokenExpiry` it is closed at `exp` with 4001 "token expired".
 */
export class SessionLifecycle implements SessionEvents {
  readonly #settings: SessionLifecycleSettings;
  readonly #registry: SessionRegistry;
  readonly #tracker: Tracker;
  readonly #pipeline: Pipeline;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #meter: SessionMeter;
  readonly #connections = new Map<Session, Connection>();
  /** One scheduled flush per turn for all sessions, instead of one `setImmediate` per session. */
  readonly #batcher = new TurnBatcher();
  readonly #opened = new Set<SessionOpenedListener>();
  readonly #closed = new Set<SessionClosedListener>();
  /** Set by {@link drain}: messages that arrive from then on are not read. */
  #draining = false;

  constructor(deps: {
    settings: SessionLifecycleSettings;
    registry: SessionRegistry;
    tracker: Tracker;
    pipeline: Pipeline;
    clock: Clock;
    logger: Logger;
    /** Counts sessions, messages sent and bytes per carrier. */
    meter?: SessionMeter;
  }) {
    this.#settings = deps.settings;
    this.#registry = deps.registry;
    this.#tracker = deps.tracker;
    this.#pipeline = deps.pipeline;
    this.#clock = deps.clock;
    this.#log = deps.logger;
    this.#meter = deps.meter ?? NO_METERS.sessions;
  }

  /** Sessions open now. */
  get size(): number {
    return this.#connections.size;
  }

  /** Turns an authenticated connection into a session. Attach nothing else to its messages. */
  open(connection: Connection, identity: SessionIdentity, options: SessionOpenOptions): Session {
    const timers: { heartbeat?: Heartbeat; cancelExpiry?: () => void } = {};
    const meter = this.#meter.carrier(connection.carrier);
    const session = new Session({
      id: newUuid(),
      identity,
      carrier: new ConnectionCarrier(connection, options.format, meter),
      limits: {
        maxQueuedMessages: this.#settings.socketMaxQueuedMessages,
        maxBufferedBytes: this.#settings.socketMaxBufferedBytes,
      },
      schedule: this.#batcher.defer,
      onClose: (s, code, reason) => {
        timers.heartbeat?.stop();
        timers.cancelExpiry?.();
        this.#cleanUp(s, code, reason);
      },
    });
    this.#connections.set(session, connection);
    this.#registry.add(session);
    meter.opened();
    if (options.greeting) session.deliver(options.greeting(session));

    this.#tracker.track(session, stream(StreamMode.NOTIFICATIONS, identity.userId), {
      username: identity.username,
      hidden: true,
    });
    if (options.singleSocket)
      replaceOlderSessions(session, this.#registry.byUser(session.userId), this.#clock.now());

    timers.heartbeat = this.#heartbeat(session, connection);
    if (this.#settings.socketCloseOnTokenExpiry) {
      timers.cancelExpiry = closeAtTokenExpiry(session, identity.expiresAt * 1000, () => this.#clock.now());
    }
    const binaryRefused = options.format === 'json-text';
    const protobuf = options.format === 'protobuf';
    // `/ws` text frames were checked by the transport (1007 there); GameMaker packets are checked
    // here, allowing the CESU-8 surrogate pairs of the HTML5 runtime (docs/protocol.md).
    const decode = binaryRefused ? decodeUtf8 : decodeGmText;
    connection.onMessage((data, kind) => {
      // Shutting down: what arrives now is not handled (the 1001 close follows the drain).
      if (this.#draining) return;
      timers.heartbeat?.touch();
      meter.bytesIn.inc(data.byteLength);
      if (protobuf) {
        // Strings inside the Envelope are checked by the protobuf decoder (error 1, socket kept).
        if (kind === 'binary') this.#pipeline.receive(session, data);
        else this.#refuseFrame(session, TEXT_REFUSED, CloseReason.TEXT_FRAME);
        return;
      }
      if (kind === 'binary' && binaryRefused) {
        this.#refuseFrame(session, BINARY_REFUSED, CloseReason.BINARY_FRAME);
        return;
      }
      const text = decode(data);
      if (text === undefined) session.close(CloseCode.INVALID_PAYLOAD, CloseReason.INVALID_UTF8);
      else this.#pipeline.receive(session, text);
    });
    connection.onClose((info) => session.closedByPeer(info.code, info.reason));

    this.#log.debug(
      { sessionId: session.id, userId: identity.userId, connection: connection.id, format: options.format },
      'realtime session opened',
    );
    const info = { appearOnline: options.appearOnline, singleSocket: options.singleSocket };
    for (const listener of [...this.#opened]) this.#call(() => listener(session, info));
    for (const text of options.pending ?? []) this.#pipeline.receive(session, text);
    return session;
  }

  /** The carrier (`ws`, `gm-tcp`, `gm-ws`) of an open session; undefined once it has closed. */
  carrierOf(session: Session): string | undefined {
    return this.#connections.get(session)?.carrier;
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

  /** Closes the sessions a revocation covers (see {@link closeRevoked}); returns how many. */
  closeRevoked(event: RevocationEvent): number {
    return closeRevoked(this.#registry.byUser(event.userId), event, this.#clock.now());
  }

  /**
   * `single_socket` on another node of a cluster: the user opened session `newer` there at
   * `openedAtMs`; this node closes the user's sessions that are older (see
   * {@link replaceSessionsOlderThan}). Returns how many it closed.
   */
  replaceOlderThan(userId: string, newer: { id: string; connectedAt: number }): number {
    return replaceSessionsOlderThan(newer, this.#registry.byUser(userId), this.#clock.now());
  }

  /** Whether {@link drain} has begun (shutdown). */
  get draining(): boolean {
    return this.#draining;
  }

  /**
   * The first step of a graceful close: stops reading messages on every session, then waits until
   * the requests already read — handlers still running and messages queued behind them — have
   * finished and queued their replies, or until `graceMs` has passed. Sessions stay open (the
   * replies still go out); {@link closeAll} closes them next. Resolves to whether everything finished.
   */
  async drain(graceMs: number): Promise<boolean> {
    this.#draining = true;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), graceMs);
    });
    try {
      const finished = await Promise.race([this.#pipeline.idle().then(() => true as const), expired]);
      if (!finished)
        this.#log.warn({ graceMs }, 'shutdown: socket requests still running after the grace period');
      return finished;
    } finally {
      clearTimeout(timer);
    }
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

  /**
   * A frame of the wrong kind (binary on the JSON socket, text on the protobuf one): say why in an
   * error envelope (in the socket's format), then close with 1003 and `reason`.
   */
  #refuseFrame(session: Session, message: string, reason: string): void {
    const error = new RealtimeError(RealtimeErrorCode.UNRECOGNIZED_PAYLOAD, message);
    session.deliver(new OutboundMessage({ error: error.toWire() }, 'error'));
    session.close(CloseCode.UNSUPPORTED_DATA, reason);
  }

  #cleanUp(session: Session, code: number, reason: string): void {
    const connection = this.#connections.get(session);
    if (connection) this.#meter.carrier(connection.carrier).closed();
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
