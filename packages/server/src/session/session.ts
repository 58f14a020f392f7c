import { CloseCode, CloseReason } from '@tether/protocol';
import type { OutboundMessage } from '../presence/outbound.ts';
import type { SessionHandle } from '../presence/types.ts';

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
 */
export class Session implements SessionHandle {
  readonly id: string;
  readonly identity: SessionIdentity;
  readonly carrier: SessionCarrier;
  readonly connectedAt = Date.now();
  readonly #limits: SessionLimits;
  readonly #schedule: (fn: () => void) => void;
  readonly #onClose: (session: Session, code: number, reason: string) => void;
  #queue: OutboundMessage[] = [];
  #flushScheduled = false;
  #closed = false;

  constructor(opts: {
    id: string;
    identity: SessionIdentity;
    carrier: SessionCarrier;
    limits: SessionLimits;
    onClose: (session: Session, code: number, reason: string) => void;
    schedule?: (fn: () => void) => void;
  }) {
    this.id = opts.id;
    this.identity = opts.identity;
    this.carrier = opts.carrier;
    this.#limits = opts.limits;
    this.#onClose = opts.onClose;
    this.#schedule = opts.schedule ?? ((fn) => setImmediate(fn));
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
    this.#queue.push(message);
    if (this.#queue.length > this.#limits.maxQueuedMessages) {
      this.#terminate(CloseCode.POLICY_VIOLATION, CloseReason.SLOW_CONSUMER);
      return;
    }
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      this.#schedule(() => this.flush());
    }
  }

  /** Writes everything queued now. Called once per turn; also before a deliberate close. */
  flush(): void {
    this.#flushScheduled = false;
    if (this.#closed || this.#queue.length === 0) return;
    if (this.carrier.bufferedBytes > this.#limits.maxBufferedBytes) {
      this.#terminate(CloseCode.POLICY_VIOLATION, CloseReason.SLOW_CONSUMER);
      return;
    }
    const batch = this.#queue;
    this.#queue = [];
    this.carrier.writeBatch(batch);
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
    this.carrier.close(code, reason);
    this.#onClose(this, code, reason);
  }

  /** Called by the carrier when the connection ended from the other side or the network. */
  closedByPeer(code: number, reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue = [];
    this.#onClose(this, code, reason);
  }
}
