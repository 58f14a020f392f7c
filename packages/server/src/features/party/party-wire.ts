/**
 * The party feature's vocabulary on the wire: operation names in errors, the `party` body, and how a
 * refused state change becomes the operation's error.
 *
 * @packageDocumentation
 */
import type { Party } from '@tether/protocol';
import { sessionPresence } from '../../presence/wire.ts';
import { type DomainError, invalid } from '../../shared/domain-error.ts';
import { type PartyMember, PartyRefusedError, type PartyState } from './party-state.ts';

/** Error prefixes per operation, as Nakama words them (BAD_INPUT "<prefix>: <reason>"). */
export const PartyOp = {
  JOIN: 'Error joining party',
  PROMOTE: 'Error promoting new party leader',
  ACCEPT: 'Error accepting party join request',
  REMOVE: 'Error removing party member or join request',
  CLOSE: 'Error closing party',
  LIST: 'Error listing party join requests',
  DATA: 'Error sending party data',
  UPDATE: 'Error updating party',
  MATCHMAKER_ADD: 'Error adding party to matchmaker',
  MATCHMAKER_REMOVE: 'Error removing party from matchmaker',
} as const;
/** One of {@link PartyOp}. */
export type PartyOp = (typeof PartyOp)[keyof typeof PartyOp];

/** Where a member is, for the router. */
export function presenceIdOf(member: PartyMember): { node: string; sessionId: string } {
  return { node: member.node, sessionId: member.sessionId };
}

/** The `party` message for one member (`self`), with label/hidden only when set (proto3 JSON). */
export function partyBody(party: PartyState, self: PartyMember): Party {
  const body: Party = {
    party_id: party.id,
    open: party.open,
    max_size: party.maxSize,
    self: sessionPresence(self),
    leader: sessionPresence(party.leader),
    presences: party.members.map(sessionPresence),
  };
  if (party.hidden) body.hidden = true;
  if (party.label !== '') body.label = party.label;
  return body;
}

/** The BAD_INPUT error of a party operation, "<op>: <reason>" (Nakama's words). */
export function partyError(op: PartyOp, reason: string): DomainError {
  return invalid(`${op}: ${reason}`);
}

/** Runs a state change, turning its refusal into the operation's BAD_INPUT error. */
export function refusalAs<R>(op: PartyOp, fn: () => R): R {
  try {
    return fn();
  } catch (err) {
    if (err instanceof PartyRefusedError) throw partyError(op, err.reason);
    throw err;
  }
}
