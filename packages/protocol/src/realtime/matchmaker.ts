/**
 * Matchmaker messages: adding and removing tickets, and the matched push.
 *
 * @packageDocumentation
 */

import * as z from 'zod';
import { doubleMap, int32, optionalInt32, string, stringMap } from './fields.ts';
import type { UserPresence } from './presence.ts';

/** Client → server: start matchmaking (`rtapi.MatchmakerAdd`). Reply: `matchmaker_ticket`. */
export interface MatchmakerAdd {
  /** Smallest acceptable match size, ≥ 2. */
  min_count: number;
  /** Largest match size, ≥ `min_count`. */
  max_count: number;
  /** Query over other tickets' properties (Bleve syntax); `""` means `*`. */
  query: string;
  /** String properties, queryable as `properties.<key>`. */
  string_properties?: Record<string, string>;
  /** Numeric properties, queryable as `properties.<key>`. */
  numeric_properties?: Record<string, number>;
  /** Match size must be a multiple of this (`Int32Value`; not sent by nakama-js 2.8.0). */
  count_multiple?: number;
}

/** Client → server: cancel a ticket. Reply: `{cid}`. */
export interface MatchmakerRemove {
  /** Ticket from `matchmaker_ticket`. */
  ticket: string;
}

/** Server → client reply to `matchmaker_add` (`rtapi.MatchmakerTicket`). */
export interface MatchmakerTicket {
  /** Ticket id, for `matchmaker_remove`. */
  ticket: string;
}

/** One matched user with their ticket properties (`rtapi.MatchmakerMatched.MatchmakerUser`). */
export interface MatchmakerUser {
  /** The user's presence. */
  presence: UserPresence;
  /** Party id, if the user matched as a party member. */
  party_id?: string;
  /** String properties from the ticket. */
  string_properties?: Record<string, string>;
  /** Numeric properties from the ticket. */
  numeric_properties?: Record<string, number>;
}

/**
 * Server → client push: a match was found (`rtapi.MatchmakerMatched`). Exactly one of `match_id` and
 * `token` is set (a proto oneof); nakama-js tests check that the other is absent.
 */
export interface MatchmakerMatched {
  /** The receiver's ticket that completed. */
  ticket: string;
  /** Authoritative match to join, if the server created one. */
  match_id?: string;
  /** Token to join a relayed match with `match_join`. */
  token?: string;
  /** Everyone matched, including the receiver. */
  users: MatchmakerUser[];
  /** The receiver's own entry. */
  self: MatchmakerUser;
}

/** The count fields shared by `matchmaker_add` and `party_matchmaker_add`. */
interface Counts {
  min_count: number;
  max_count: number;
  count_multiple?: number | undefined;
}

/**
 * Nakama's count validation, in its order and with its texts (`pipeline_matchmaker.go`): min ≥ 2,
 * max ≥ min, and an optional multiple ≥ 1 that divides both.
 */
export function checkCounts(ctx: { value: Counts; issues: z.core.$ZodRawIssue[] }): void {
  const problem = countsProblem(ctx.value);
  if (problem !== undefined) {
    const [path, message] = problem;
    ctx.issues.push({ code: 'custom', input: ctx.value[path], path: [path], message });
  }
}

/** The first failing count rule as [field, Nakama text], or `undefined` if the counts are valid. */
function countsProblem({ min_count, max_count, count_multiple }: Counts): [keyof Counts, string] | undefined {
  if (min_count < 2) return ['min_count', 'Invalid minimum count, must be >= 2'];
  if (max_count < min_count) return ['max_count', 'Invalid maximum count, must be >= minimum count'];
  if (count_multiple === undefined) return undefined;
  if (count_multiple < 1) return ['count_multiple', 'Invalid count multiple, must be >= 1'];
  if (min_count % count_multiple !== 0) {
    return ['count_multiple', 'Invalid count multiple for minimum count, must divide'];
  }
  if (max_count % count_multiple !== 0) {
    return ['count_multiple', 'Invalid count multiple for maximum count, must divide'];
  }
  return undefined;
}

/** The matchmaking fields shared by `matchmaker_add` and `party_matchmaker_add`. */
export const matchmakerFields = {
  min_count: int32,
  max_count: int32,
  query: string,
  string_properties: stringMap,
  numeric_properties: doubleMap,
  count_multiple: optionalInt32,
};

/**
 * Decodes `matchmaker_add`. `query` is left as sent (the matchmaker treats `""` as `*`);
 * `count_multiple` stays `undefined` when absent (Nakama's default is 1).
 */
export const matchmakerAddSchema = z.object(matchmakerFields).check(checkCounts);

/** Decodes `matchmaker_remove`; an empty ticket gets Nakama's "Invalid matchmaker ticket". */
export const matchmakerRemoveSchema = z.object({
  ticket: string.refine((t) => t !== '', { error: 'Invalid matchmaker ticket' }),
});
