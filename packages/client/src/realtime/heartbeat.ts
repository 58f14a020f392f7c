/**
 * The realtime heartbeat: an application-level `ping` envelope every `intervalMs`. Protocol-level
 * WebSocket pings are invisible to browser code (Chrome answers them itself and never tells the page),
 * so only an envelope round trip tells a browser game that the server is still there (Nakama
 * complaint #1: disconnects detected late or never).
 *
 * The server handles one session's messages strictly in order, so a pong cannot overtake a reply the
 * server is still working on (a slow RPC). A missing pong is therefore only a dead connection when
 * nothing else explains it:
 * - any frame received since the ping was sent proves the connection alive;
 * - while a request sent before the ping is still waiting (within its own timeout), the verdict is
 *   deferred, re-checked every `timeoutMs`;
 * - otherwise the connection is dead. Detection takes `intervalMs + timeoutMs` at most when idle, and
 *   at most the older request's timeout plus `timeoutMs` when a request was in flight.
 *
 * @packageDocumentation
 */

import type { Dispatcher } from './dispatcher.ts';
import { RealtimeFailure, RealtimeSocketError } from './errors.ts';
import type { RealtimeHeartbeat } from './options.ts';

/** Pings one connection at a time; `start` for each new connection, `stop` when it ends. */
export class Heartbeat {
  readonly #settings: RealtimeHeartbeat | false;
  readonly #dispatcher: Dispatcher;
  readonly #onDead: (reason: string) => void;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Identity of the current run; callbacks of a stopped run compare unequal and do nothing. */
  #run: object | undefined;

  /**
   * @param settings - interval and timeout, or false for no heartbeat
   * @param dispatcher - sends the ping and knows what is in flight and when a frame last arrived
   * @param onDead - called once per run when the connection is judged dead
   */
  constructor(settings: RealtimeHeartbeat | false, dispatcher: Dispatcher, onDead: (reason: string) => void) {
    this.#settings = settings;
    this.#dispatcher = dispatcher;
    this.#onDead = onDead;
  }

  /** Starts pinging a new connection (stopping any previous run). */
  start(): void {
    this.stop();
    if (!this.#settings) return;
    const run = {};
    this.#run = run;
    this.#schedule(run, this.#settings.intervalMs, () => this.#beat(run));
  }

  /** Stops pinging; safe to call more than once. */
  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#run = undefined;
  }

  #schedule(run: object, ms: number, fn: () => void): void {
    if (run !== this.#run) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (run === this.#run) fn();
    }, ms);
  }

  #beat(run: object): void {
    const settings = this.#settings as RealtimeHeartbeat;
    const sentAt = performance.now();
    const cid = this.#dispatcher.nextCid;
    this.#dispatcher.request('ping', {}, settings.timeoutMs, true).then(
      () => this.#schedule(run, settings.intervalMs, () => this.#beat(run)),
      (err: unknown) => {
        if (err instanceof RealtimeSocketError && err.code === RealtimeFailure.TIMEOUT) {
          this.#judge(run, sentAt, cid);
        }
        // Any other failure means the connection already ended; its close is handled elsewhere.
      },
    );
  }

  #judge(run: object, sentAt: number, cid: number): void {
    if (run !== this.#run) return;
    const settings = this.#settings as RealtimeHeartbeat;
    if (this.#dispatcher.lastReceivedAt > sentAt) {
      this.#schedule(run, settings.intervalMs, () => this.#beat(run));
    } else if (this.#dispatcher.inFlightBefore(cid)) {
      this.#schedule(run, settings.timeoutMs, () => this.#judge(run, sentAt, cid));
    } else {
      this.stop();
      this.#onDead(`heartbeat timeout: nothing received within ${settings.timeoutMs} ms of a ping`);
    }
  }
}
