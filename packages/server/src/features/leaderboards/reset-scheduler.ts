/**
 * Period boundaries: when a scheduled leaderboard resets, a tournament period ends or resets, the
 * scheduler drops the rank indexes of expired periods and runs the game's callbacks
 * (`registerLeaderboardReset`, `registerTournamentEnd`, `registerTournamentReset`).
 *
 * One timer for the whole server, set to the earliest boundary of any board (and at most an hour
 * away, which also trims expired indexes hourly as Nakama does), never one per record. Time comes
 * from the injected clock: tests move a manual clock and call {@link ResetScheduler.runDue}.
 *
 * @packageDocumentation
 */
import type { Logger } from 'pino';
import type { Clock } from '../../shared/clock.ts';
import type { LeaderboardService } from './leaderboard-service.ts';
import type { Board } from './leaderboard-types.ts';
import { leaderboardExpiry, tournamentWindow } from './schedule.ts';
import type { TournamentService, TournamentView } from './tournament-service.ts';

/** Game callbacks at period boundaries; the composition root connects them to the runtime. */
export interface LeaderboardHooks {
  /** A scheduled leaderboard reset at `reset` (Unix seconds): its period ended. */
  leaderboardReset?(board: Board, reset: number): void | Promise<void>;
  /** A tournament's active window closed at `end`; its period expires at `reset` (0 = never). */
  tournamentEnd?(tournament: TournamentView, end: number, reset: number): void | Promise<void>;
  /** A tournament period expired at `reset`; the next one starts empty. */
  tournamentReset?(tournament: TournamentView, end: number, reset: number): void | Promise<void>;
}

/** Longest wait between two runs, in milliseconds. */
export const MAX_SCHEDULER_DELAY_MS = 3_600_000;

/** Runs period boundaries as they come. */
export class ResetScheduler {
  readonly #lb: LeaderboardService;
  readonly #tournaments: TournamentService;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #hooks: () => LeaderboardHooks;
  #lastSec = 0;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<number> | undefined;
  #closed = false;

  /** @param deps.hooks - read at each boundary, so callbacks registered after start are seen */
  constructor(deps: {
    leaderboards: LeaderboardService;
    tournaments: TournamentService;
    clock: Clock;
    logger: Logger;
    hooks: () => LeaderboardHooks;
  }) {
    this.#lb = deps.leaderboards;
    this.#tournaments = deps.tournaments;
    this.#clock = deps.clock;
    this.#log = deps.logger;
    this.#hooks = deps.hooks;
  }

  /** Starts from now: boundaries that passed while the server was down are not replayed. */
  start(): void {
    this.#lastSec = this.#nowSec();
    this.#arm();
  }

  /**
   * Runs the boundaries between the previous run and now (each board's first one after the previous run), drops expired
   * rank indexes, and re-arms the timer. Returns how many callbacks ran.
   */
  runDue(): Promise<number> {
    this.#running ??= this.#run().finally(() => {
      this.#running = undefined;
      this.#arm();
    });
    return this.#running;
  }

  /** Sets the timer anew (a board was created or deleted, so the earliest boundary may have moved). */
  rearm(): void {
    if (this.#running === undefined) this.#arm();
  }

  /** Stops the timer. */
  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  async #run(): Promise<number> {
    const from = this.#lastSec;
    const now = this.#nowSec();
    if (now <= from) return 0;
    this.#lastSec = now;
    const hooks = this.#hooks();
    const schedules = this.#lb.boards.schedules;
    let fired = 0;
    for (const board of this.#lb.boards.all()) {
      if (!board.tournament) {
        if (board.resetSchedule === null) continue;
        const reset = leaderboardExpiry(board, from, schedules);
        if (reset > from && reset <= now && hooks.leaderboardReset) {
          fired += await this.#call('leaderboard reset', board.id, () =>
            hooks.leaderboardReset?.(board, reset),
          );
        }
        continue;
      }
      const w = tournamentWindow(board, from, schedules);
      const ended = w.endActive > from && w.endActive <= now;
      const reset = board.resetSchedule !== null && w.expiry > from && w.expiry <= now;
      if (!ended && !reset) continue;
      const view = await this.#tournaments.view(board);
      if (ended && hooks.tournamentEnd) {
        fired += await this.#call('tournament end', board.id, () =>
          hooks.tournamentEnd?.(view, w.endActive, w.expiry),
        );
      }
      if (reset && hooks.tournamentReset) {
        fired += await this.#call('tournament reset', board.id, () =>
          hooks.tournamentReset?.(view, w.endActive, w.expiry),
        );
      }
    }
    const dropped = this.#lb.ranks.dropExpired(now);
    if (dropped > 0) this.#log.debug({ dropped }, 'expired leaderboard periods dropped from the rank index');
    return fired;
  }

  async #call(what: string, id: string, fn: () => void | Promise<void>): Promise<number> {
    try {
      await fn();
    } catch (err) {
      this.#log.error({ err, leaderboard: id }, `${what} callback failed`);
    }
    return 1;
  }

  /** The earliest boundary after now of any board, in Unix seconds, or undefined. */
  #nextBoundary(now: number): number | undefined {
    let next: number | undefined;
    const consider = (t: number) => {
      if (t > now && (next === undefined || t < next)) next = t;
    };
    const schedules = this.#lb.boards.schedules;
    for (const board of this.#lb.boards.all()) {
      if (!board.tournament) {
        if (board.resetSchedule !== null) consider(leaderboardExpiry(board, now, schedules));
        continue;
      }
      const w = tournamentWindow(board, now, schedules);
      consider(w.endActive);
      consider(w.expiry);
    }
    return next;
  }

  #arm(): void {
    if (this.#closed) return;
    if (this.#timer) clearTimeout(this.#timer);
    const nowMs = this.#clock.now();
    const next = this.#nextBoundary(Math.floor(nowMs / 1000));
    const delay =
      next === undefined ? MAX_SCHEDULER_DELAY_MS : Math.min(MAX_SCHEDULER_DELAY_MS, next * 1000 - nowMs);
    this.#timer = setTimeout(() => void this.runDue(), Math.max(0, delay));
    this.#timer.unref();
  }

  #nowSec(): number {
    return Math.floor(this.#clock.now() / 1000);
  }
}
