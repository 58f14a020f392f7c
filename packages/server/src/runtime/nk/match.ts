/**
 * `nk.match*`: authoritative matches and listing, over the match feature.
 *
 * @packageDocumentation
 */
import type { MatchFeature } from '../../features/match/register-matches.ts';

/** One running match, as `nk.matchGet` and `nk.matchList` describe it. */
export interface MatchInfo {
  readonly matchId: string;
  readonly authoritative: boolean;
  /** Authoritative matches only. */
  readonly label?: string;
  /** Members now. */
  readonly size: number;
  /** Authoritative matches only. */
  readonly tickRate?: number;
  /** Authoritative matches only. */
  readonly handlerName?: string;
}

/** Match functions of `nk`. */
export interface MatchNk {
  /** Starts an authoritative match with a registered handler; returns its id. */
  matchCreate(module: string, params?: Record<string, unknown>): string;
  /** A running match, or null. */
  matchGet(matchId: string): MatchInfo | null;
  /**
   * Running matches (see `GET /v2/match`): `limit` 1–100 (default 10), `authoritative` true/false/null
   * for both, exact `label`, size bounds, and a label `query` such as `+label.mode:ranked`.
   */
  matchList(
    limit?: number,
    authoritative?: boolean | null,
    label?: string | null,
    minSize?: number | null,
    maxSize?: number | null,
    query?: string | null,
  ): MatchInfo[];
  /**
   * Calls the match's `matchSignal` and resolves to its reply. Always a Promise (Nakama's returns the
   * string itself): in a cluster a match may run on another node, which answers over the network, so
   * `await nk.matchSignal(...)` is the one form that works wherever the match runs. Rejects for an
   * unknown or ended match, a call from inside the same match, or `data` that is not a string.
   */
  matchSignal(matchId: string, data: string): Promise<string>;
}

/** Builds the match functions over the match feature's service and registry. */
export function matchNk(matches: Pick<MatchFeature, 'service' | 'registry'>): MatchNk {
  const { service, registry } = matches;
  return {
    matchCreate(module: string, params: Record<string, unknown> = {}): string {
      if (typeof module !== 'string') throw new TypeError('matchCreate: module must be a string');
      if (params === null || typeof params !== 'object')
        throw new TypeError('matchCreate: params must be an object');
      return registry.create(module, params).id;
    },
    matchGet(matchId: string): MatchInfo | null {
      return service.get(matchId) ?? null;
    },
    matchList(limit = 10, authoritative = null, label = null, minSize = null, maxSize = null, query = null) {
      return service.list({
        limit,
        authoritative: authoritative ?? undefined,
        label: label ?? undefined,
        minSize: minSize ?? undefined,
        maxSize: maxSize ?? undefined,
        query: query ?? undefined,
      });
    },
    async matchSignal(matchId: string, data: string): Promise<string> {
      if (typeof data !== 'string') throw new TypeError('matchSignal: data must be a string');
      return service.signal(matchId, data);
    },
  };
}
