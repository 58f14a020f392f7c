/**
 * Match messages: creating, joining and leaving matches, and exchanging match data.
 *
 * @packageDocumentation
 */

import * as z from 'zod';
import { bool, bytes, int64, optionalString, repeated, string, stringMap } from './fields.ts';
import { type UserPresence, userPresenceSchema } from './presence.ts';

/** Client → server: create a relayed match (`rtapi.MatchCreate`). Reply: `match`. */
export interface MatchCreate {
  /** Optional name; the same name gives the same match id. */
  name?: string;
}

/**
 * Client → server: join a match by id or by matchmaker token (`rtapi.MatchJoin`, a oneof: send one of
 * the two). Reply: `match`.
 */
export interface MatchJoin {
  /** Match id, `"<uuid>.<node>"`. */
  match_id?: string;
  /** Matchmaker token from `matchmaker_matched.token`. */
  token?: string;
  /** Key/value metadata for the match handler's join attempt. */
  metadata?: Record<string, string>;
}

/** Client → server: leave a match. Reply: `{cid}`. */
export interface MatchLeave {
  /** Match id. */
  match_id: string;
}

/** Client → server: send data to match members. Fire and forget: nakama-js sends no `cid`. */
export interface MatchDataSend {
  /** Match id. */
  match_id: string;
  /** Op code (int64), as a decimal string on the wire. Tether also accepts a JSON number. */
  op_code: string;
  /** Payload, standard base64. */
  data?: string;
  /** Recipients; empty or absent means every member except the sender. */
  presences?: UserPresence[];
  /** Carried for compatibility; meaningless over WebSocket. */
  reliable?: boolean;
}

/** Server → client reply to `match_create` and `match_join` (`rtapi.Match`). */
export interface Match {
  /** Match id. */
  match_id: string;
  /** True for server-run (authoritative) matches. */
  authoritative?: boolean;
  /** Match label (`StringValue`). */
  label?: string;
  /** Number of presences listed. */
  size: number;
  /** Other members (self excluded on a new join). */
  presences?: UserPresence[];
  /** The caller's own presence. */
  self: UserPresence;
}

/** Server → client push: data from a member or the match handler (`rtapi.MatchData`). */
export interface MatchData {
  /** Match id. */
  match_id: string;
  /** Sender, absent for server broadcasts without a sender. */
  presence?: UserPresence;
  /**
   * Op code as a decimal string. Always emit it, even "0": Nakama omits zero and nakama-js then
   * computes `parseInt(undefined)`, i.e. NaN.
   */
  op_code: string;
  /** Payload, standard base64. */
  data?: string;
  /** Copied from the send. */
  reliable?: boolean;
}

/** Server → client push: members joined or left a match (including the receiver's own join). */
export interface MatchPresenceEvent {
  /** Match id. */
  match_id: string;
  /** Presences that joined. */
  joins?: UserPresence[];
  /** Presences that left. */
  leaves?: UserPresence[];
}

/** Decodes `match_create`; `name` is `""` when absent. */
export const matchCreateSchema = z.object({ name: string });

/**
 * Decodes `match_join` into exactly one of `match_id` or `token` (the proto oneof). A null member counts
 * as absent. Neither gives Nakama's "No match ID or token found"; both is rejected, as protojson does.
 * An empty string still counts as set (the server then reports an invalid id or token).
 */
export const matchJoinSchema = z
  .object({ match_id: optionalString, token: optionalString, metadata: stringMap })
  .check((ctx) => {
    const { match_id, token } = ctx.value;
    if (match_id === undefined && token === undefined) {
      ctx.issues.push({ code: 'custom', input: ctx.value, message: 'No match ID or token found' });
    } else if (match_id !== undefined && token !== undefined) {
      ctx.issues.push({
        code: 'custom',
        input: ctx.value,
        message: 'Invalid match_join: set either match_id or token, not both',
      });
    }
  })
  .transform(
    (
      b,
    ):
      | { match_id: string; token?: undefined; metadata: Record<string, string> }
      | { match_id?: undefined; token: string; metadata: Record<string, string> } =>
      b.token === undefined
        ? { match_id: b.match_id ?? '', metadata: b.metadata }
        : { token: b.token, metadata: b.metadata },
  );

/** Decodes `match_leave`. */
export const matchLeaveSchema = z.object({ match_id: string });

/**
 * Decodes `match_data_send`: `op_code` becomes a number (safe-integer range), `data` canonical base64
 * (`""` when absent), presences lose unknown keys such as `node`.
 */
export const matchDataSendSchema = z.object({
  match_id: string,
  op_code: int64,
  data: bytes,
  presences: repeated(userPresenceSchema),
  reliable: bool,
});
