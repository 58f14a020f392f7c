/**
 * The resume hand-over (Tether extension, docs/protocol.md "Session resume"): a resumable session
 * whose connection broke is detached and held; a resume puts it on the new connection and replays
 * what its client missed. The tokens and grace timers are {@link SessionResumer}'s.
 *
 * @packageDocumentation
 */
import { CloseCode, type SessionResumeFailure } from '@tether/protocol';
import type { Logger } from 'pino';
import type { SessionMeter } from '../observability/meters.ts';
import type { OutboundMessage } from '../presence/outbound.ts';
import type { Session, SessionIdentity, WireFormat } from '../session/session.ts';
import type { Connection } from '../transport/connection.ts';
import type { SessionLink } from './session-link.ts';
import { type ResumeRequest, SessionResumer, type SessionResumeSettings } from './session-resume.ts';

/** Reason of the close that ends a held session whose buffer overflowed. */
const RESUME_OVERFLOW_REASON = 'session resume buffer overflowed';

/** The connection a resume comes on: how it is written, and what it is sent first. */
export interface HandoverTarget {
  /** How envelopes are written on the new connection. */
  readonly format: WireFormat;
  /** Queued before the `session_resume` answer (the `session` reply on GameMaker carriers). */
  readonly greeting?: (session: Session) => OutboundMessage;
}

/**
 * Detaches, holds and resumes the sessions of a `SessionLifecycle`'s links. It reads the
 * lifecycle's map of links (it never adds to it or removes from it) and hands a resumed session back
 * to the lifecycle's `watch`, so a resumed session is watched exactly as a new one.
 */
export class SessionHandover {
  readonly #resumer: SessionResumer;
  readonly #links: ReadonlyMap<Session, SessionLink>;
  readonly #meter: SessionMeter;
  readonly #log: Logger;
  readonly #watch: (session: Session, connection: Connection, link: SessionLink) => void;

  constructor(deps: {
    settings: SessionResumeSettings;
    /** The lifecycle's sessions and their links. */
    links: ReadonlyMap<Session, SessionLink>;
    /** Counts held sessions (carrier `held`) and the connections sessions resume on. */
    meter: SessionMeter;
    logger: Logger;
    /** Heartbeat, token expiry, inbound messages and the end of `connection`, for `session`. */
    watch: (session: Session, connection: Connection, link: SessionLink) => void;
  }) {
    this.#resumer = new SessionResumer(deps.settings);
    this.#links = deps.links;
    this.#meter = deps.meter;
    this.#log = deps.logger;
    this.#watch = deps.watch;
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
   * Makes a new session resumable and returns its `session_resume` answer (`resumed: false`, with
   * `failure` when the client asked for a session it could not get back).
   */
  register(session: Session, link: SessionLink, failure: SessionResumeFailure | undefined): OutboundMessage {
    this.#resumer.register(session, (s) => {
      link.overflowed = true;
      s.close(CloseCode.ABNORMAL, RESUME_OVERFLOW_REASON);
    });
    return this.#resumer.message(session, { resumed: false, ...(failure ? { reason: failure } : {}) });
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
  resume(
    connection: Connection,
    identity: SessionIdentity,
    target: HandoverTarget,
    request: ResumeRequest,
  ): Session | SessionResumeFailure {
    if (!Number.isSafeInteger(request.seq) || request.seq < 0) return 'invalid';
    const found = this.#resumer.find(request.token, identity.userId);
    if ('failure' in found) return found.failure;
    const session = found.session;
    const link = this.#links.get(session);
    if (!link || session.closed) return 'expired';
    // The client noticed the break before this server did: the old connection is dead to it.
    if (link.connection) this.detach(session, link, true);
    else {
      link.meter?.closed();
      link.meter = undefined;
    }
    // The new connection may be another carrier (GameMaker TCP ↔ `/ws`): the replay and everything
    // after it are encoded for the new connection's format (the kept messages are not bytes yet).
    link.format = target.format;
    const replayed = session.attach(
      link.connect(connection, this.#meter),
      request.seq,
      (n) => [
        ...(target.greeting ? [target.greeting(session)] : []),
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

  /** Whether `session`, whose connection broke, is held for a resume rather than closed. */
  holdable(session: Session): boolean {
    return this.#resumer.enabled && session.resumable && !session.closed;
  }

  /** Takes the connection away from `session` (ending it if `end`); the session keeps what it is sent. */
  detach(session: Session, link: SessionLink, end: boolean): void {
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
  hold(session: Session, code: number, reason: string): void {
    this.#log.debug({ sessionId: session.id, closeCode: code, reason }, 'realtime session held for resume');
    // Counted as sessions of the pseudo-carrier `held` (tether_sessions{carrier="held"}).
    const link = this.#links.get(session);
    if (link) {
      link.meter = this.#meter.carrier('held');
      link.meter.opened();
    }
    this.#resumer.hold(session, () => session.close(code, reason));
  }

  /** A session closed (its `link` taken out of the map already, if it had one): forget its token. */
  forget(session: Session, link: SessionLink | undefined): void {
    if (session.resumable) this.#resumer.forget(session, link?.overflowed === true);
  }

  /** Stops every grace timer (shutdown). */
  close(): void {
    this.#resumer.close();
  }
}
