/** Reset schedules: Nakama's 5-, 6- (year last) and 7-field cron, evaluated in UTC, and tournament windows. */
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../shared/domain-error.ts';
import { type Board, DEFAULT_MAX_NUM_SCORE } from './leaderboard-types.ts';
import { INVALID_CRON, parseSchedule, ScheduleCache, tournamentWindow } from './schedule.ts';

const sec = (iso: string) => Date.parse(iso) / 1000;

describe('reset schedules', () => {
  it('reads 5 fields, 6 with the year last, 7 with seconds first, and aliases, in UTC', () => {
    const at = sec('2030-03-10T10:30:00Z');
    expect(parseSchedule('0 0 * * *').next(at)).toBe(sec('2030-03-11T00:00:00Z'));
    expect(parseSchedule('0 0 * * *').previous(at)).toBe(sec('2030-03-10T00:00:00Z'));
    expect(parseSchedule('0 12 1 1 * 2031').next(at)).toBe(sec('2031-01-01T12:00:00Z'));
    expect(parseSchedule('30 0 12 1 1 * 2031').next(at)).toBe(sec('2031-01-01T12:00:30Z'));
    expect(parseSchedule('@daily').next(at)).toBe(sec('2030-03-11T00:00:00Z'));
    // A firing exactly at `at` is the previous one, not the next.
    expect(parseSchedule('0 0 * * 1').next(sec('2030-03-11T00:00:00Z'))).toBe(sec('2030-03-18T00:00:00Z'));
    expect(parseSchedule('0 0 * * 1').previous(sec('2030-03-11T00:00:00Z'))).toBe(
      sec('2030-03-11T00:00:00Z'),
    );
  });

  it('refuses malformed and impossible schedules with Nakama message', () => {
    for (const bad of ['', 'daily', '* * *', '61 * * * *', '0 0 30 2 *', '0 0 1 1 * 2001', 'a b c d e']) {
      expect(() => parseSchedule(bad), bad).toThrow(DomainError);
      expect(() => parseSchedule(bad), bad).toThrow(INVALID_CRON);
    }
  });

  it('computes tournament windows: start, duration, resets and end time', () => {
    const board: Board = {
      id: 't',
      authoritative: true,
      sortOrder: 1,
      operator: 0,
      resetSchedule: '0 0 * * *',
      metadata: '{}',
      createTime: new Date(0),
      tournament: true,
      category: 0,
      title: '',
      description: '',
      duration: 3600,
      startTime: sec('2030-03-01T00:00:00Z'),
      endTime: sec('2030-03-20T12:00:00Z'),
      maxSize: 0,
      maxNumScore: DEFAULT_MAX_NUM_SCORE,
      joinRequired: false,
    };
    const cache = new ScheduleCache();
    expect(tournamentWindow(board, sec('2030-03-10T00:30:00Z'), cache)).toEqual({
      startActive: sec('2030-03-10T00:00:00Z'),
      endActive: sec('2030-03-10T01:00:00Z'),
      expiry: sec('2030-03-11T00:00:00Z'),
      prevReset: sec('2030-03-10T00:00:00Z'),
    });
    // The last period is cut short by the end time.
    expect(tournamentWindow({ ...board, duration: 86400 }, sec('2030-03-20T06:00:00Z'), cache)).toMatchObject(
      {
        endActive: sec('2030-03-20T12:00:00Z'),
        expiry: sec('2030-03-20T12:00:00Z'),
      },
    );
    // Before the start: the first window after it.
    expect(tournamentWindow(board, sec('2030-02-01T00:00:00Z'), cache)).toMatchObject({
      startActive: board.startTime,
      endActive: board.startTime + 3600,
      expiry: sec('2030-03-02T00:00:00Z'),
    });
    const once = { ...board, resetSchedule: null, endTime: 0 };
    expect(tournamentWindow(once, sec('2030-03-10T00:00:00Z'), cache)).toEqual({
      startActive: board.startTime,
      endActive: board.startTime + 3600,
      expiry: 0,
      prevReset: 0,
    });
  });
});
