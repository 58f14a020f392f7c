import { CloseCode, CloseReason } from '@tether/protocol';
import type { OutboundMessage } from '../presence/outbound.ts';
import type { SessionHandle } from '../presence/types.ts';
import type { ResumeBuffer } from './resume-buffer.ts';
import { type Flushable, TurnBatcher } from './turn-batcher.ts';

/**
 * The connection under a session, whatever carries it (WebSocket text frames, GameMaker packets over
 * TCP or WebSocket). The session layer sees messages, never sockets.
 */
export interface SessionCarrier {
  /** The wire format this carrier writes, so {@link OutboundMessage.bytes} is shared by carriers of one format. */
  readonly format: WireFormat;
  readonly remoteAddress: string;
  /** Bytes accepted for sending but not yet written to the network. */
  readonly bufferedBytes: number;
  /** Writes messages in order, in as few writes as the carrier allows. */
  writeBatch(messages: readonly OutboundMessage[]): void;
  /** Closes the connection with a close code and a reason the client can show. */
  close(code: number, reason: string): void;
}

/**
 * How a session's envelopes are written: `json-text`, a JSON text per WebSocket frame (`/ws`),
 * `protobuf`, a serialized Nakama `Envelope` per binary WebSocket frame (`/ws?format=protobuf`), or
 * `gm-packet`, one GameMaker packet per JSON envelope (GameMaker TCP and `/gm`). A broadcast is
 * encoded once per format, whatever the number of recipients.
 */
export type WireFormat = 'json-text' | 'protobuf' | 'gm-packet';

/** Who a session belongs to, from its verified token and connect options. */
export interface SessionIdentity {
  readonly userId: string;
  readonly username: string;
  readonly tokenId: string;
  /** Unix seconds at which the session token expires. */
  readonly expiresAt: number;
  readonly vars: Readonly<Record<string, string>>;
  readonly lang: string;
}

/** Limits of one session's outgoing path. */
export interface SessionLimits {
  /** Messages queued within one event-loop turn before the session is judged too slow. */
  readonly maxQueuedMessages: number;
  /** Bytes the carrier may hold unsent before the session is judged too slow. */
  readonly maxBufferedBytes: number;
}

/**
 * One authenticated realtime connection.
 *
 * Outgoing policy: messages are queued and written once per event-loop turn in one batch (one
 * syscall for many small messages, which is what makes fan-out cheap). The queue is bounded: when a
 * turn queues more than `maxQueuedMessages`, or the carrier already holds more than
 * `maxBufferedBytes` unsent, the client is not keeping up and the session is closed with 1008 and the
 * reason "outgoing queue full (slow consumer)" — it never grows memory without bound and never drops
 * messages silently.
 *
 * A resumable session ({@link makeResumable}) also numbers every message it writes and keeps the
 * newest in a bounded {@link ResumeBuffer}. When its connection breaks it can be {@link detach}ed:
 * it stays open and registered, and what is delivered to it is numbered and kept instead of written,
 * until it is {@link attach}ed to a new connection (which gets what its client missed) or closed.
 * If a message the client never received has to be dropped to keep the bounds, the session reports
 * an overflow once (the owner then closes it: resuming it could only lose messages).
 */
export class Session implements SessionHandle {
  readonly id: string;
  readonly connectedAt = Date.now();
  readonly #limits: SessionLimits;
  /** Flushes this session at the end of the turn it asked in. */
  readonly #batcher: { add(target: Flushable): void };
  readonly #onClose: (session: Session, code: number, reason: string) => void;
  #carrier: SessionCarrier;
  #identity: SessionIdentity;
  #queue: OutboundMessage[] = [];
  #flushScheduled = false;
  #closed = false;
  #resume: { buffer: ResumeBuffer; onOverflow: (session: Session) => void } | undefined;
  /** While detached: the sequence number of the first message the client cannot have received. */
  #detachedAt = -1;
  #overflowed = false;

  constructor(opts: {
    id: string;
    identity: SessionIdentity;
    carrier: SessionCarrier;
    limits: SessionLimits;
    onClose: (session: Session, code: number, reason: string) => void;
    /**
     * Flushes this session at the end of the turn (a server's `TurnBatcher`, shared by its sessions,
     * which asks with the session itself instead of a new closure per turn); default: one of its own
     * on `setImmediate`.
     */
    batcher?: { add(target: Flushable): void };
  }) {
    this.id = opts.id;
    this.#identity = opts.identity;
    this.#carrier = opts.carrier;
    this.#limits = opts.limits;
    this.#onClose = opts.onClose;
    this.#batcher = opts.batcher ?? new TurnBatcher();
  }

  /** Who the session belongs to; a resume may renew the token (same user, new token id and expiry). */
  get identity(): SessionIdentity {
    return this.#identity;
  }

  get userId(): string {
    return this.identity.userId;
  }

  get username(): string {
    return this.identity.username;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The connection under the session (while detached: the last one, already closed). */
  get carrier(): SessionCarrier {
    return this.#carrier;
  }

  /** True between {@link detach} and {@link attach}: open, but with no connection. */
  get detached(): boolean {
    return this.#detachedAt >= 0;
  }

  /** Sequence number of the oldest message kept for a resume (0 if not resumable). */
  get resumeStart(): number {
    return this.#resume?.buffer.start ?? 0;
  }

  /** Whether {@link makeResumable} was called. */
  get resumable(): boolean {
    return this.#resume !== undefined;
  }

  /**
   * From now on, number and keep what is written in `buffer`. `onOverflow` is called once, while
   * detached, when a message the client cannot have received had to be dropped.
   */
  makeResumable(buffer: ResumeBuffer, onOverflow: (session: Session) => void): void {
    this.#resume = { buffer, onOverflow };
  }

  /**
   * The connection broke: keep the session open without one. What was queued and everything
   * delivered from now on is numbered and kept (bounded) for {@link attach}. Only for resumable sessions.
   */
  detach(): void {
    if (this.#closed || !this.#resume || this.detached) return;
    this.#detachedAt = this.#resume.buffer.end;
    const queued = this.#queue;
    this.#queue = [];
    for (const message of queued) this.#keep(message);
  }

  /**
   * Puts a detached session on a new connection for a client that received the first `seq` messages:
   * writes the `control` messages (given the replay's length; not numbered), then every kept message from `seq` on, in order. Returns the
   * number replayed, or `undefined` (and changes nothing) if some of them are no longer kept.
   * `identity`: the resuming connection's, of the same user (its token may be a newer one).
   */
  attach(
    carrier: SessionCarrier,
    seq: number,
    control: (replayed: number) => readonly OutboundMessage[],
    identity: SessionIdentity = this.#identity,
  ): number | undefined {
    if (this.#closed || !this.#resume || !this.detached || this.#overflowed) return undefined;
    if (identity.userId !== this.#identity.userId) return undefined;
    const replay = this.#resume.buffer.from(seq);
    if (!replay) return undefined;
    this.#carrier = carrier;
    this.#identity = identity;
    this.#detachedAt = -1;
    carrier.writeBatch([...control(replay.length), ...replay]);
    return replay.length;
  }

  /** Writes messages at once, ahead of the queue and not numbered (a greeting, `session_resume`). */
  writeControl(messages: readonly OutboundMessage[]): void {
    if (this.#closed || this.detached) return;
    this.#carrier.writeBatch(messages);
  }

  #keep(message: OutboundMessage): void {
    const resume = this.#resume!;
    const start = resume.buffer.push(message);
    if (this.#detachedAt >= 0 && start > this.#detachedAt && !this.#overflowed) {
      this.#overflowed = true;
      resume.onOverflow(this);
    }
  }

  /**
   * Messages that can still be queued this turn before the session is closed as a slow consumer
   * (0 once closed). The pipeline reads it so that a client flooding the server is closed by the
   * rate limit, not by the queue its own error replies fill.
   */
  get queueRoom(): number {
    return this.#closed ? 0 : Math.max(0, this.#limits.maxQueuedMessages - this.#queue.length);
  }

  deliver(message: OutboundMessage): void {
    if (this.#closed) return;
    if (this.#detachedAt >= 0) {
      if (!this.#overflowed) this.#keep(message);
      return;
    }
    this.#queue.push(message);
    if (this.#queue.length > this.#limits.maxQueuedMessages) {
      this.#terminate(CloseCode.POLICY_VIOLATION, CloseReason.SLOW_CONSUMER);
      return;
    }
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      this.#batcher.add(this);
    }
  }

  /** Writes everything queued now. Called once per turn; also before a deliberate close. */
  flush(): void {
    this.#flushScheduled = false;
    if (this.#closed || this.#queue.length === 0 || this.#detachedAt >= 0) return;
    if (this.#carrier.bufferedBytes > this.#limits.maxBufferedBytes) {
      this.#terminate(CloseCode.POLICY_VIOLATION, CloseReason.SLOW_CONSUMER);
      return;
    }
    const batch = this.#queue;
    this.#queue = [];
    if (this.#resume) for (const message of batch) this.#resume.buffer.push(message);
    this.#carrier.writeBatch(batch);
  }

  /**
   * Closes the session: what is already queued is written first (so a final error envelope reaches
   * the client), then the carrier is closed with `code` and `reason`. Idempotent.
   */
  close(code: number = CloseCode.NORMAL, reason = ''): void {
    if (this.#closed) return;
    this.flush();
    this.#terminate(code, reason);
  }

  /** Closes without writing what is queued (used when the client cannot take more). */
  #terminate(code: number, reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue = [];
    this.#resume?.buffer.clear();
    if (this.#detachedAt < 0) this.#carrier.close(code, reason);
    this.#onClose(this, code, reason);
  }

  /** Called by the carrier when the connection ended from the other side or the network. */
  closedByPeer(code: number, reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue = [];
    this.#resume?.buffer.clear();
    this.#onClose(this, code, reason);
  }
}
