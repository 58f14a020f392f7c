/**
 * Match listing (`GET /v2/match`, `nk.matchList`): filters over running matches, with label queries
 * in Nakama's syntax evaluated by the shared query engine (`realtime/matchmaker/query.ts`).
 *
 * @packageDocumentation
 */
import { invalid } from '../../shared/domain-error.ts';
import {
  jsonDocument,
  matchesQuery,
  parseQuery,
  type Query,
  QuerySyntaxError,
} from '../../shared/query/query.ts';

/** Filters of a listing; absent ones do not filter. */
export interface MatchListFilter {
  /** Most matches returned, 1–100. */
  readonly limit: number;
  /** `true`: authoritative only; `false`: relayed only; absent: both. */
  readonly authoritative?: boolean | undefined;
  /** Exact label. */
  readonly label?: string | undefined;
  /** Fewest members. */
  readonly minSize?: number | undefined;
  /** Most members. */
  readonly maxSize?: number | undefined;
  /** Label query, e.g. `+label.mode:ranked +label.skill:>=50`. */
  readonly query?: string | undefined;
}

/** One listed match (camelCase; {@link listingJson} gives the wire form). */
export interface MatchListing {
  readonly matchId: string;
  readonly authoritative: boolean;
  /** Authoritative matches only. */
  readonly label?: string;
  readonly size: number;
  /** Authoritative matches only. */
  readonly tickRate?: number;
  /** Authoritative matches only. */
  readonly handlerName?: string;
}

/** Largest `limit`. */
export const MAX_LIST_LIMIT = 100;

/** Candidate matches, in the order they should be listed. */
export interface MatchSources {
  readonly authoritative: () => Iterable<MatchListing & { readonly label: string }>;
  readonly relayed: () => Iterable<MatchListing>;
}

/**
 * Applies a filter. Rules: `label` and `query` only ever match authoritative matches (relayed matches
 * have no label), so either one excludes relayed matches; when both are given the query decides and
 * the label is ignored (Nakama's precedence); a label that is not JSON is queried as the
 * single field `label` (`+label:lobby`). Throws an INVALID_ARGUMENT DomainError for a limit outside
 * 1–100 or a malformed query, naming the problem.
 */
export function listMatches(filter: MatchListFilter, sources: MatchSources): MatchListing[] {
  const { limit } = filter;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
    throw invalid(`Invalid limit - limit must be between 1 and ${MAX_LIST_LIMIT}.`);
  }
  const query = filter.query ? parseLabelQuery(filter.query) : undefined;
  // A query wins over a label, as in Nakama: nakama-js sends `label=` (empty) next to every query.
  const label = query === undefined ? filter.label : undefined;
  const labelled = label !== undefined || query !== undefined;
  const out: MatchListing[] = [];
  const sized = (m: MatchListing) =>
    (filter.minSize === undefined || m.size >= filter.minSize) &&
    (filter.maxSize === undefined || m.size <= filter.maxSize);

  if (filter.authoritative !== false) {
    for (const m of sources.authoritative()) {
      if (out.length >= limit) return out;
      if (!sized(m)) continue;
      if (label !== undefined && m.label !== label) continue;
      if (query && !matchesQuery(query, labelDocument(m.label))) continue;
      out.push(m);
    }
  }
  if (filter.authoritative !== true && !labelled) {
    for (const m of sources.relayed()) {
      if (out.length >= limit) return out;
      if (sized(m)) out.push(m);
    }
  }
  return out;
}

function parseLabelQuery(text: string): Query {
  try {
    return parseQuery(text);
  } catch (err) {
    if (err instanceof QuerySyntaxError) throw invalid(`Invalid query: ${err.message}`);
    throw err;
  }
}

/** A label as a query document: JSON fields under `label.`, or the raw text as `label`. */
function labelDocument(label: string) {
  let parsed: unknown;
  try {
    parsed = JSON.parse(label);
  } catch {
    parsed = label;
  }
  return jsonDocument(parsed, 'label');
}

/** A listing in Nakama's JSON (`api.Match`): proto3 rules, so false, 0 and empty fields are left out. */
export function listingJson(m: MatchListing): Record<string, unknown> {
  const out: Record<string, unknown> = { match_id: m.matchId };
  if (m.authoritative) out.authoritative = true;
  if (m.label !== undefined) out.label = m.label;
  if (m.size > 0) out.size = m.size;
  if (m.tickRate) out.tick_rate = m.tickRate;
  if (m.handlerName) out.handler_name = m.handlerName;
  return out;
}
