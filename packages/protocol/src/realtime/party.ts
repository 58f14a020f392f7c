/**
 * Party messages: small groups with a leader that chat, share data and matchmake together.
 *
 * @packageDocumentation
 */

import * as z from 'zod';
import { bool, bytes, int32, int64, isJsonObjectText, string, utf8ByteLength } from './fields.ts';
import { checkCounts, type MatchmakerAdd, matchmakerFields } from './matchmaker.ts';
import { requiredPresenceSchema, type UserPresence } from './presence.ts';

/** Largest party (`max_size` range is 1–256). */
export const MAX_PARTY_SIZE = 256;

/** Longest party label in UTF-8 bytes. */
export const MAX_PARTY_LABEL_BYTES = 2048;

/** Client → server: create a party (`rtapi.PartyCreate`). Reply: `party`. */
export interface PartyCreate {
  /** True: anyone may join; false: the leader approves join requests. */
  open: boolean;
  /** Maximum members, 1–256. */
  max_size: number;
  /** JSON object text for party listing, ≤ 2048 bytes (not sent by nakama-js 2.8.0). */
  label?: string;
  /** Hide from party listings (not sent by nakama-js 2.8.0). */
  hidden?: boolean;
}

/** Client → server: change a party's label, open flag or visibility (`rtapi.PartyUpdate`). */
export interface PartyUpdate {
  /** Party id. */
  party_id: string;
  /** New label (JSON object text). */
  label?: string;
  /** New open flag. */
  open?: boolean;
  /** New hidden flag. */
  hidden?: boolean;
}

/** A message that only names a party: join, leave, close, join request list; also the `party_close` push. */
export interface PartyRef {
  /** Party id, `"<uuid>.<node>"`. */
  party_id: string;
}

/** Client → server: leader acts on a member or requester (promote, accept, remove). Reply: `{cid}`. */
export interface PartyMemberAction {
  /** Party id. */
  party_id: string;
  /** The member or requester. */
  presence: UserPresence;
}

/** Client → server: matchmake as a party. Reply: `party_matchmaker_ticket`. */
export interface PartyMatchmakerAdd extends MatchmakerAdd {
  /** Party id. */
  party_id: string;
}

/** Client → server: cancel a party ticket. Reply: `{cid}`. */
export interface PartyMatchmakerRemove {
  /** Party id. */
  party_id: string;
  /** Ticket to cancel. */
  ticket: string;
}

/** Client → server: send data to the other members. Fire and forget (no `cid`). */
export interface PartyDataSend {
  /** Party id. */
  party_id: string;
  /** Op code (int64) as a decimal string; Tether also accepts a JSON number. */
  op_code: string;
  /** Payload, standard base64. */
  data?: string;
}

/** Server → client: full party state (reply to create, push on join or accept). */
export interface Party {
  /** Party id. */
  party_id: string;
  /** Open flag. */
  open: boolean;
  /** Hidden flag. */
  hidden?: boolean;
  /** Maximum members. */
  max_size: number;
  /** The receiver's presence. */
  self: UserPresence;
  /** The leader's presence. */
  leader: UserPresence;
  /** All members. */
  presences: UserPresence[];
  /** Label (JSON object text). */
  label?: string;
}

/** Server → client push: a new leader (promotion or the old leader left). */
export interface PartyLeader {
  /** Party id. */
  party_id: string;
  /** The new leader. */
  presence: UserPresence;
}

/** Server → client: pending join requests (reply to the list request; push to the leader). */
export interface PartyJoinRequest {
  /** Party id. */
  party_id: string;
  /** Users asking to join. */
  presences: UserPresence[];
}

/** Server → client: a party matchmaking ticket (reply to the leader; push to other members). */
export interface PartyMatchmakerTicket {
  /** Party id. */
  party_id: string;
  /** Ticket id. */
  ticket: string;
}

/** Server → client push: data from another member. */
export interface PartyData {
  /** Party id. */
  party_id: string;
  /** Sender. */
  presence: UserPresence;
  /** Op code as a decimal string; always emitted, even "0" (see `MatchData.op_code`). */
  op_code: string;
  /** Payload, standard base64. */
  data?: string;
}

/** Server → client push: members joined or left. */
export interface PartyPresenceEvent {
  /** Party id. */
  party_id: string;
  /** Presences that joined. */
  joins?: UserPresence[];
  /** Presences that left. */
  leaves?: UserPresence[];
}

/** Nakama's label rules: ≤ 2048 bytes, empty or a JSON object, and no label on a hidden party. */
function labelProblem(label: string, hidden: boolean): string | undefined {
  if (utf8ByteLength(label) > MAX_PARTY_LABEL_BYTES) return 'party label too long';
  if (label !== '' && !isJsonObjectText(label)) return 'party label must be a JSON object';
  if (hidden && label !== '' && label !== '{}') {
    return 'party is hidden and label is not empty, invalid operation';
  }
  return undefined;
}

/**
 * Decodes `party_create`. `max_size` must be 1–256 (Nakama's text; its check lets 0 through, Tether does
 * not). Label problems use Nakama's "Error creating party: …" texts.
 */
export const partyCreateSchema = z
  .object({ open: bool, max_size: int32, label: string, hidden: bool })
  .check((ctx) => {
    const { max_size, label, hidden } = ctx.value;
    if (max_size < 1 || max_size > MAX_PARTY_SIZE) {
      ctx.issues.push({
        code: 'custom',
        input: max_size,
        path: ['max_size'],
        message: 'Invalid party max size, must be 1-256',
      });
      return;
    }
    const problem = labelProblem(label, hidden);
    if (problem !== undefined) {
      ctx.issues.push({
        code: 'custom',
        input: label,
        path: ['label'],
        message: `Error creating party: ${problem}`,
      });
    }
  });

/** Decodes `party_update`, with the same label rules as create ("Error updating party: …"). */
export const partyUpdateSchema = z
  .object({ party_id: string, label: string, open: bool, hidden: bool })
  .check((ctx) => {
    const problem = labelProblem(ctx.value.label, ctx.value.hidden);
    if (problem !== undefined) {
      ctx.issues.push({
        code: 'custom',
        input: ctx.value.label,
        path: ['label'],
        message: `Error updating party: ${problem}`,
      });
    }
  });

/** Decodes `party_join`, `party_leave`, `party_close` and `party_join_request_list`. */
export const partyRefSchema = z.object({ party_id: string });

/** Decodes `party_promote`, `party_accept` and `party_remove` ("Invalid presence" if incomplete). */
export const partyMemberActionSchema = z.object({ party_id: string, presence: requiredPresenceSchema });

/** Decodes `party_matchmaker_add`, with the same count checks as `matchmaker_add`. */
export const partyMatchmakerAddSchema = z
  .object({ party_id: string, ...matchmakerFields })
  .check(checkCounts);

/** Decodes `party_matchmaker_remove`. */
export const partyMatchmakerRemoveSchema = z.object({
  party_id: string,
  ticket: string.refine((t) => t !== '', { error: 'Invalid matchmaker ticket' }),
});

/** Decodes `party_data_send` (op code to number, data to canonical base64). */
export const partyDataSendSchema = z.object({ party_id: string, op_code: int64, data: bytes });
