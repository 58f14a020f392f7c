/**
 * Liveness of one realtime connection.
 *
 * @packageDocumentation
 */

/** The liveness policy: when to ping, when to give up. */
export interface HeartbeatPolicy {
  /**
   * A connection silent for this long gets a protocol ping (WebSocket only; carriers without one,
   * such as GameMaker TCP, get none).
   */
  readonly pingPeriodMs: number;
  /** A connection that sent nothing at all (no message, no pong) for this long is dead. */
  readonly idleTimeoutMs: number;
}

/** What a heartbeat knows of its connection. */
export interface HeartbeatState {
  /** When the peer last showed a sign of life (ms). */
  readonly lastSeen: number;
  /** When it was last pinged (ms; -Infinity: never). */
  readonly lastPing: number;
}

/** The earliest moment something can be due for a connection in `state` (ms). */
export function heartbeatDue(state: HeartbeatState, policy: HeartbeatPolicy, pings: boolean): number {
  const timeout = state.lastSeen + policy.idleTimeoutMs;
  if (!pings) return timeout;
  return Math.min(timeout, Math.max(state.lastSeen, state.lastPing) + policy.pingPeriodMs);
}

/** What is due at `now`: the connection is dead, it gets a ping, or nothing yet. */
export function heartbeatStep(
  state: HeartbeatState,
  now: number,
  policy: HeartbeatPolicy,
  pings: boolean,
): 'timeout' | 'ping' | 'wait' {
  if (now - state.lastSeen >= policy.idleTimeoutMs) return 'timeout';
  if (pings && now - Math.max(state.lastSeen, state.lastPing) >= policy.pingPeriodMs) return 'ping';
  return 'wait';
}

/** Settings of one {@link Heartbeat}. */
export interface HeartbeatOptions extends HeartbeatPolicy {
  /** Sends a protocol ping; absent on carriers that have none. */
  readonly ping?: () => void;
  /** Called once when the connection is judged dead; the owner closes it. */
  readonly onTimeout: () => void;
  /** Time source (milliseconds). */
  readonly now?: () => number;
}

/**
 * Detects a dead peer with a timer of its own (the server watches all its connections with one
 * `HeartbeatWheel` instead, same policy).
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
    const due = heartbeatDue(this.#state(), this.#o, this.#o.ping !== undefined);
    // unref: liveness checks alone must never keep the process alive.
    this.#timer = setTimeout(() => this.#tick(), Math.max(1, due - now)).unref();
  }

  #tick(): void {
    if (this.#stopped) return;
    const now = this.#now();
    const step = heartbeatStep(this.#state(), now, this.#o, this.#o.ping !== undefined);
    if (step === 'timeout') {
      this.stop();
      this.#o.onTimeout();
      return;
    }
    if (step === 'ping') {
      this.#lastPing = now;
      this.#o.ping?.();
    }
    this.#arm();
  }

  #state(): HeartbeatState {
    return { lastSeen: this.#lastSeen, lastPing: this.#lastPing };
  }
}

/** What a connection must offer for protocol-level liveness (WebSocket connections do). */
export interface Pingable {
  ping(): boolean;
  /** Calls `target.touch()` on every pong (and ping) from the peer; returns its remover. */
  onPong(target: { touch(): void }): () => void;
}

/** Whether `connection` has protocol pings (a WebSocket) or not (GameMaker TCP). */
export function isPingable(connection: object): connection is Pingable {
  const c = connection as Partial<Pingable>;
  return typeof c.ping === 'function' && typeof c.onPong === 'function';
}
