import type { ApiRoute, HttpRequest } from '../../api/http-types.ts';
import { intQuery } from '../../api/request-helpers.ts';
import { notFound } from '../../shared/domain-error.ts';
import { recordListJson } from './leaderboard-json.ts';
import type { LeaderboardService } from './leaderboard-service.ts';
import { type Board, operatorName, SortOrder } from './leaderboard-types.ts';
import type { TournamentService } from './tournament-service.ts';

/** Most boards the console lists at once. */
const MAX_CONSOLE_BOARDS = 1000;

/**
 * The console's leaderboard section: every board with its current period's size, one board's
 * records in rank order (100 a page), and deleting a record or a whole board. Operator actions, so
 * authoritative boards are not refused.
 */
export function leaderboardConsoleRoutes(deps: {
  readonly leaderboards: LeaderboardService;
  readonly tournaments: TournamentService;
}): ApiRoute[] {
  const { leaderboards: lb, tournaments: tn } = deps;
  const boardOf = async (req: HttpRequest): Promise<Board> => {
    const board = await lb.boards.get(req.params.id ?? '');
    if (board === undefined) throw notFound('Leaderboard not found.');
    return board;
  };
  const expiryOf = (board: Board) => (board.tournament ? tn.window(board).expiry : lb.currentExpiry(board));
  const summary = async (board: Board) => {
    const expiry = expiryOf(board);
    return {
      id: board.id,
      tournament: board.tournament,
      authoritative: board.authoritative,
      sort_order: board.sortOrder === SortOrder.DESC ? 'desc' : 'asc',
      operator: operatorName(board.operator),
      reset_schedule: board.resetSchedule ?? '',
      title: board.title,
      category: board.category,
      expiry_time: expiry,
      rank_count: await lb.ranks.size({ leaderboardId: board.id, expiryTime: expiry }),
      metadata: board.metadata,
    };
  };
  return [
    {
      method: 'GET',
      path: '/v2/console/leaderboard',
      name: 'ConsoleListLeaderboards',
      handler: async () => ({
        body: { leaderboards: await Promise.all(lb.boards.all().slice(0, MAX_CONSOLE_BOARDS).map(summary)) },
      }),
    },
    {
      method: 'GET',
      path: '/v2/console/leaderboard/:id',
      name: 'ConsoleListLeaderboardRecords',
      handler: async (req) => {
        const board = await boardOf(req);
        const list = await lb.listPeriod(board, expiryOf(board), {
          limit: intQuery(req, 'limit', 100),
          cursor: req.query.get('cursor') || undefined,
        });
        return { body: { leaderboard: await summary(board), ...recordListJson(list) } };
      },
    },
    {
      method: 'DELETE',
      path: '/v2/console/leaderboard/:id/owner/:ownerId',
      name: 'ConsoleDeleteLeaderboardRecord',
      handler: async (req) => {
        const board = await boardOf(req);
        const owner = req.params.ownerId ?? '';
        if (board.tournament) await tn.deleteRecord(board.id, owner, { authoritative: true });
        else await lb.deleteRecord(board.id, owner, { authoritative: true });
        return { body: {} };
      },
    },
    {
      method: 'DELETE',
      path: '/v2/console/leaderboard/:id',
      name: 'ConsoleDeleteLeaderboard',
      handler: async (req) => {
        const board = await boardOf(req);
        return { body: { deleted: await lb.deleteBoard(board.id) } };
      },
    },
  ];
}
