/**
 * The life of a realtime session on any carrier: open it on an authenticated connection, feed its
 * messages to the pipeline, keep it alive, and clean up after it.
 *
 * @packageDocumentation
 */
import { CloseCode, CloseReason, type SessionResumeFailure } from '@tether/protocol';
import type { Logger } from 'pino';
import { type CarrierMeter, NO_METERS, type SessionMeter } from '../observability/meters.ts';
import type { Pipeline } from '../pipeline/pipeline.ts';
import type { OutboundMessage } from '../presence/outbound.ts';
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
import { isPingable } from './heartbeat.ts';
import { HeartbeatWheel, type WheelHeartbeat } from './heartbeat-wheel.ts';
import { inboundHandler } from './inbound.ts';
import { type CheckedToken, RecentRevocations, type RevocationMark } from './recent-revocations.ts';
import {
  closeAtTokenExpiry,
  closeRevoked,
  replaceOlderSessions,
  replaceSessionsOlderThan,
} from './session-policies.ts';
import { type ResumeRequest, SessionResumer, type SessionResumeSettings } from './session-resume.ts';

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
  /** The client asked for a resumable session (Tether extension; docs/protocol.md). */
  readonly resumable?: boolean;
  /** The client asks for its session back (implies `resumable`). */
  readonly resume?: ResumeRequest;
  /**
   * The token check this session comes from: {@link SessionLifecycle.revocationMark} taken before it
   * read storage, and when the token's session started. A revocation applied since that covers the
   * token closes the session at once, as it would have had the session been open.
   */
  readonly checked?: { readonly mark: RevocationMark; readonly issuedAt: number };
}

/** Settings {@link SessionLifecycle} reads. */
export interface SessionLifecycleSettings extends SessionResumeSettings {
  readonly socketMaxQueuedMessages: number;
  readonly socketMaxBufferedBytes: number;
  readonly socketPingPeriodMs: number;
  readonly socketPongWaitMs: number;
  readonly socketCloseOnTokenExpiry: boolean;
}

/** A session's connection now, and what watches it (every field set here: one hidden class). */
class Link {
  connection: Connection | undefined = undefined;
  format: WireFormat;
  meter: CarrierMeter | undefined = undefined;
  heartbeat: WheelHeartbeat<Session> | undefined = undefined;
  cancelExpiry: (() => void) | undefined = undefined;
  /** Why the session was released, when it was (overflow), for the resume bookkeeping. */
  overflowed = false;

  constructor(format: WireFormat) {
    this.format = format;
  }
}

/** Reason of the close that ends a held session whose buffer overflowed. */
const RESUME_OVERFLOW_REASON = 'session resume buffer overflowed';

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
 * Liveness: see {@link HeartbeatWheel}; a silent session is closed with 1001 "heartbeat timeout". Token
 * expiry: by default an open socket outlives its token (as on Nakama); with
 * `socketCloseOnTokenExpiry` it is closed at `exp` with 4001 "token expired".
 *
 * Resume (Tether extension, `session-resume.ts`): a resumable session whose connection breaks (1006,
 * or heartbeat timeout) is detached and held for `sessionResumeGraceSec`, registered and on its
 * streams, with no leave; a resume replays what its client missed; the grace period's end or an
 * overflow cleans it up as any close does. Closes by the client or the server are never held.
 */
export class SessionLifecycle implements SessionEvents {
  readonly #settings: SessionLifecycleSettings;
  readonly #registry: SessionRegistry;
  readonly #tracker: Tracker;
  readonly #pipeline: Pipeline;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #meter: SessionMeter;
  readonly #links = new Map<Session, Link>();
  readonly #resumer: SessionResumer;
  /** Revocations applied lately, for sessions whose token check was in flight meanwhile. */
  readonly #revocations: RecentRevocations;
  /** One scheduled flush per turn for all sessions, instead of one `setImmediate` per session. */
  readonly #batcher = new TurnBatcher();
  /** Liveness of every connection, on one timer. */
  readonly #heartbeats: HeartbeatWheel<Session>;
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
    this.#resumer = new SessionResumer(deps.settings);
    this.#revocations = new RecentRevocations({ clock: deps.clock });
    this.#heartbeats = new HeartbeatWheel<Session>({
      pingPeriodMs: deps.settings.socketPingPeriodMs,
      idleTimeoutMs: deps.settings.socketPongWaitMs,
      now: () => this.#clock.now(),
      handlers: {
        ping: (session) => {
          const connection = this.#links.get(session)?.connection;
          if (connection && isPingable(connection)) connection.ping();
        },
        timedOut: (session) => this.#timedOut(session),
      },
    });
  }

  /** Sessions open now (held ones included). */
  get size(): number {
    return this.#links.size;
  }

  /** Sessions held without a connection, waiting for a resume. */
  get held(): number {
    return this.#resumer.held;
  }

  /** Resume tokens of this node's sessions (cluster mode releases sessions resumed elsewhere). */
  get resumes(): Pick<SessionResumer, 'onMissed' | 'release'> {
    return this.#resumer;
  }

  /**
   * Turns an authenticated connection into a session, or (with `options.resume`) gives the client its
   * held session back. Attach nothing else to its messages.
   */
  open(connection: Connection, identity: SessionIdentity, options: SessionOpenOptions): Session {
    const session = this.#open(connection, identity, options);
    if (options.checked && this.#revokedMeanwhile(session, options.checked)) return session;
    for (const text of options.pending ?? []) this.#pipeline.receive(session, text);
    return session;
  }

  /**
   * Taken by a token check before it reads storage, and handed back to {@link open} as
   * `options.checked.mark`.
   */
  revocationMark(): RevocationMark {
    return this.#revocations.mark();
  }

  /**
   * Closes `session` if a revocation applied after its token check began covers its token (the
   * revocation's "close every socket" step ran before the session existed): with the revocation's
   * own code and reason. When the record no longer reaches back that far, closes it with 1013 so the
   * client reconnects and is checked again. Returns whether it closed the session.
   */
  #revokedMeanwhile(session: Session, checked: { mark: RevocationMark; issuedAt: number }): boolean {
    if (session.closed) return true;
    const token: CheckedToken = {
      userId: session.userId,
      tokenId: session.identity.tokenId,
      issuedAt: checked.issuedAt,
    };
    const event = this.#revocations.revokedSince(checked.mark, token);
    if (event === undefined) return false;
    this.#log.info(
      { sessionId: session.id, userId: session.userId },
      'session revoked while its token was checked',
    );
    if (event === 'unknown') session.close(CloseCode.TRY_AGAIN_LATER, CloseReason.REVOCATION_UNKNOWN);
    else closeRevoked([session], event, this.#clock.now());
    return true;
  }

  #open(connection: Connection, identity: SessionIdentity, options: SessionOpenOptions): Session {
    let failure: SessionResumeFailure | undefined;
    if (options.resume) {
      const resumed = this.#resume(connection, identity, options, options.resume);
      if (resumed instanceof Session) return resumed;
      failure = resumed;
    }
    const link = new Link(options.format);
    const session = new Session({
      id: newUuid(),
      identity,
      carrier: this.#carrier(connection, link),
      limits: {
        maxQueuedMessages: this.#settings.socketMaxQueuedMessages,
        maxBufferedBytes: this.#settings.socketMaxBufferedBytes,
      },
      schedule: this.#batcher.defer,
      onClose: (s, code, reason) => {
        link.heartbeat?.stop();
        link.cancelExpiry?.();
        this.#cleanUp(s, code, reason);
      },
    });
    this.#links.set(session, link);
    this.#registry.add(session);
    const control: OutboundMessage[] = [];
    if (options.greeting) control.push(options.greeting(session));
    if (options.resumable || options.resume) {
      this.#resumer.register(session, (s) => {
        link.overflowed = true;
        s.close(CloseCode.ABNORMAL, RESUME_OVERFLOW_REASON);
      });
      control.push(
        this.#resumer.message(session, { resumed: false, ...(failure ? { reason: failure } : {}) }),
      );
    }
    if (control.length > 0) session.writeControl(control);

    this.#tracker.track(session, stream(StreamMode.NOTIFICATIONS, identity.userId), {
      username: identity.username,
      hidden: true,
    });
    if (options.singleSocket)
      replaceOlderSessions(session, this.#registry.byUser(session.userId), this.#clock.now());

    this.#watch(session, connection, link);
    this.#log.debug(
      { sessionId: session.id, userId: identity.userId, connection: connection.id, format: options.format },
      'realtime session opened',
    );
    const info = { appearOnline: options.appearOnline, singleSocket: options.singleSocket };
    for (const listener of [...this.#opened]) this.#call(() => listener(session, info));
    return session;
  }

  /**
   * The remote address of the live connection a resume with `request` by `userId` would take over
   * (the client noticed a break this server has not), or undefined: no such session, or it is held
   * without a connection. Changes nothing.
   */
  takeoverAddress(request: ResumeRequest, userId: string): string | undefined {
    const found = this.#resumer.peek(request.token, userId);
    if (!('session' in found)) return undefined;
    return this.#links.get(found.session)?.connection?.remoteAddress;
  }

  /** Puts a held session on `connection`; returns it, or why it could not (then a fresh one opens). */
  #resume(
    connection: Connection,
    identity: SessionIdentity,
    options: SessionOpenOptions,
    request: ResumeRequest,
  ): Session | SessionResumeFailure {
    if (!Number.isSafeInteger(request.seq) || request.seq < 0) return 'invalid';
    const found = this.#resumer.find(request.token, identity.userId);
    if ('failure' in found) return found.failure;
    const session = found.session;
    const link = this.#links.get(session);
    if (!link || session.closed) return 'expired';
    // The client noticed the break before this server did: the old connection is dead to it.
    if (link.connection) this.#detach(session, link, true);
    else {
      link.meter?.closed();
      link.meter = undefined;
    }
    // The new connection may be another carrier (GameMaker TCP ↔ `/ws`): the replay and everything
    // after it are encoded for the new connection's format (the kept messages are not bytes yet).
    link.format = options.format;
    const replayed = session.attach(
      this.#carrier(connection, link),
      request.seq,
      (n) => [
        ...(options.greeting ? [options.greeting(session)] : []),
        this.#resumer.message(session, { resumed: true, replayed: n }),
      ],
      identity,
    );
    if (replayed === undefined) {
      // What the client lacks is gone (or it claims more than it was sent): release the session.
      const overflow = request.seq < session.resumeStart;
      link.overflowed = overflow;
      session.close(CloseCode.ABNORMAL, overflow ? RESUME_OVERFLOW_REASON : 'session resume refused');
      return overflow ? 'overflow' : 'invalid';
    }
    this.#watch(session, connection, link);
    this.#log.debug(
      { sessionId: session.id, connection: connection.id, seq: request.seq, replayed },
      'realtime session resumed',
    );
    return session;
  }

  /**
   * The carrier of `connection` for `link`'s session (counted as an open connection of its kind;
   * protobuf `/ws` sessions are counted apart, as `ws-pb`).
   */
  #carrier(connection: Connection, link: Link): ConnectionCarrier {
    const meter = this.#meter.carrier(link.format === 'protobuf' ? 'ws-pb' : connection.carrier);
    meter.opened();
    link.connection = connection;
    link.meter = meter;
    return new ConnectionCarrier(connection, link.format, meter);
  }

  /** Heartbeat, token expiry, inbound messages and the end of `connection`, for `session`. */
  #watch(session: Session, connection: Connection, link: Link): void {
    const pingable = isPingable(connection);
    const heartbeat = this.#heartbeats.watch(session, pingable);
    link.heartbeat = heartbeat;
    if (pingable) connection.onPong(() => heartbeat.touch());
    link.cancelExpiry?.();
    if (this.#settings.socketCloseOnTokenExpiry) {
      link.cancelExpiry = closeAtTokenExpiry(session, session.identity.expiresAt * 1000, () =>
        this.#clock.now(),
      );
    }
    const bytesIn = link.meter!.bytesIn;
    connection.onMessage(
      inboundHandler({
        session,
        format: link.format,
        pipeline: this.#pipeline,
        draining: () => this.#draining,
        received: (bytes) => {
          link.heartbeat?.touch();
          bytesIn.inc(bytes);
        },
      }),
    );
    connection.onClose((info) => {
      if (link.connection !== connection) return;
      // Only a break is held: no close handshake (1006) from the peer's side.
      if (info.byPeer && info.code === CloseCode.ABNORMAL && this.#holdable(session)) {
        this.#detach(session, link, false);
        this.#hold(session, info.code, info.reason);
      } else session.closedByPeer(info.code, info.reason);
    });
  }

  #holdable(session: Session): boolean {
    return this.#resumer.enabled && session.resumable && !session.closed;
  }

  /** Takes the connection away from `session` (ending it if `end`); the session keeps what it is sent. */
  #detach(session: Session, link: Link, end: boolean): void {
    const connection = link.connection;
    link.heartbeat?.stop();
    link.heartbeat = undefined;
    link.connection = undefined;
    link.meter?.closed();
    link.meter = undefined;
    session.detach();
    if (end) connection?.terminate(CloseCode.ABNORMAL, 'session resumed on another connection');
  }

  /** Starts the grace period of a detached session; at its end the session closes as it would have. */
  #hold(session: Session, code: number, reason: string): void {
    this.#log.debug({ sessionId: session.id, closeCode: code, reason }, 'realtime session held for resume');
    // Counted as sessions of the pseudo-carrier `held` (tether_sessions{carrier="held"}).
    const link = this.#links.get(session);
    if (link) {
      link.meter = this.#meter.carrier('held');
      link.meter.opened();
    }
    this.#resumer.hold(session, () => session.close(code, reason));
  }

  /**
   * The carrier (`ws`, `gm-tcp`, `gm-ws`) of an open session, `held` while it waits for a resume;
   * undefined once it has closed.
   */
  carrierOf(session: Session): string | undefined {
    const link = this.#links.get(session);
    return link && (link.connection?.carrier ?? 'held');
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
   * Closes the sessions a revocation covers (see {@link closeRevoked}); returns how many. The
   * revocation is also recorded for a few seconds (`recent-revocations.ts`), so a session whose
   * token check was in flight meanwhile is closed the same way when it opens.
   */
  closeRevoked(event: RevocationEvent): number {
    this.#revocations.record(event);
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
    const links = [...this.#links];
    const closing = links.flatMap(([, link]) => (link.connection ? [link.connection.closed] : []));
    for (const [session] of links) session.close(code, reason);
    this.#resumer.close();
    await Promise.all(closing);
  }

  /** `session`'s connection sent nothing (not even a pong) for `socketPongWaitMs`. */
  #timedOut(session: Session): void {
    this.#log.debug({ sessionId: session.id }, 'realtime session silent too long');
    const link = this.#links.get(session);
    if (link?.connection && this.#holdable(session)) {
      this.#detach(session, link, true);
      this.#hold(session, CloseCode.GOING_AWAY, CloseReason.HEARTBEAT_TIMEOUT);
    } else session.close(CloseCode.GOING_AWAY, CloseReason.HEARTBEAT_TIMEOUT);
  }

  #cleanUp(session: Session, code: number, reason: string): void {
    const link = this.#links.get(session);
    link?.meter?.closed();
    this.#links.delete(session);
    if (session.resumable) this.#resumer.forget(session, link?.overflowed === true);
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
