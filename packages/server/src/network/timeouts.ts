/**
 * Per-socket read and write timeouts (`network_set_timeout`). Unlike GameMaker, where a timeout
 * "does not generate any type of event", here it ends the connection, which then produces a
 * disconnect event carrying the reason.
 *
 * @packageDocumentation
 */
import { TransportError } from '../transport/errors.ts';

/** What a timeout watches: how much is unsent. */
export interface Watched {
  readonly bufferedBytes: number;
}

/**
 * Read timeout: no inbound message for `readMs`. Write timeout: the outbound buffer did not shrink
 * for `writeMs` (the peer is not reading). Inbound activity only stamps a time; the single timer
 * re-arms itself for the remainder, so a busy socket costs no timer churn.
 */
export class SocketTimeouts {
  readonly #target: Watched;
  readonly #onTimeout: (error: TransportError) => void;
  #readMs = 0;
  #writeMs = 0;
  #lastRead = 0;
  #readTimer: NodeJS.Timeout | undefined;
  #writeTimer: NodeJS.Timeout | undefined;
  #writeBaseline = 0;
  #disposed = false;

  constructor(target: Watched, onTimeout: (error: TransportError) => void) {
    this.#target = target;
    this.#onTimeout = onTimeout;
  }

  /** Sets both timeouts in milliseconds; 0 disables one. Restarts the read clock. */
  set(readMs: number, writeMs: number): void {
    if (this.#disposed) return;
    this.#readMs = Math.max(0, readMs);
    this.#writeMs = Math.max(0, writeMs);
    clearTimeout(this.#readTimer);
    clearTimeout(this.#writeTimer);
    this.#readTimer = undefined;
    this.#writeTimer = undefined;
    this.#lastRead = Date.now();
    if (this.#readMs > 0) this.#armRead(this.#readMs);
    this.afterSend();
  }

  /** Inbound activity. */
  touch(): void {
    this.#lastRead = Date.now();
  }

  /** Call after each send: starts watching the outbound buffer if something is waiting. */
  afterSend(): void {
    if (this.#disposed || this.#writeMs === 0 || this.#writeTimer) return;
    const pending = this.#target.bufferedBytes;
    if (pending === 0) return;
    this.#writeBaseline = pending;
    this.#armWrite();
  }

  /** Stops all timers (on disconnect). */
  dispose(): void {
    this.#disposed = true;
    clearTimeout(this.#readTimer);
    clearTimeout(this.#writeTimer);
  }

  #armRead(ms: number): void {
    this.#readTimer = setTimeout(() => {
      const idle = Date.now() - this.#lastRead;
      if (idle >= this.#readMs) {
        this.#fire(new TransportError('READ_TIMEOUT', `nothing received for ${idle} ms`));
      } else {
        this.#armRead(this.#readMs - idle);
      }
    }, ms);
    this.#readTimer.unref();
  }

  #armWrite(): void {
    this.#writeTimer = setTimeout(() => {
      this.#writeTimer = undefined;
      const pending = this.#target.bufferedBytes;
      if (pending === 0) return;
      if (pending >= this.#writeBaseline) {
        this.#fire(new TransportError('WRITE_TIMEOUT', `${pending} bytes unsent for ${this.#writeMs} ms`));
        return;
      }
      this.#writeBaseline = pending;
      this.#armWrite();
    }, this.#writeMs);
    this.#writeTimer.unref();
  }

  #fire(error: TransportError): void {
    if (this.#disposed) return;
    this.dispose();
    this.#onTimeout(error);
  }
}
