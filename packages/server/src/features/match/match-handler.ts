/**
 * The contract between Tether and game code that runs an authoritative match: the handler a module
 * registers, and what Tether hands to its callbacks. The runtime API (`runtime/api.ts`) re-exports these
 * types for game modules; they live here because the match engine, which sits below the runtime,
 * calls them.
 *
 * Every callback is **synchronous**: it runs between ticks on the match's own timer, and a callback
 * that returns a Promise is treated as a fault (the match ends), because an `await` inside would let
 * other events interleave with a half-updated state. Do asynchronous work in RPCs and hand results to
 * a match with `nk.matchSignal`.
 *
 * @packageDocumentation
 */
import type { Logger as PinoLogger } from 'pino';

/** One session in a match, as handlers see it. */
export interface MatchPresence {
  readonly userId: string;
  readonly sessionId: string;
  readonly username: string;
  /** Node the session is connected to. */
  readonly node: string;
}

/** A `match_data_send` from a member, queued for the next `matchLoop`. */
export interface MatchMessage {
  readonly sender: MatchPresence;
  /** Non-negative integer chosen by the game. */
  readonly opCode: number;
  /** The decoded payload (empty when the client sent none). */
  readonly data: Uint8Array;
  /** Copied from the send; every realtime carrier is reliable. */
  readonly reliable: boolean;
  /** Server time (ms since the epoch) at which the message was queued. */
  readonly receiveTimeMs: number;
}

/** Structured logging for game code; `fields` are added to the JSON log line. */
export interface GameLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Facts about the running match, passed to every callback. */
export interface MatchContext {
  readonly matchId: string;
  readonly node: string;
  /** The name the handler was registered under. */
  readonly handlerName: string;
  /** Ticks per second, from `matchInit` (0 inside `matchInit`). */
  readonly tickRate: number;
  /** The current label. */
  readonly label: string;
  /** A logger that tags every line with the match id. */
  readonly logger: GameLogger;
}

/** Payload of {@link MatchDispatcher.broadcastMessage}: text is sent as UTF-8. */
export type MatchData = string | Uint8Array | null | undefined;

/** How a handler talks to its players. Valid until the match ends; calls after that are ignored. */
export interface MatchDispatcher {
  /**
   * Sends `match_data` at once: to `presences` (those of them still in the match), or to every member
   * when null/omitted. `sender` is shown as `match_data.presence`.
   */
  broadcastMessage(
    opCode: number,
    data?: MatchData,
    presences?: readonly MatchPresence[] | null,
    sender?: MatchPresence | null,
    reliable?: boolean,
  ): void;
  /**
   * Like {@link broadcastMessage}, but sent after the current `matchLoop` returns. At most
   * 128 per tick; one more throws.
   */
  broadcastMessageDeferred(
    opCode: number,
    data?: MatchData,
    presences?: readonly MatchPresence[] | null,
    sender?: MatchPresence | null,
    reliable?: boolean,
  ): void;
  /** Removes presences from the match; each then gets `matchLeave` and members a leave event. */
  matchKick(presences: readonly MatchPresence[]): void;
  /** Replaces the label (at most 2048 bytes); listings see it at once. */
  matchLabelUpdate(label: string): void;
}

/** `matchInit` result. */
export interface MatchInitResult<S> {
  /** The initial state; null or undefined refuses to create the match. */
  state: S | null | undefined;
  /** Ticks per second, an integer from 1 to 60. */
  tickRate: number;
  /** Listing label, usually JSON (queried with `+label.field:value`); at most 2048 bytes. */
  label?: string;
}

/** `matchJoinAttempt` result. */
export interface MatchJoinAttemptResult<S> {
  /** The new state; null or undefined ends the match (and refuses the join). */
  state: S | null | undefined;
  /** Whether the presence may join. */
  accept: boolean;
  /** Sent to the client as the error message when `accept` is false (code 5). */
  rejectMessage?: string;
}

/** `matchSignal` result. */
export interface MatchSignalResult<S> {
  /** The new state; null or undefined ends the match (the reply is still returned). */
  state: S | null | undefined;
  /** Returned to the caller of `nk.matchSignal`. */
  data?: string;
}

/** What state-only callbacks return; null, undefined or `{state: null}` ends the match. */
export type MatchStateResult<S> = { state: S | null | undefined } | null | undefined;

/**
 * An authoritative match implementation, registered with `initializer.registerMatch(name, handler)`.
 * `matchInit` and `matchLoop` are required; the others default to: accept every join, keep the state on
 * join/leave, end at once on terminate, answer signals with `""`.
 */
export interface MatchHandler<S = unknown> {
  /** Creates the state. `params` come from `nk.matchCreate` (or the matchmaker hook). */
  matchInit(ctx: MatchContext, params: Readonly<Record<string, unknown>>): MatchInitResult<S>;
  /** Decides whether a presence may join (before it is tracked). */
  matchJoinAttempt?(
    ctx: MatchContext,
    dispatcher: MatchDispatcher,
    tick: number,
    state: S,
    presence: MatchPresence,
    metadata: Readonly<Record<string, string>>,
  ): MatchJoinAttemptResult<S> | null | undefined;
  /** Presences that joined (they are members now and receive broadcasts). */
  matchJoin?(
    ctx: MatchContext,
    dispatcher: MatchDispatcher,
    tick: number,
    state: S,
    presences: readonly MatchPresence[],
  ): MatchStateResult<S>;
  /** Presences that left, disconnected or were kicked. */
  matchLeave?(
    ctx: MatchContext,
    dispatcher: MatchDispatcher,
    tick: number,
    state: S,
    presences: readonly MatchPresence[],
  ): MatchStateResult<S>;
  /** Called `tickRate` times per second with the inputs queued since the last tick. */
  matchLoop(
    ctx: MatchContext,
    dispatcher: MatchDispatcher,
    tick: number,
    state: S,
    messages: readonly MatchMessage[],
  ): MatchStateResult<S>;
  /** The server is shutting down: the match may keep ticking for `graceSeconds`, then it is ended. */
  matchTerminate?(
    ctx: MatchContext,
    dispatcher: MatchDispatcher,
    tick: number,
    state: S,
    graceSeconds: number,
  ): MatchStateResult<S>;
  /** Answers `nk.matchSignal(matchId, data)`. */
  matchSignal?(
    ctx: MatchContext,
    dispatcher: MatchDispatcher,
    tick: number,
    state: S,
    data: string,
  ): MatchSignalResult<S> | null | undefined;
}

/** Adapts a pino logger to {@link GameLogger}. */
export function gameLogger(log: PinoLogger): GameLogger {
  return {
    debug: (message, fields) => log.debug(fields ?? {}, message),
    info: (message, fields) => log.info(fields ?? {}, message),
    warn: (message, fields) => log.warn(fields ?? {}, message),
    error: (message, fields) => log.error(fields ?? {}, message),
  };
}
