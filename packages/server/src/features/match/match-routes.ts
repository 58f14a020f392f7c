import type { ApiRoute, HttpRequest } from '../../api/http-types.ts';
import { boolQuery, intQuery, withSession } from '../../api/request-helpers.ts';
import type { SessionVerifier } from '../../session/verifier.ts';
import type { MatchListFilter, MatchListing } from './match-list.ts';
import { listingJson } from './match-list.ts';

/**
 * `GET /v2/match?limit=&authoritative=&label=&min_size=&max_size=&query=` (Bearer session): running
 * matches as Nakama's `MatchList`, `{"matches": [...]}`. `limit` is 1–100, default 10; the other
 * parameters filter only when present (see `listMatches`). The list is always present, `[]` when
 * empty, where Nakama would omit it.
 */
export function matchRoutes(deps: {
  readonly matches: { list(filter: MatchListFilter): MatchListing[] };
  readonly sessions: Pick<SessionVerifier, 'verifySessionToken'>;
}): ApiRoute[] {
  return [
    {
      method: 'GET',
      path: '/v2/match',
      name: 'ListMatches',
      handler: withSession(deps.sessions, async (req) => ({
        matches: deps.matches.list(listFilter(req)).map(listingJson),
      })),
    },
  ];
}

/** The listing filter of a request's query parameters (shared with the console's match page). */
export function listFilter(req: HttpRequest, defaultLimit = 10): MatchListFilter {
  const present = (name: string) => {
    const v = req.query.get(name);
    return v === null || v === '' ? undefined : v;
  };
  return {
    limit: intQuery(req, 'limit', defaultLimit),
    authoritative:
      present('authoritative') === undefined ? undefined : boolQuery(req, 'authoritative', false),
    label: req.query.get('label') ?? undefined,
    minSize: present('min_size') === undefined ? undefined : intQuery(req, 'min_size', 0),
    maxSize: present('max_size') === undefined ? undefined : intQuery(req, 'max_size', 0),
    query: present('query'),
  };
}
