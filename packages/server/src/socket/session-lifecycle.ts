/**
 * The life of a realtime session on any carrier: open it on an authenticated connection, feed its
 * messages to the pipeline, keep it alive, and clean up after it.
 *
 * @packageDocumentation
 */
import { CloseCode, CloseReason, type SessionResumeFailure } from '@tether/protocol';
import type { Logger } from 'pino';
import { NO_METERS, type SessionMeter } from '../observability/meters.ts';
import type { Pipeline } from '../pipeline/pipeline.ts';
import type { OutboundMessage } from '../presence/outbound.ts';
import { StreamMode, stream } from '../presence/stream.ts';
import type { Tracker } from '../presence/tracker.ts';
import type { SessionClosedListener, SessionEvents, SessionOpenedListener } from '../session/lifecycle.ts';
import type { SessionRegistry } from '../session/registry.ts';
import { Session, type SessionIdentity, type SessionLimits, type WireFormat } from '../session/session.ts';
import { TurnBatcher } from '../session/turn-batcher.ts';
import type { RevocationEvent } from '../session/verifier.ts';
import type { Clock } from '../shared/clock.ts';
import { newUuid } from '../shared/ids.ts';
import type { Connection } from '../transport/connection.ts';
import { isPingable } from './heartbeat.ts';
import { HeartbeatWheel } from './heartbeat-wheel.ts';
import { type InboundContext, inboundHandler } from './inbound.ts';
import { RecentRevocations, type RevocationMark } from './recent-revocations.ts';
import { SessionHandover } from './session-handover.ts';
import { SessionLink } from './session-link.ts';
import {
  closeAtTokenExpiry,
  closeIfRevokedSince,
  closeRevoked,
  replaceOlderSessions,
  replaceSessionsOlderThan,
} from './session-policies.ts';
import type { ResumeRequest, SessionResumer, SessionResumeSettings } from './session-resume.ts';

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
 * Resume (Tether extension; the hand-over is `session-handover.ts`, the tokens and grace timers
 * `session-resume.ts`): a resumable session whose connection breaks (1006, or heartbeat timeout) is
 * detached and held for `sessionResumeGraceSec`, registered and on its streams, with no leave; a
 * resume replays what its client missed; the grace period's end or an overflow cleans it up as any
 * close does. Closes by the client or the server are never held.
 */
export class SessionLifecycle implements SessionEvents {
  readonly #settings: SessionLifecycleSettings;
  readonly #registry: SessionRegistry;
  readonly #tracker: Tracker;
  readonly #pipeline: Pipeline;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #meter: SessionMeter;
  readonly #links = new Map<Session, SessionLink>();
  /** Detaches, holds and resumes the resumable sessions among the links. */
  readonly #handover: SessionHandover;
  /** Revocations applied lately, for sessions whose token check was in flight meanwhile. */
  readonly #revocations: RecentRevocations;
  /** One scheduled flush per turn for all sessions, instead of one `setImmediate` per session. */
  readonly #batcher = new TurnBatcher();
  /** Liveness of every connection, on one timer. */
  readonly #heartbeats: HeartbeatWheel<Session>;
  /** The queue limits of every session (one object for all). */
  readonly #limits: SessionLimits;
  /** What every session's inbound handler shares (see {@link inboundHandler}). */
  readonly #inbound: InboundContext;
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
    this.#handover = new SessionHandover({
      settings: deps.settings,
      links: this.#links,
      meter: this.#meter,
      logger: deps.logger,
      watch: (session, connection, link) => this.#watch(session, connection, link),
    });
    this.#revocations = new RecentRevocations({ clock: deps.clock });
    this.#limits = {
      maxQueuedMessages: deps.settings.socketMaxQueuedMessages,
      maxBufferedBytes: deps.settings.socketMaxBufferedBytes,
    };
    this.#inbound = {
      pipeline: deps.pipeline,
      draining: () => this.#draining,
    };
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
    return this.#handover.held;
  }

  /** Resume tokens of this node's sessions (cluster mode releases sessions resumed elsewhere). */
  get resumes(): Pick<SessionResumer, 'onMissed' | 'release'> {
    return this.#handover.resumes;
  }

  /**
   * Turns an authenticated connection into a session, or (with `options.resume`) gives the client its
   * held session back. Attach nothing else to its messages.
   */
  open(connection: Connection, identity: SessionIdentity, options: SessionOpenOptions): Session {
    const session = this.#open(connection, identity, options);
    if (
      options.checked &&
      closeIfRevokedSince(session, options.checked, {
        revocations: this.#revocations,
        now: () => this.#clock.now(),
        log: this.#log,
      })
    )
      return session;
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

  #open(connection: Connection, identity: SessionIdentity, options: SessionOpenOptions): Session {
    let failure: SessionResumeFailure | undefined;
    if (options.resume) {
      const resumed = this.#handover.resume(connection, identity, options, options.resume);
      if (resumed instanceof Session) return resumed;
      failure = resumed;
    }
    const link = new SessionLink(options.format);
    const session = new Session({
      id: newUuid(),
      identity,
      carrier: link.connect(connection, this.#meter),
      limits: this.#limits,
      batcher: this.#batcher,
      onClose: this.#onSessionClose,
    });
    this.#links.set(session, link);
    this.#registry.add(session);
    const control: OutboundMessage[] = [];
    if (options.greeting) control.push(options.greeting(session));
    if (options.resumable || options.resume) control.push(this.#handover.register(session, link, failure));
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
    return this.#handover.takeoverAddress(request, userId);
  }

  /** Heartbeat, token expiry, inbound messages and the end of `connection`, for `session`. */
  #watch(session: Session, connection: Connection, link: SessionLink): void {
    const pingable = isPingable(connection);
    const heartbeat = this.#heartbeats.watch(session, pingable);
    link.heartbeat = heartbeat;
    if (pingable) connection.onPong(heartbeat);
    link.cancelExpiry?.();
    if (this.#settings.socketCloseOnTokenExpiry) {
      link.cancelExpiry = closeAtTokenExpiry(session, session.identity.expiresAt * 1000, () =>
        this.#clock.now(),
      );
    }
    connection.onMessage(inboundHandler(session, link, this.#inbound));
    connection.onClose((info) => {
      if (link.connection !== connection) return;
      // Only a break is held: no close handshake (1006) from the peer's side.
      if (info.byPeer && info.code === CloseCode.ABNORMAL && this.#handover.holdable(session)) {
        this.#handover.detach(session, link, false);
        this.#handover.hold(session, info.code, info.reason);
      } else session.closedByPeer(info.code, info.reason);
    });
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
   * token check was in flight meanwhile is closed the same way when it opens
   * (see {@link closeIfRevokedSince}).
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
    this.#handover.close();
    await Promise.all(closing);
  }

  /** `session`'s connection sent nothing (not even a pong) for `socketPongWaitMs`. */
  #timedOut(session: Session): void {
    this.#log.debug({ sessionId: session.id }, 'realtime session silent too long');
    const link = this.#links.get(session);
    if (link?.connection && this.#handover.holdable(session)) {
      this.#handover.detach(session, link, true);
      this.#handover.hold(session, CloseCode.GOING_AWAY, CloseReason.HEARTBEAT_TIMEOUT);
    } else session.close(CloseCode.GOING_AWAY, CloseReason.HEARTBEAT_TIMEOUT);
  }

  /** Every session's `onClose` (one function for all: a closure per session kept its `#open` scope). */
  readonly #onSessionClose = (session: Session, code: number, reason: string): void => {
    const link = this.#links.get(session);
    link?.heartbeat?.stop();
    link?.cancelExpiry?.();
    this.#cleanUp(session, code, reason);
  };

  #cleanUp(session: Session, code: number, reason: string): void {
    const link = this.#links.get(session);
    link?.meter?.closed();
    this.#links.delete(session);
    this.#handover.forget(session, link);
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
