import type { ApiRoute, HttpRequest } from '../../api/http-types.ts';
import { intQuery, withSession } from '../../api/request-helpers.ts';
import type { SessionVerifier } from '../../session/verifier.ts';
import { invalid } from '../../shared/domain-error.ts';
import { JsonBytes } from '../../shared/json-bytes.ts';
import { recordJson, recordListResponse, tournamentJson } from './leaderboard-json.ts';
import { type LeaderboardService, MAX_RECORDS_LIMIT, type RecordWrite } from './leaderboard-service.ts';
import type { TournamentService } from './tournament-service.ts';

/** The API operator enum by name (protojson accepts names as well as numbers). */
const OPERATOR_NAMES: Readonly<Record<string, number>> = {
  NO_OVERRIDE: 0,
  BEST: 1,
  SET: 2,
  INCREMENT: 3,
  DECREMENT: 4,
};

const CLIENT = { authoritative: false } as const;

/**
 * Nakama's leaderboard and tournament REST endpoints (`/v2/leaderboard/…`, `/v2/tournament/…`), as
 * nakama-js calls them. Clients write their own record only, and never to authoritative boards.
 */
export function leaderboardRoutes(deps: {
  readonly leaderboards: LeaderboardService;
  readonly tournaments: TournamentService;
  readonly sessions: Pick<SessionVerifier, 'verifySessionToken'>;
}): ApiRoute[] {
  const { leaderboards: lb, tournaments: tn, sessions } = deps;
  // One scratch buffer for every record-list response these routes write (see recordListBytes).
  const scratch = new JsonBytes();
  const writeTournament = withSession(sessions, async (req, caller) =>
    recordJson(
      await tn.write(param(req, 'id'), await recordBody(req, caller.userId, caller.username), CLIENT),
    ),
  );
  return [
    {
      method: 'POST',
      path: '/v2/leaderboard/:id',
      name: 'WriteLeaderboardRecord',
      handler: withSession(sessions, async (req, caller) => {
        const id = param(req, 'id');
        if (id === '') throw invalid('Invalid leaderboard ID.');
        return recordJson(
          await lb.writeRecord(id, await recordBody(req, caller.userId, caller.username), CLIENT),
        );
      }),
    },
    {
      method: 'GET',
      path: '/v2/leaderboard/:id',
      name: 'ListLeaderboardRecords',
      handler: withSession(sessions, async (req) => {
        const ownerIds = req.query.getAll('owner_ids').filter((o) => o !== '');
        const cursor = req.query.get('cursor') || undefined;
        const limit = pageLimit(req, ownerIds.length > 0 && !cursor ? 0 : 1, MAX_RECORDS_LIMIT);
        return recordListResponse(
          await lb.listRecords(param(req, 'id'), { ownerIds, limit, cursor, expiry: expiryQuery(req) }),
          scratch,
        );
      }),
    },
    {
      method: 'DELETE',
      path: '/v2/leaderboard/:id',
      name: 'DeleteLeaderboardRecord',
      handler: withSession(sessions, async (req, caller) => {
        await lb.deleteRecord(param(req, 'id'), caller.userId, CLIENT);
        return {};
      }),
    },
    {
      method: 'GET',
      path: '/v2/leaderboard/:id/owner/:ownerId',
      name: 'ListLeaderboardRecordsAroundOwner',
      handler: withSession(sessions, async (req) =>
        recordListResponse(
          await lb.haystack(param(req, 'id'), param(req, 'ownerId'), {
            limit: intQuery(req, 'limit', 1),
            cursor: req.query.get('cursor') || undefined,
            expiry: expiryQuery(req),
          }),
          scratch,
        ),
      ),
    },
    {
      method: 'GET',
      path: '/v2/tournament',
      name: 'ListTournaments',
      handler: withSession(sessions, async (req) => {
        const opt = (name: string) => (req.query.get(name) ? intQuery(req, name, 0) : undefined);
        const list = await tn.list({
          categoryStart: opt('category_start'),
          categoryEnd: opt('category_end'),
          startTime: opt('start_time'),
          endTime: opt('end_time'),
          limit: opt('limit'),
          cursor: req.query.get('cursor') || undefined,
        });
        const out: Record<string, unknown> = {};
        if (list.tournaments.length > 0) out.tournaments = list.tournaments.map(tournamentJson);
        if (list.cursor) out.cursor = list.cursor;
        return out;
      }),
    },
    {
      method: 'POST',
      path: '/v2/tournament/:id/join',
      name: 'JoinTournament',
      handler: withSession(sessions, async (req, caller) => {
        await tn.join(param(req, 'id'), caller.userId, caller.username);
        return {};
      }),
    },
    { method: 'PUT', path: '/v2/tournament/:id', name: 'WriteTournamentRecord', handler: writeTournament },
    { method: 'POST', path: '/v2/tournament/:id', name: 'WriteTournamentRecord', handler: writeTournament },
    {
      method: 'GET',
      path: '/v2/tournament/:id',
      name: 'ListTournamentRecords',
      handler: withSession(sessions, async (req) => {
        const ownerIds = req.query.getAll('owner_ids').filter((o) => o !== '');
        const cursor = req.query.get('cursor') || undefined;
        const limit = pageLimit(req, ownerIds.length > 0 && cursor ? 0 : 10, MAX_RECORDS_LIMIT);
        return recordListResponse(
          await tn.listRecords(param(req, 'id'), { ownerIds, limit, cursor, expiry: expiryQuery(req) }),
          scratch,
        );
      }),
    },
    {
      method: 'DELETE',
      path: '/v2/tournament/:id',
      name: 'DeleteTournamentRecord',
      handler: withSession(sessions, async (req, caller) => {
        await tn.deleteRecord(param(req, 'id'), caller.userId, CLIENT);
        return {};
      }),
    },
    {
      method: 'GET',
      path: '/v2/tournament/:id/owner/:ownerId',
      name: 'ListTournamentRecordsAroundOwner',
      handler: withSession(sessions, async (req) =>
        recordListResponse(
          await tn.haystack(param(req, 'id'), param(req, 'ownerId'), {
            limit: intQuery(req, 'limit', 100),
            cursor: req.query.get('cursor') || undefined,
            expiry: expiryQuery(req),
          }),
          scratch,
        ),
      ),
    },
  ];
}

function param(req: HttpRequest, name: string): string {
  return req.params[name] ?? '';
}

/** `limit`: `fallback` when absent; otherwise 1…`max`. */
function pageLimit(req: HttpRequest, fallback: number, max: number): number {
  const limit = intQuery(req, 'limit', -1);
  if (limit === -1 && !req.query.get('limit')) return fallback;
  if (limit < 1 || limit > max) throw invalid(`Invalid limit - limit must be between 1 and ${max}.`);
  return limit;
}

/** `expiry` (an Int64Value of Unix seconds): 0 or absent = the current period. */
function expiryQuery(req: HttpRequest): number {
  const v = req.query.get('expiry');
  if (v === null || v === '') return 0;
  if (!/^\d{1,12}$/.test(v)) throw invalid('Expiry time must be a positive number of seconds.');
  return Number(v);
}

/** The body of a record write (`api.WriteLeaderboardRecordRequest.record`) for the calling user. */
async function recordBody(req: HttpRequest, userId: string, username: string): Promise<RecordWrite> {
  const body = await req.json();
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid('Invalid input, record score value is required.');
  }
  const b = body as Record<string, unknown>;
  let operator: number | undefined;
  if (b.operator !== undefined && b.operator !== null) {
    operator = typeof b.operator === 'string' ? OPERATOR_NAMES[b.operator.toUpperCase()] : Number(b.operator);
    if (operator === undefined || !Number.isInteger(operator))
      throw invalid(`Invalid operator ${String(b.operator)}.`);
  }
  return { ownerId: userId, username, score: b.score, subscore: b.subscore, metadata: b.metadata, operator };
}
