/**
 * One running authoritative match: its state, its tick loop, its input queue and its dispatcher.
 *
 * @packageDocumentation
 */
import { utf8ByteLength } from '@tether/protocol';
import type { Logger } from 'pino';
import type { MatchMeter } from '../../observability/meters.ts';
import type { MessageRouter } from '../../presence/message-router.ts';
import { type StreamKey, StreamMode, stream } from '../../presence/stream.ts';
import type { Tracker } from '../../presence/tracker.ts';
import type { Presence } from '../../presence/types.ts';
import type { Clock } from '../../shared/clock.ts';
import { gameLogger, type MatchContext, type MatchDispatcher, type MatchHandler } from './match-handler.ts';
import { formatMatchId } from './match-id.ts';
import { type EnqueueResult, MatchInputQueue } from './match-input-queue.ts';
import { MatchOutbox } from './match-outbox.ts';
import { matchPresence } from './match-wire.ts';
import { Ticker, type TickScheduler, type TimerHandle } from './tick-scheduler.ts';

/** Largest label, in UTF-8 bytes (Nakama's limit). */
export const MAX_LABEL_BYTES = 2048;
/** Tick rate bounds, ticks per second (Nakama's). */
export const MIN_TICK_RATE = 1;
export const MAX_TICK_RATE = 60;

/** Why a match ended. */
export const MatchEndReason = {
  /** A callback returned no state. */
  STOPPED: 'stopped',
  /** Game code threw, returned a Promise, or returned something invalid. */
  ERROR: 'error',
  /** Server shutdown: `matchTerminate` ended it or its grace period ran out. */
  SHUTDOWN: 'shutdown',
} as const;
export type MatchEndReason = (typeof MatchEndReason)[keyof typeof MatchEndReason];

/** Limits of one match. */
export interface MatchLimits {
  /** Inputs (`match_data_send`) queued per tick window; more are dropped (newest first). */
  readonly inputQueueSize: number;
  /** Deferred broadcasts per tick; one more throws in game code. */
  readonly deferredQueueSize: number;
}

/** What a match needs from the server. */
export interface AuthoritativeMatchDeps {
  readonly tracker: Tracker;
  readonly router: MessageRouter;
  readonly scheduler: TickScheduler;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly node: string;
  readonly limits: MatchLimits;
  /** Times each `matchLoop`. */
  readonly meter?: MatchMeter | undefined;
  /** Called once when the match has ended (after its members were told and untracked). */
  readonly onEnded: (match: AuthoritativeMatch, reason: MatchEndReason) => void;
}

/** Verdict of {@link AuthoritativeMatch.joinAttempt}. */
export type JoinVerdict = { accept: true } | { accept: false; ended: boolean; reason: string };

export type { EnqueueResult } from './match-input-queue.ts';

/** Thrown by {@link AuthoritativeMatch.start} when `matchInit` fails or returns something unusable. */
export class MatchInitError extends Error {
  override readonly name = 'MatchInitError';
}

const FAILED = Symbol('failed');
type Phase = 'running' | 'terminating' | 'ended';

/**
 * A server-run match. Game code sees it through {@link MatchHandler} callbacks, all called from here
 * and never re-entrantly; any fault in them (a throw, a returned Promise, an invalid result) is logged
 * and ends this match cleanly, leaving the server and other matches untouched. No further callback of
 * the faulty handler runs, `matchTerminate` included: its state can no longer be trusted.
 *
 * Input policy: at most `inputQueueSize` messages are queued per tick window. Further messages are
 * dropped (newest first, so the inputs already queued keep their order), counted in
 * {@link droppedInputs}, and the service tells each sender once per window with an error envelope.
 *
 * When the match ends for any reason, its members receive one `match_presence_event` whose `leaves`
 * lists every member (their own presence included, which tells a client the match is over) and are
 * untracked; the registry then forgets the match, so it disappears from listings.
 */
export class AuthoritativeMatch {
  readonly id: string;
  readonly uuid: string;
  readonly stream: StreamKey;
  readonly handlerName: string;
  readonly createdAt: number;
  readonly #d: AuthoritativeMatchDeps;
  readonly #handler: MatchHandler;
  readonly #ctx: MatchContext;
  readonly #dispatcher: MatchDispatcher;
  readonly #log: Logger;
  #state: unknown;
  #tick = 0;
  #tickRate = 0;
  #label = '';
  #phase: Phase = 'running';
  #inCallback = false;
  #ticker: Ticker | undefined;
  #graceTimer: TimerHandle | undefined;
  readonly #inputs: MatchInputQueue;
  readonly #outbox: MatchOutbox;
  readonly #ended: Promise<void>;
  #resolveEnded: () => void = () => {};

  private constructor(
    deps: AuthoritativeMatchDeps,
    uuid: string,
    handlerName: string,
    handler: MatchHandler,
  ) {
    this.#d = deps;
    this.uuid = uuid;
    this.id = formatMatchId(uuid, deps.node);
    this.stream = stream(StreamMode.MATCH_AUTHORITATIVE, uuid, '', deps.node);
    this.handlerName = handlerName;
    this.createdAt = deps.clock.now();
    this.#handler = handler;
    this.#log = deps.logger.child({ matchId: this.id, handler: handlerName });
    this.#inputs = new MatchInputQueue({
      limit: deps.limits.inputQueueSize,
      node: deps.node,
      now: () => deps.clock.now(),
    });
    this.#outbox = new MatchOutbox({
      matchId: this.id,
      stream: this.stream,
      tracker: deps.tracker,
      router: deps.router,
      deferredLimit: deps.limits.deferredQueueSize,
    });
    this.#ended = new Promise((resolve) => {
      this.#resolveEnded = resolve;
    });
    const self = this;
    const logger = gameLogger(this.#log);
    this.#ctx = Object.freeze({
      matchId: this.id,
      node: deps.node,
      handlerName,
      get tickRate() {
        return self.#tickRate;
      },
      get label() {
        return self.#label;
      },
      logger,
    });
    // After the match has ended the dispatcher does nothing: a handler may still hold it.
    const live = () => this.#phase !== 'ended';
    this.#dispatcher = Object.freeze({
      broadcastMessage: (opCode, data, presences, sender, reliable = true) => {
        if (live()) this.#outbox.broadcast({ opCode, data, presences, sender, reliable });
      },
      broadcastMessageDeferred: (opCode, data, presences, sender, reliable = true) => {
        if (live()) this.#outbox.defer({ opCode, data, presences, sender, reliable });
      },
      matchKick: (presences) => {
        if (live()) this.#outbox.kick(presences);
      },
      matchLabelUpdate: (label) => {
        if (live()) this.#setLabel(label);
      },
    } satisfies MatchDispatcher);
  }

  /**
   * Runs `matchInit` and starts ticking. Throws {@link MatchInitError} (and starts nothing) when init
   * throws or returns no state, a tick rate outside 1–60, or a label over 2048 bytes.
   */
  static start(
    deps: AuthoritativeMatchDeps,
    opts: {
      uuid: string;
      handlerName: string;
      handler: MatchHandler;
      params: Readonly<Record<string, unknown>>;
    },
  ): AuthoritativeMatch {
    const match = new AuthoritativeMatch(deps, opts.uuid, opts.handlerName, opts.handler);
    match.#init(opts.params);
    return match;
  }

  get label(): string {
    return this.#label;
  }
  get tickRate(): number {
    return this.#tickRate;
  }
  /** Loops run so far (the value the next `matchLoop` receives). */
  get tick(): number {
    return this.#tick;
  }
  get ended(): boolean {
    return this.#phase === 'ended';
  }
  /** Members now. */
  get size(): number {
    return this.#d.tracker.count(this.stream);
  }
  /** Inputs dropped because the queue was full. */
  get droppedInputs(): number {
    return this.#inputs.dropped;
  }
  /** Resolves once the match has ended. */
  get whenEnded(): Promise<void> {
    return this.#ended;
  }

  /** Asks `matchJoinAttempt` whether `presence` may join. The caller tracks it when accepted. */
  joinAttempt(presence: Presence, metadata: Readonly<Record<string, string>>): JoinVerdict {
    if (this.#phase === 'ended') return { accept: false, ended: true, reason: 'Match not found' };
    const attempt = this.#handler.matchJoinAttempt;
    if (!attempt) return { accept: true };
    const p = matchPresence(presence, this.#d.node);
    const r = this.#invoke('matchJoinAttempt', () =>
      attempt.call(this.#handler, this.#ctx, this.#dispatcher, this.#tick, this.#state, p, metadata),
    );
    if (r === FAILED) return { accept: false, ended: true, reason: 'Match not found' };
    if (!this.#keep('matchJoinAttempt', r)) return { accept: false, ended: true, reason: 'Match not found' };
    if (r?.accept === true) return { accept: true };
    const reason = typeof r?.rejectMessage === 'string' && r.rejectMessage !== '' ? r.rejectMessage : '';
    return { accept: false, ended: false, reason: reason || 'Match join rejected' };
  }

  /** Tracker events for this match's stream: `matchLeave` for leaves, then `matchJoin` for joins. */
  presencesChanged(joins: readonly Presence[], leaves: readonly Presence[]): void {
    const node = this.#d.node;
    if (leaves.length > 0 && this.#phase !== 'ended' && this.#handler.matchLeave) {
      const fn = this.#handler.matchLeave;
      const ps = leaves.map((p) => matchPresence(p, node));
      const r = this.#invoke('matchLeave', () =>
        fn.call(this.#handler, this.#ctx, this.#dispatcher, this.#tick, this.#state, ps),
      );
      if (r !== FAILED) this.#keep('matchLeave', r);
    }
    if (joins.length > 0 && this.#phase !== 'ended' && this.#handler.matchJoin) {
      const fn = this.#handler.matchJoin;
      const ps = joins.map((p) => matchPresence(p, node));
      const r = this.#invoke('matchJoin', () =>
        fn.call(this.#handler, this.#ctx, this.#dispatcher, this.#tick, this.#state, ps),
      );
      if (r !== FAILED) this.#keep('matchJoin', r);
    }
  }

  /** Queues a member's input for the next loop (see the class comment for the overflow policy). */
  enqueue(sender: Presence, opCode: number, base64: string, reliable: boolean): EnqueueResult {
    return this.#inputs.push(sender, opCode, base64, reliable);
  }

  /** Calls `matchSignal` and returns its reply. Throws if the match ended or is inside a callback. */
  signal(data: string): string {
    if (this.#phase === 'ended') throw new Error(`Match ${this.id} not found`);
    if (this.#inCallback) throw new Error('matchSignal cannot be called from inside the same match');
    const fn = this.#handler.matchSignal;
    if (!fn) return '';
    const r = this.#invoke('matchSignal', () =>
      fn.call(this.#handler, this.#ctx, this.#dispatcher, this.#tick, this.#state, data),
    );
    if (r === FAILED) throw new Error(`Match ${this.id} failed in matchSignal`);
    this.#keep('matchSignal', r);
    return typeof r?.data === 'string' ? r.data : '';
  }

  /**
   * Server shutdown: calls `matchTerminate` with the grace period; a match that keeps its state ticks
   * on until it ends itself or the grace period runs out. Resolves once the match has ended.
   */
  terminate(graceSeconds: number): Promise<void> {
    if (this.#phase !== 'running') return this.#ended;
    this.#phase = 'terminating';
    const fn = this.#handler.matchTerminate;
    if (!fn) {
      this.#end(MatchEndReason.SHUTDOWN);
      return this.#ended;
    }
    const r = this.#invoke('matchTerminate', () =>
      fn.call(this.#handler, this.#ctx, this.#dispatcher, this.#tick, this.#state, graceSeconds),
    );
    if (r === FAILED || !this.#keep('matchTerminate', r, MatchEndReason.SHUTDOWN)) return this.#ended;
    if (graceSeconds <= 0) this.#end(MatchEndReason.SHUTDOWN);
    else this.#graceTimer = this.#d.scheduler.setTimer(graceSeconds * 1000, () => this.#end('shutdown'));
    return this.#ended;
  }

  /** Ends the match now without calling game code (forced shutdown). */
  stop(reason: MatchEndReason = MatchEndReason.SHUTDOWN): void {
    this.#end(reason);
  }

  #init(params: Readonly<Record<string, unknown>>): void {
    const r = this.#invoke('matchInit', () => this.#handler.matchInit(this.#ctx, params), false);
    const fail = (why: string) =>
      new MatchInitError(`matchInit of match handler '${this.handlerName}' ${why}`);
    if (r === FAILED) throw fail('threw (see the log)');
    if (r === null || typeof r !== 'object' || r.state === null || r.state === undefined) {
      throw fail('returned no state');
    }
    const rate = r.tickRate;
    if (!Number.isInteger(rate) || rate < MIN_TICK_RATE || rate > MAX_TICK_RATE) {
      throw fail(`returned tickRate ${String(rate)}: it must be an integer from 1 to 60`);
    }
    const label = r.label ?? '';
    if (typeof label !== 'string' || utf8ByteLength(label) > MAX_LABEL_BYTES) {
      throw fail(`returned a label that is not a string of at most ${MAX_LABEL_BYTES} bytes`);
    }
    this.#state = r.state;
    this.#tickRate = rate;
    this.#label = label;
    this.#ticker = new Ticker(this.#d.scheduler, 1000 / rate, () => this.#loop());
    this.#ticker.start();
    this.#log.debug({ tickRate: rate }, 'match started');
  }

  #loop(): void {
    if (this.#phase === 'ended') return;
    const started = performance.now();
    const messages = this.#inputs.drain();
    const loop = this.#handler.matchLoop;
    const r = this.#invoke('matchLoop', () =>
      loop.call(this.#handler, this.#ctx, this.#dispatcher, this.#tick, this.#state, messages),
    );
    if (r === FAILED || !this.#keep('matchLoop', r)) return;
    this.#tick++;
    this.#outbox.flushDeferred();
    this.#d.meter?.loop((performance.now() - started) / 1000);
  }

  /**
   * Runs one game callback: a throw, or a Promise (callbacks must be synchronous), is a fault that ends
   * the match. `endOnFault` is false for `matchInit`, whose caller reports the failure instead.
   */
  #invoke<T>(name: string, fn: () => T, endOnFault = true): T | typeof FAILED {
    this.#inCallback = true;
    let fault: unknown;
    let result: T | undefined;
    try {
      result = fn();
      if (result !== null && typeof (result as { then?: unknown } | undefined)?.then === 'function') {
        // Silence a later rejection: it belongs to a callback we have already given up on.
        void Promise.resolve(result).catch(() => {});
        fault = new Error(`${name} returned a Promise: match handler callbacks must be synchronous`);
      }
    } catch (err) {
      fault = err;
    } finally {
      this.#inCallback = false;
    }
    if (fault === undefined) return result as T;
    this.#log.error({ err: fault, callback: name, tick: this.#tick }, `match handler failed in ${name}`);
    if (endOnFault) this.#end(MatchEndReason.ERROR);
    return FAILED;
  }

  /** Applies a callback's new state; no state ends the match. Returns whether it is still running. */
  #keep(
    name: string,
    r: { state?: unknown } | null | undefined,
    reason: MatchEndReason = 'stopped',
  ): boolean {
    if (this.#phase === 'ended') return false;
    if (r === null || r === undefined || r.state === null || r.state === undefined) {
      this.#log.debug({ callback: name }, 'match handler returned no state: ending the match');
      this.#end(reason);
      return false;
    }
    this.#state = r.state;
    return true;
  }

  #setLabel(label: string): void {
    if (typeof label !== 'string' || utf8ByteLength(label) > MAX_LABEL_BYTES) {
      throw new RangeError(
        `matchLabelUpdate: the label must be a string of at most ${MAX_LABEL_BYTES} bytes`,
      );
    }
    this.#label = label;
  }

  #end(reason: MatchEndReason): void {
    if (this.#phase === 'ended') return;
    this.#phase = 'ended';
    this.#ticker?.stop();
    this.#graceTimer?.cancel();
    this.#inputs.drain();
    this.#outbox.close();
    this.#log.info({ reason, tick: this.#tick, droppedInputs: this.#inputs.dropped }, 'match ended');
    try {
      this.#d.onEnded(this, reason);
    } finally {
      this.#resolveEnded();
    }
  }
}
