/**
 * Reset schedules (cron, evaluated in UTC) and the periods they cut a board into: a scheduled
 * leaderboard's records expire at the next firing; a tournament's active window and expiry follow
 * Nakama's `calculateTournamentDeadlines` rules (docs/leaderboards.md).
 *
 * Nakama's cron takes 5 fields (minute hour day-of-month month day-of-week), 6 (year last) or 7
 * (seconds first, year last), plus `@daily`-style aliases. croner reads 6 fields as seconds first,
 * so a 6-field expression is given a leading `0` seconds field and parsed in 7-part mode.
 *
 * @packageDocumentation
 */
import { Cron } from 'croner';
import { invalid } from '../../shared/domain-error.ts';
import type { Board } from './leaderboard-types.ts';

/** A parsed cron schedule; times are Unix seconds. */
export interface Schedule {
  /** The first firing strictly after `afterSec`, or null when there is none (a past year). */
  next(afterSec: number): number | null;
  /** The last firing at or before `atSec`, or null. */
  previous(atSec: number): number | null;
}

/** The message Nakama gives for an expression it cannot read. */
export const INVALID_CRON = 'expects reset schedule to be a valid CRON expression';

/**
 * Parses a reset schedule. Refuses text croner cannot read and schedules that never fire (such as
 * `0 0 30 2 *`), with INVALID_ARGUMENT.
 */
export function parseSchedule(expression: string): Schedule {
  if (typeof expression !== 'string' || expression.trim() === '' || expression.length > 256) {
    throw invalid(INVALID_CRON);
  }
  const text = expression.trim();
  const fields = text.startsWith('@') ? 1 : text.split(/\s+/).length;
  let cron: Cron;
  try {
    if (fields === 6) cron = new Cron(`0 ${text}`, { timezone: 'UTC', mode: '7-part' });
    else if (fields === 7) cron = new Cron(text, { timezone: 'UTC', mode: '7-part' });
    else if (fields === 5 || fields === 1) cron = new Cron(text, { timezone: 'UTC' });
    else throw new Error('wrong number of fields');
  } catch {
    throw invalid(INVALID_CRON);
  }
  // A schedule with no future firing (an impossible date or a past year) is no schedule at all.
  if (cron.nextRun(new Date()) === null) throw invalid(INVALID_CRON);
  return {
    next(afterSec) {
      const at = cron.nextRun(new Date(afterSec * 1000));
      return at === null ? null : Math.floor(at.getTime() / 1000);
    },
    previous(atSec) {
      const [at] = cron.previousRuns(1, new Date((atSec + 1) * 1000));
      return at === undefined ? null : Math.floor(at.getTime() / 1000);
    },
  };
}

/** Parses schedules once per expression; boards share them. */
export class ScheduleCache {
  readonly #parsed = new Map<string, Schedule>();

  /** The schedule of `expression` (parsed on first use; throws as {@link parseSchedule}). */
  get(expression: string): Schedule {
    let s = this.#parsed.get(expression);
    if (s === undefined) {
      s = parseSchedule(expression);
      if (this.#parsed.size >= 10_000) this.#parsed.clear(); // bounded: boards are few
      this.#parsed.set(expression, s);
    }
    return s;
  }
}

/** The period a leaderboard writes into now: the next reset (Unix seconds), or 0 without a schedule. */
export function leaderboardExpiry(board: Board, nowSec: number, schedules: ScheduleCache): number {
  if (board.resetSchedule === null) return 0;
  return schedules.get(board.resetSchedule).next(nowSec) ?? 0;
}

/** The previous reset of a scheduled leaderboard, or 0. */
export function leaderboardPrevReset(board: Board, nowSec: number, schedules: ScheduleCache): number {
  if (board.resetSchedule === null) return 0;
  return schedules.get(board.resetSchedule).previous(nowSec) ?? 0;
}

/** A tournament's current (or next) period, in Unix seconds. */
export interface TournamentWindow {
  /** When the period opens for scores. */
  readonly startActive: number;
  /** When it stops taking scores. */
  readonly endActive: number;
  /** When its records expire (the period's bucket); 0 = never. */
  readonly expiry: number;
  /** The previous reset, 0 when none. */
  readonly prevReset: number;
}

/** Nakama's deadlines of a tournament at `nowSec` (docs/leaderboards.md, "Active window"). */
export function tournamentWindow(board: Board, nowSec: number, schedules: ScheduleCache): TournamentWindow {
  const { startTime, endTime, duration } = board;
  const capEnd = (t: number) => (endTime > 0 ? Math.min(t, endTime) : t);
  if (board.resetSchedule === null) {
    return { startActive: startTime, endActive: capEnd(startTime + duration), expiry: endTime, prevReset: 0 };
  }
  const schedule = schedules.get(board.resetSchedule);
  let prev = schedule.previous(nowSec) ?? startTime;
  let startActive = Math.max(prev, startTime);
  let next = schedule.next(startActive);
  // The current window has not begun yet (a start time in the future): use the first one after it.
  if (startTime > nowSec) {
    prev = schedule.previous(startTime) ?? 0;
    startActive = startTime;
    next = schedule.next(startTime);
  }
  const nextReset = next ?? 0;
  let endActive = startActive + duration;
  if (nextReset > 0) endActive = Math.min(endActive, nextReset);
  endActive = capEnd(endActive);
  const expiry = nextReset > 0 ? capEnd(nextReset) : endTime;
  return { startActive, endActive, expiry, prevReset: prev > startTime ? prev : 0 };
}
