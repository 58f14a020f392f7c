/**
 * Inbound-idle watchdog shared by every socket type.
 *
 * GameMaker and GDevelop clients never notice a server that vanished without closing the connection
 * (power loss, NAT timeout, a frozen process). The only carrier-independent signal is silence, so the
 * watchdog closes the socket when nothing at all was received for `timeoutMs`.
 *
 * @packageDocumentation
 */

import { ClientError, ClientErrorCode } from './errors.ts';

/** Heartbeat settings. */
export interface HeartbeatOptions {
  /** How often to check for silence and send a keepalive (ping / TCP keepalive probe), in ms. */
  intervalMs: number;
  /** Close the socket when nothing was received for this long, in ms. Must be at least `intervalMs`. */
  timeoutMs: number;
}

/** Throws a {@link ClientError} unless `options` is a usable heartbeat configuration. */
export function validateHeartbeat(options: HeartbeatOptions): void {
  const { intervalMs, timeoutMs } = options;
  if (!Number.isFinite(intervalMs) || intervalMs <= 0) {
    throw new ClientError(
      ClientErrorCode.INVALID_ARGUMENT,
      `heartbeat.intervalMs must be > 0, got ${intervalMs}`,
    );
  }
  if (!Number.isFinite(timeoutMs) || timeoutMs < intervalMs) {
    throw new ClientError(
      ClientErrorCode.INVALID_ARGUMENT,
      `heartbeat.timeoutMs must be >= intervalMs (${intervalMs}), got ${timeoutMs}`,
    );
  }
}

/**
 * Calls `onTick` every interval while the peer is alive and `onTimeout` once when it went silent.
 * Detection latency is between `timeoutMs` and `timeoutMs + intervalMs`.
 */
export class IdleWatchdog {
  readonly #options: HeartbeatOptions;
  readonly #onTick: () => void;
  readonly #onTimeout: (error: ClientError) => void;
  #lastReceived: number;
  #timer: ReturnType<typeof setInterval> | undefined;

  /**
   * Starts watching immediately.
   * @param options - validated heartbeat settings
   * @param onTick - send a keepalive, if the carrier has one
   * @param onTimeout - close the socket; called at most once
   */
  constructor(options: HeartbeatOptions, onTick: () => void, onTimeout: (error: ClientError) => void) {
    this.#options = options;
    this.#onTick = onTick;
    this.#onTimeout = onTimeout;
    this.#lastReceived = performance.now();
    this.#timer = setInterval(() => this.#check(), options.intervalMs);
  }

  /** Records that something arrived from the peer. */
  touch(): void {
    this.#lastReceived = performance.now();
  }

  /** Stops the timer; safe to call more than once. */
  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #check(): void {
    const silentFor = performance.now() - this.#lastReceived;
    if (silentFor >= this.#options.timeoutMs) {
      this.stop();
      this.#onTimeout(
        new ClientError(
          ClientErrorCode.HEARTBEAT_TIMEOUT,
          `heartbeat timeout: nothing received from the server for ${Math.round(silentFor)} ms ` +
            `(limit ${this.#options.timeoutMs} ms)`,
        ),
      );
      return;
    }
    this.#onTick();
  }
}
