/**
 * Liveness of every realtime connection of a server, on one timer.
 *
 * @packageDocumentation
 */
import { type HeartbeatPolicy, heartbeatDue, heartbeatStep } from './heartbeat.ts';

/** What a {@link HeartbeatWheel} does for the connections it watches (one instance for all of them). */
export interface HeartbeatHandlers<T> {
  /** Sends a protocol ping to the connection of `subject` (only for entries watched with pings). */
  ping(subject: T): void;
  /** `subject`'s connection sent nothing for `idleTimeoutMs`; its entry is already stopped. */
  timedOut(subject: T): void;
}

/** Settings of a {@link HeartbeatWheel}. */
export interface HeartbeatWheelOptions<T> extends HeartbeatPolicy {
  readonly handlers: HeartbeatHandlers<T>;
  /** Time source (milliseconds). */
  readonly now?: () => number;
  /**
   * Granularity of the checks: a ping or timeout comes less than two of these late, never early.
   * Default: a sixteenth of the shorter period, between 1 ms and 1 s.
   */
  readonly slotMs?: number;
}

/** One watched connection: two timestamps and its place in the wheel; no timer, no closure. */
export class WheelHeartbeat<T> {
  readonly subject: T;
  readonly pings: boolean;
  lastSeen: number;
  lastPing = Number.NEGATIVE_INFINITY;
  /** Index of the slot holding it, -1 when in none. */
  slot = -1;
  /** Neighbours in its slot's list (a slot is a doubly linked list through its entries: no `Set`). */
  prev: WheelHeartbeat<T> | undefined = undefined;
  next: WheelHeartbeat<T> | undefined = undefined;
  stopped = false;
  readonly #wheel: HeartbeatWheel<T>;

  constructor(wheel: HeartbeatWheel<T>, subject: T, pings: boolean, now: number) {
    this.#wheel = wheel;
    this.subject = subject;
    this.pings = pings;
    this.lastSeen = now;
  }

  /** Records a sign of life from the peer (a timestamp only: the hot path never touches the wheel). */
  touch(): void {
    this.lastSeen = this.#wheel.now();
  }

  /** Stops watching (the connection closed). Idempotent. */
  stop(): void {
    this.#wheel.unwatch(this);
  }
}

/**
 * Detects dead peers for many connections with one interval timer, instead of one timer per
 * connection: the same policy as {@link Heartbeat} (a ping after `pingPeriodMs` of silence, again
 * every `pingPeriodMs` while it lasts; a timeout after `idleTimeoutMs` of silence), checked in slices.
 *
 * Each entry sits in the slot of the moment its next check is due (a ring of slots of `slotMs`
 * covering the longer period); the timer runs every `slotMs` while anything is watched and checks
 * the entries of the slots that came due, which either ping, time out or move to a later slot. A
 * busy connection costs one check per ping period and no pings; an idle server holding sockets
 * wakes once per slot. The timer is unref'd: liveness checks alone never keep the process alive.
 */
export class HeartbeatWheel<T> {
  readonly #policy: HeartbeatPolicy;
  readonly #handlers: HeartbeatHandlers<T>;
  readonly #slotMs: number;
  /** First entry of each slot's list. */
  readonly #slots: (WheelHeartbeat<T> | undefined)[];
  readonly now: () => number;
  /** The absolute slot number (time / slotMs) checked next. */
  #next = 0;
  #size = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: HeartbeatWheelOptions<T>) {
    this.#policy = { pingPeriodMs: options.pingPeriodMs, idleTimeoutMs: options.idleTimeoutMs };
    this.#handlers = options.handlers;
    this.now = options.now ?? Date.now;
    const shorter = Math.min(options.pingPeriodMs, options.idleTimeoutMs);
    this.#slotMs = options.slotMs ?? Math.min(1000, Math.max(1, Math.floor(shorter / 16)));
    if (!(this.#slotMs >= 1)) throw new RangeError('slotMs must be >= 1');
    const longer = Math.max(options.pingPeriodMs, options.idleTimeoutMs);
    this.#slots = new Array(Math.ceil(longer / this.#slotMs) + 2).fill(undefined);
  }

  /** Connections watched now. */
  get size(): number {
    return this.#size;
  }

  /** Starts watching `subject`'s connection (with protocol pings when it has them). */
  watch(subject: T, pings: boolean): WheelHeartbeat<T> {
    const now = this.now();
    if (this.#size++ === 0) {
      this.#next = Math.floor(now / this.#slotMs);
      this.#timer = setInterval(() => this.#turn(), this.#slotMs).unref();
    }
    const entry = new WheelHeartbeat(this, subject, pings, now);
    this.#arm(entry);
    return entry;
  }

  /** Stops watching `entry` (see {@link WheelHeartbeat.stop}). Idempotent. */
  unwatch(entry: WheelHeartbeat<T>): void {
    if (entry.stopped) return;
    entry.stopped = true;
    this.#unlink(entry);
    if (--this.#size === 0) {
      clearInterval(this.#timer);
      this.#timer = undefined;
      this.#slots.fill(undefined);
    }
  }

  /**
   * Puts `entry` in the slot of its next check (the first slot that starts at or after its due time,
   * checked by the first turn of the timer from then on): never early, less than two slots late.
   */
  #arm(entry: WheelHeartbeat<T>): void {
    const due = heartbeatDue(entry, this.#policy, entry.pings);
    // Clamped to the ring: a check that comes early (the timer lagged far behind) only re-arms.
    const slotNo = Math.min(
      Math.max(Math.ceil(due / this.#slotMs), this.#next),
      this.#next + this.#slots.length - 1,
    );
    const index = slotNo % this.#slots.length;
    const head = this.#slots[index];
    entry.prev = undefined;
    entry.next = head;
    if (head) head.prev = entry;
    this.#slots[index] = entry;
    entry.slot = index;
  }

  /** Takes `entry` out of its slot's list (if in one). */
  #unlink(entry: WheelHeartbeat<T>): void {
    if (entry.slot < 0) return;
    const { prev, next } = entry;
    if (prev) prev.next = next;
    else this.#slots[entry.slot] = next;
    if (next) next.prev = prev;
    entry.prev = undefined;
    entry.next = undefined;
    entry.slot = -1;
  }

  /** Checks the entries of every slot that came due (all of the ring at most, if the timer lagged). */
  #turn(): void {
    const now = this.now();
    const last = Math.floor(now / this.#slotMs);
    const first = Math.max(this.#next, last - this.#slots.length + 1);
    for (let slotNo = first; slotNo <= last && this.#size > 0; slotNo++) {
      this.#next = slotNo + 1;
      const index = slotNo % this.#slots.length;
      if (this.#slots[index] === undefined) continue;
      // Every entry leaves the slot before any is checked: a check may stop others of the same
      // slot (a timed-out session closing another), or re-arm its entry into this very index.
      const due: WheelHeartbeat<T>[] = [];
      let entry: WheelHeartbeat<T> | undefined = this.#slots[index];
      for (; entry !== undefined; entry = entry.next) due.push(entry);
      this.#slots[index] = undefined;
      for (const e of due) {
        e.prev = undefined;
        e.next = undefined;
        e.slot = -1;
      }
      for (const e of due) this.#check(e, now);
    }
    this.#next = Math.max(this.#next, last + 1);
  }

  #check(entry: WheelHeartbeat<T>, now: number): void {
    if (entry.stopped) return;
    const step = heartbeatStep(entry, now, this.#policy, entry.pings);
    try {
      if (step === 'timeout') {
        this.unwatch(entry);
        this.#handlers.timedOut(entry.subject);
        return;
      }
      if (step === 'ping') {
        entry.lastPing = now;
        this.#handlers.ping(entry.subject);
      }
    } catch (err) {
      // One faulty handler must not cost the other connections of this slot their checks; the
      // error still surfaces as an uncaught exception, as it did with a timer per connection.
      process.nextTick(() => {
        throw err;
      });
    }
    if (!entry.stopped) this.#arm(entry);
  }
}
