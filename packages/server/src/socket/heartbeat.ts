/**
 * Liveness of one realtime connection.
 *
 * @packageDocumentation
 */

/** Settings of one {@link Heartbeat}. */
export interface HeartbeatOptions {
  /**
   * A connection silent for this long gets a protocol ping (WebSocket only; pass no `ping` for
   * carriers without one, such as GameMaker TCP).
   */
  readonly pingPeriodMs: number;
  /** A connection that sent nothing at all (no message, no pong) for this long is dead. */
  readonly idleTimeoutMs: number;
  /** Sends a protocol ping; absent on carriers that have none. */
  readonly ping?: () => void;
  /** Called once when the connection is judged dead; the owner closes it. */
  readonly onTimeout: () => void;
  /** Time source (milliseconds). */
  readonly now?: () => number;
}

/**
 * Detects dead peers with one timer per connection.
 *
 * Policy: any sign of life (a message, a pong, a ping from the peer) counts, and is recorded with
 * {@link touch}, which only stores a timestamp: the hot path never touches a timer. The timer wakes
 * at the next moment something can be due and decides then: after `pingPeriodMs` of silence it sends
 * a protocol ping (again every `pingPeriodMs` while the silence lasts), and after `idleTimeoutMs` of
 * silence it reports a timeout. A busy connection therefore costs one wake-up per ping period and no
 * pings at all; nakama-js, which sends an application `ping` every 10 s, never needs a protocol ping
 * under the default 15 s period.
 */
export class Heartbeat {
  readonly #o: HeartbeatOptions;
  readonly #now: () => number;
  #lastSeen: number;
  #lastPing = Number.NEGATIVE_INFINITY;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: HeartbeatOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#lastSeen = this.#now();
    this.#arm();
  }

  /** Records a sign of life from the peer. */
  touch(): void {
    this.#lastSeen = this.#now();
  }

  /** Stops the timer (the connection closed). Idempotent. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  #arm(): void {
    const now = this.#now();
    let due = this.#lastSeen + this.#o.idleTimeoutMs;
    if (this.#o.ping) due = Math.min(due, Math.max(this.#lastSeen, this.#lastPing) + this.#o.pingPeriodMs);
    // unref: liveness checks alone must never keep the process alive.
    this.#timer = setTimeout(() => this.#tick(), Math.max(1, due - now)).unref();
  }

  #tick(): void {
    if (this.#stopped) return;
    const now = this.#now();
    if (now - this.#lastSeen >= this.#o.idleTimeoutMs) {
      this.stop();
      this.#o.onTimeout();
      return;
    }
    if (this.#o.ping && now - Math.max(this.#lastSeen, this.#lastPing) >= this.#o.pingPeriodMs) {
      this.#lastPing = now;
      this.#o.ping();
    }
    this.#arm();
  }
}

/** What a connection must offer for protocol-level liveness (WebSocket connections do). */
interface Pingable {
  ping(): boolean;
  onPong(handler: () => void): () => void;
}

function isPingable(connection: object): connection is Pingable {
  const c = connection as Partial<Pingable>;
  return typeof c.ping === 'function' && typeof c.onPong === 'function';
}

/**
 * A {@link Heartbeat} for one connection: protocol pings (and their pongs as signs of life) where
 * the connection has them, none otherwise (GameMaker TCP).
 */
export function connectionHeartbeat(connection: object, options: Omit<HeartbeatOptions, 'ping'>): Heartbeat {
  const pingable = isPingable(connection) ? connection : undefined;
  const heartbeat = new Heartbeat({ ...options, ...(pingable ? { ping: () => void pingable.ping() } : {}) });
  pingable?.onPong(() => heartbeat.touch());
  return heartbeat;
}
