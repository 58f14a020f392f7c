/**
 * The realtime connection's state machine: connect, the heartbeat, and reconnection with session
 * refresh and resume. Requests and replies are the {@link Dispatcher}'s.
 *
 * ```
 * idle ─connect()─► connecting ─opened─► open ─closed, retryable─► reconnecting ─opened─► resuming ─► open
 *                       │                  │                          │ ▲ attempt failed (backoff)
 *                       └─failed──► closed ◄┴─not retryable, disconnect(), gave up ◄┘
 * ```
 *
 * @packageDocumentation
 */

import type {
  ClientMessages,
  ClientReplies,
  FireAndForgetMessageKey,
  RequestMessageKey,
  SessionInfo,
  SessionResume,
} from '@tether/protocol';
import { ClientError, ClientErrorCode } from '../errors.ts';
import { validateWebSocketClose } from '../target.ts';
import { AttemptTimers } from './attempt-timers.ts';
import { ABNORMAL, type CarrierClose, type CarrierLink, type RealtimeCarrier } from './carrier.ts';
import { Dispatcher, sendModeFor } from './dispatcher.ts';
import { RealtimeFailure, RealtimeSocketError } from './errors.ts';
import { EventHub } from './event-hub.ts';
import type { RealtimeErrorEvent, RealtimeErrorEventCode } from './events.ts';
import { Heartbeat } from './heartbeat.ts';
import {
  type RealtimeSocketOptions,
  type RealtimeState,
  type RequestOptions,
  type ResolvedOptions,
  resolveOptions,
  type SessionSource,
} from './options.ts';
import { backoffDelay, isRetryableClose, judgeFailedAttempt, RealtimeCloseCode } from './reconnect.ts';
import { ResumeTracker } from './resume.ts';
import { ServerResumeState } from './server-resume.ts';
import type { Session } from './session.ts';
import { SessionKeeper } from './session-keeper.ts';

/** Resume requests belong to one connection: never queued, never resent. */
const INTERNAL = true;

/** The engine under `RealtimeSocket`; use that class. */
export class RealtimeConnection extends EventHub {
  /** The carrier (`ws`, `gm-tcp`, `gm-ws`). */
  readonly carrier: RealtimeCarrier;
  readonly #target: { host: string; port: number; useSSL: boolean };
  readonly #options: ResolvedOptions;
  readonly #dispatcher: Dispatcher;
  readonly #tracker = new ResumeTracker();
  readonly #heartbeat: Heartbeat;
  readonly #keeper: SessionKeeper;
  #state: RealtimeState = 'idle';
  #link: CarrierLink | undefined;
  /** Bumped for every connection attempt and teardown; callbacks of older attempts are ignored. */
  #generation = 0;
  #attempt = 0;
  #everOpened = false;
  #sessionInfo: SessionInfo | undefined;
  readonly #serverResume = new ServerResumeState();
  /** Opened, waiting for the server's `session_resume` before going on. */
  #awaitingResume: { generation: number; info: SessionInfo | undefined } | undefined;
  readonly #timers = new AttemptTimers();
  #connectWaiter: { resolve: () => void; reject: (error: Error) => void } | undefined;

  /**
   * @param source - host/port and `sessionRefresh` (a `TetherClient`)
   * @param session - the session to connect with (replaced after refreshes: see {@link session})
   * @param carrier - how envelopes travel
   * @param options - socket options (validated: bad values throw ClientError INVALID_ARGUMENT)
   */
  constructor(
    source: SessionSource,
    session: Session,
    carrier: RealtimeCarrier,
    options: RealtimeSocketOptions,
  ) {
    super(options);
    this.carrier = carrier;
    this.#options = resolveOptions(options);
    this.#keeper = new SessionKeeper(source, session, this.#options.reconnect.refreshBeforeExpiryMs);
    this.#target = {
      host: options.host ?? source.host,
      port: options.port ?? source.port,
      useSSL: options.useSSL ?? source.useSSL,
    };
    this.#dispatcher = new Dispatcher(
      {
        sendMode: (internal) => sendModeFor(this.#state, internal, this.#options.whileDisconnected),
        write: (frame) => {
          if (!this.#link) throw new Error('no connection');
          this.#link.send(frame);
        },
        replied: (type, body, reply) => this.#tracker.onReply(type, body as Record<string, unknown>, reply),
        pushed: (event) => {
          if (event.type !== 'unknown') this.#tracker.onPush(event);
          // The overflow policy: a full queue closes the socket for good.
          if (!this.emit(event)) this.#overflow();
        },
        problem: (code, message, serverCode, context) =>
          this.#error(code, message, false, serverCode, context),
      },
      carrier.codec ? { ...this.#options, codec: carrier.codec } : this.#options,
    );
    this.#heartbeat = new Heartbeat(this.#options.heartbeat, this.#dispatcher, (reason) => {
      const generation = this.#generation;
      this.#link?.abort();
      this.#onClosed(generation, { code: ABNORMAL, reason, wasClean: false });
    });
  }

  /**
   * Whether this connection asks for Tether's server-side resume (the option; every carrier and
   * format has it).
   */
  get #serverResumeOn(): boolean {
    return this.#options.serverResume;
  }

  /** Current state. */
  get state(): RealtimeState {
    return this.#state;
  }

  /** The current session; after a refresh before reconnecting, the refreshed one. */
  get session(): Session {
    return this.#keeper.session;
  }

  /** The server's `session` reply on GameMaker carriers (session id, user id, username). */
  get sessionInfo(): SessionInfo | undefined {
    return this.#sessionInfo;
  }

  /** Requests waiting for a reply, plus requests queued for the connection. */
  get pendingRequests(): number {
    return this.#dispatcher.size;
  }

  /** True while open (and resumed): requests go out at once. */
  isConnected(): boolean {
    return this.#state === 'open';
  }

  /**
   * Opens the connection. Resolves once it is open; rejects with a {@link RealtimeSocketError}
   * (CONNECT_FAILED or SESSION_EXPIRED) if it cannot be, after queueing `error` + `disconnected`.
   * The first connection is one attempt (plus one retry with a refreshed token if the token was
   * refused): failing fast lets the game say "cannot reach the server" at once. Reconnection starts
   * once a connection was open.
   */
  connect(): Promise<void> {
    if (this.#state !== 'idle' && this.#state !== 'closed') {
      throw new ClientError(ClientErrorCode.INVALID_STATE, `connect() while ${this.#state}`);
    }
    this.#state = 'connecting';
    this.#everOpened = false;
    this.#attempt = 0;
    this.#sessionInfo = undefined;
    return new Promise<void>((resolve, reject) => {
      this.#connectWaiter = { resolve, reject };
      void this.#open();
    });
  }

  /**
   * Closes the socket for good: no reconnection, every pending and queued request rejects with
   * DISCONNECTED, the resume state is forgotten, and `disconnected` (`willReconnect: false`) is queued
   * at once. The socket may `connect()` again later, as a fresh start.
   *
   * @param code - 1000 or 3000–4999
   * @param reason - at most 123 UTF-8 bytes
   */
  disconnect(code = 1000, reason = ''): void {
    validateWebSocketClose(code, reason);
    if (this.#state === 'idle' || this.#state === 'closed') return;
    const link = this.#link;
    const why = `disconnect() was called${reason ? `: ${reason}` : ''}`;
    const details = { closeCode: code, closeReason: reason };
    this.#terminate(() => new RealtimeSocketError(RealtimeFailure.DISCONNECTED, why, details));
    this.#settleConnect(new RealtimeSocketError(RealtimeFailure.CONNECT_FAILED, `connect aborted: ${why}`));
    this.emit({ type: 'disconnected', code, reason, wasClean: true, willReconnect: false }, true);
    link?.close(code, reason);
  }

  /**
   * Sends a request and resolves with the reply's body (`undefined` for replies without one). Rejects
   * with {@link RealtimeRequestError} when the server answers with an error, or
   * {@link RealtimeSocketError}: TIMEOUT, DISCONNECTED (the connection closed while it was in flight),
   * NOT_CONNECTED, QUEUE_FULL, MESSAGE_TOO_LARGE. Reaches every message of the protocol; the typed
   * methods of `RealtimeSocket` are built on it.
   */
  request<K extends RequestMessageKey>(
    type: K,
    body: ClientMessages[K],
    options: RequestOptions = {},
  ): Promise<ClientReplies[K]> {
    const timeoutMs = options.timeoutMs ?? this.#options.requestTimeoutMs;
    return this.#dispatcher.request(type, body, timeoutMs, false) as Promise<ClientReplies[K]>;
  }

  /**
   * Sends a message that has no reply (`match_data_send`, `party_data_send`). Returns false, sending
   * nothing, when not open: realtime data is never queued, since it would be stale once delivered.
   * Throws {@link RealtimeSocketError} MESSAGE_TOO_LARGE rather than letting the server close the socket.
   */
  send<K extends FireAndForgetMessageKey>(type: K, body: ClientMessages[K]): boolean {
    const text = this.#dispatcher.encode(undefined, type, body);
    if (this.#state !== 'open' || !this.#link) return false;
    try {
      this.#link.send(text);
      return true;
    } catch {
      return false;
    }
  }

  #error(
    code: RealtimeErrorEventCode,
    message: string,
    fatal: boolean,
    serverCode?: number,
    context?: Readonly<Record<string, string>>,
  ): void {
    const event: RealtimeErrorEvent =
      serverCode === undefined
        ? { type: 'error', code, message, fatal }
        : { type: 'error', code, message, fatal, serverCode, context };
    this.emit(event, true);
  }

  #overflow(): void {
    const queue = this.queue;
    const message =
      `event queue overflow: ${queue.length} events / ${queue.bytes} bytes were waiting ` +
      `(limits ${queue.maxEvents} / ${queue.maxBytes}); call poll() every frame, or pass queueEvents: false`;
    this.#giveUp('QUEUE_OVERFLOW', message, RealtimeCloseCode.POLICY_VIOLATION);
  }

  // --- connecting --------------------------------------------------------------------------------------

  /** One connection attempt: refresh the session if needed, then open the carrier. */
  async #open(): Promise<void> {
    const generation = ++this.#generation;
    if (this.#keeper.beginAttempt(Date.now()) && !(await this.#refresh(generation))) return;
    if (generation !== this.#generation) return;
    const { appearOnline, lang, singleSocket, maxIncomingBytes, connectTimeoutMs } = this.#options;
    const token = this.#keeper.session.token;
    const resumable = this.#serverResumeOn;
    const resume = resumable && this.#everOpened ? this.#serverResume.request() : undefined;
    const request = {
      ...this.#target,
      token,
      appearOnline,
      lang,
      singleSocket,
      maxIncomingBytes,
      resumable,
      resume,
    };
    this.#timers.startConnect(connectTimeoutMs, () => {
      this.#link?.abort();
      const where = `${this.carrier.name} ${this.#target.host}:${this.#target.port}`;
      const reason = `connect to ${where} timed out after ${connectTimeoutMs} ms`;
      this.#onClosed(generation, { code: ABNORMAL, reason, wasClean: false });
    });
    try {
      this.#link = this.carrier.open(request, {
        opened: (info) => this.#onOpened(generation, info),
        message: (frame) => {
          if (generation !== this.#generation) return;
          if (this.#serverResume.isControl(frame)) this.#onSessionResume(generation, frame);
          else this.#dispatcher.receive(frame);
        },
        closed: (close) => this.#onClosed(generation, close),
      });
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      this.#onClosed(generation, { code: ABNORMAL, reason, wasClean: false });
    }
  }

  /** Refreshes the session; false when the attempt must not go on (the failure is handled). */
  async #refresh(generation: number): Promise<boolean> {
    const outcome = await this.#keeper.refresh();
    if (generation !== this.#generation) return false;
    if (outcome.ok) {
      this.#keeper.adopt(outcome.session);
      this.emit({ type: 'session_refreshed', session: outcome.session }, true);
      return true;
    }
    if (outcome.refused) {
      const message = `session refresh refused (401: ${outcome.detail}); log in again`;
      this.#giveUp('SESSION_EXPIRED', message, RealtimeCloseCode.TOKEN_EXPIRED);
      return false;
    }
    // A network or server failure of the refresh is one failed attempt, retried with backoff.
    this.#onClosed(generation, {
      code: ABNORMAL,
      reason: `session refresh failed: ${outcome.detail}`,
      wasClean: false,
    });
    return false;
  }

  #onOpened(generation: number, info: SessionInfo | undefined): void {
    if (generation !== this.#generation) return;
    // A resumable connection is ready once the server said which session it is (connect timeout on).
    if (this.#serverResumeOn) this.#awaitingResume = { generation, info };
    else this.#ready(generation, info, undefined);
  }

  /** `session_resume`: remember the token; a resumed session needs nothing re-applied. */
  #onSessionResume(generation: number, frame: string | Uint8Array): void {
    const waiting = this.#awaitingResume;
    if (!waiting || waiting.generation !== generation) return;
    this.#awaitingResume = undefined;
    this.#ready(generation, waiting.info, this.#serverResume.accept(frame, this.carrier.codec));
  }

  #ready(generation: number, info: SessionInfo | undefined, resume: SessionResume | undefined): void {
    this.#timers.clear('connect');
    this.#sessionInfo = info;
    this.#heartbeat.start();
    if (!this.#everOpened) {
      this.#everOpened = true;
      this.#state = 'open';
      this.emit({ type: 'connected', carrier: this.carrier.name, session: info }, true);
      this.#settleConnect();
      this.#dispatcher.flush();
      return;
    }
    const attempt = this.#attempt;
    if (resume?.resumed === true) {
      // The server kept the session: presences are intact and what was missed is being replayed.
      this.#state = 'open';
      this.#attempt = 0;
      this.#dispatcher.flush();
      this.emit({ type: 'reconnected', attempt, resumed: [], failed: [], sessionResumed: true }, true);
      return;
    }
    this.#state = 'resuming';
    const rejoin = (type: string, body: Record<string, unknown>) =>
      this.#dispatcher.request(type, body, this.#options.requestTimeoutMs, INTERNAL);
    const resumeFailure = resume?.reason;
    void this.#tracker.resume(rejoin).then(({ resumed, failed }) => {
      if (generation !== this.#generation || this.#state !== 'resuming') return;
      this.#state = 'open';
      this.#attempt = 0;
      // Queued requests go after the resume, so e.g. a chat message follows the channel's re-join.
      this.#dispatcher.flush();
      this.emit(
        {
          type: 'reconnected',
          attempt,
          resumed,
          failed,
          sessionResumed: false,
          ...(resumeFailure ? { resumeFailure } : {}),
        },
        true,
      );
    });
  }

  /** Handles the end of a connection or of a failed attempt (once per generation). */
  #onClosed(generation: number, close: CarrierClose): void {
    if (generation !== this.#generation) return;
    this.#generation++;
    this.#link = undefined;
    this.#awaitingResume = undefined;
    this.#timers.clear('connect');
    this.#heartbeat.stop();
    const { code, reason } = close;
    const details = { closeCode: code, closeReason: reason };
    const message = `connection closed (${code} ${reason}) before the reply`;
    this.#dispatcher.rejectInFlight(
      () => new RealtimeSocketError(RealtimeFailure.DISCONNECTED, message, details),
    );
    if (code === RealtimeCloseCode.TOKEN_EXPIRED || close.unauthorized) this.#keeper.tokenRefused();
    if (this.#state === 'open' || this.#state === 'resuming') {
      const retry = isRetryableClose(code) && this.#options.reconnect.maxAttempts > 0;
      this.emit({ type: 'disconnected', code, reason, wasClean: close.wasClean, willReconnect: retry }, true);
      if (retry) this.#scheduleReconnect();
      else {
        const why = `the connection closed for good (${code} ${reason})`;
        this.#terminate(() => new RealtimeSocketError(RealtimeFailure.NOT_CONNECTED, why, details));
      }
      return;
    }
    const verdict = judgeFailedAttempt({
      close,
      initial: this.#state === 'connecting',
      refreshed: this.#keeper.refreshedThisAttempt,
      canRefresh: this.#keeper.canRefresh,
      attempt: this.#attempt,
      maxAttempts: this.#options.reconnect.maxAttempts,
    });
    if (verdict.action === 'give_up') this.#giveUp(verdict.code, verdict.message, code);
    // The first connection retries at once (only to use a refreshed token); reconnection backs off.
    else if (this.#state === 'connecting') void this.#open();
    else this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    this.#state = 'reconnecting';
    const attempt = ++this.#attempt;
    const options = this.#options.reconnect;
    const delayMs = backoffDelay(options, attempt, this.#options.random);
    this.emit({ type: 'reconnecting', attempt, maxAttempts: options.maxAttempts, delayMs }, true);
    this.#timers.startReconnect(delayMs, () => void this.#open());
  }

  /** Stops for good because of an error: `error` (fatal), then the final `disconnected`. */
  #giveUp(code: RealtimeErrorEventCode, message: string, closeCode: number): void {
    const link = this.#link;
    this.#terminate(() => new RealtimeSocketError(RealtimeFailure.DISCONNECTED, message, { closeCode }));
    link?.abort();
    const failure =
      code === 'SESSION_EXPIRED' ? RealtimeFailure.SESSION_EXPIRED : RealtimeFailure.CONNECT_FAILED;
    this.#settleConnect(new RealtimeSocketError(failure, message, { closeCode }));
    this.#error(code, message, true);
    this.emit(
      { type: 'disconnected', code: closeCode, reason: message, wasClean: false, willReconnect: false },
      true,
    );
  }

  /** Ends everything: timers, requests, resume state. */
  #terminate(error: () => Error): void {
    this.#generation++;
    this.#state = 'closed';
    this.#link = undefined;
    this.#timers.clear('connect', 'reconnect');
    this.#heartbeat.stop();
    this.#dispatcher.rejectAll(error);
    this.#tracker.clear();
    this.#keeper.reset();
    this.#awaitingResume = undefined;
    this.#serverResume.clear();
  }

  /** Settles the promise of `connect()`, if it is still waiting. */
  #settleConnect(error?: Error): void {
    const waiter = this.#connectWaiter;
    this.#connectWaiter = undefined;
    if (error) waiter?.reject(error);
    else waiter?.resolve();
  }
}
