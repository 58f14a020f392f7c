/** Which of a connection's timers: the connect timeout, or the backoff before reconnecting. */
export type AttemptTimer = 'connect' | 'reconnect';

/**
 * The two timers of a realtime connection's attempts: the connect timeout of the attempt in
 * progress, and the backoff delay before the next attempt. A timer that fires is forgotten first.
 */
export class AttemptTimers {
  #connect: ReturnType<typeof setTimeout> | undefined;
  #reconnect: ReturnType<typeof setTimeout> | undefined;

  /** Arms the connect timeout: `fire` runs after `ms` unless cleared. */
  startConnect(ms: number, fire: () => void): void {
    this.#connect = setTimeout(() => {
      this.#connect = undefined;
      fire();
    }, ms);
  }

  /** Arms the backoff before the next attempt: `fire` runs after `ms` unless cleared. */
  startReconnect(ms: number, fire: () => void): void {
    this.#reconnect = setTimeout(() => {
      this.#reconnect = undefined;
      fire();
    }, ms);
  }

  /** Clears the named timers. */
  clear(...which: AttemptTimer[]): void {
    if (which.includes('connect') && this.#connect !== undefined) clearTimeout(this.#connect);
    if (which.includes('reconnect') && this.#reconnect !== undefined) clearTimeout(this.#reconnect);
    if (which.includes('connect')) this.#connect = undefined;
    if (which.includes('reconnect')) this.#reconnect = undefined;
  }
}
