import type { ApiRoute } from '../../api/http-types.ts';
import { DomainError, ErrorKind } from '../../shared/domain-error.ts';
import { listingJson, MAX_LIST_LIMIT } from './match-list.ts';
import { listFilter } from './match-routes.ts';
import type { MatchService } from './match-service.ts';

/**
 * The match section of the admin console: running matches (the filters of `GET /v2/match`, up to 100
 * by default) with their labels, sizes and members, and one match by id.
 */
export function matchConsoleRoutes(matches: MatchService): ApiRoute[] {
  const withMembers = (listing: Record<string, unknown> & { match_id?: unknown }) => ({
    ...listing,
    presences: matches.members(String(listing.match_id)) ?? [],
  });
  return [
    {
      method: 'GET',
      path: '/v2/console/match',
      name: 'ConsoleListMatches',
      handler: (req) => ({
        body: {
          counts: matches.counts(),
          matches: matches.list(listFilter(req, MAX_LIST_LIMIT)).map((m) => withMembers(listingJson(m))),
        },
      }),
    },
    {
      method: 'GET',
      path: '/v2/console/match/:matchId',
      name: 'ConsoleGetMatch',
      handler: (req) => {
        const listing = matches.get(req.params.matchId ?? '');
        if (!listing) throw new DomainError(ErrorKind.NOT_FOUND, 'Match not found (it may have ended).');
        return { body: withMembers(listingJson(listing)) };
      },
    },
  ];
}
