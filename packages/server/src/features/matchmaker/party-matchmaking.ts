/**
 * Party matchmaking, routed to the party's node: its tickets live where the party does, so a change of
 * membership (which ends them) and the party's own checks happen in one place.
 *
 * @packageDocumentation
 */
import { z } from 'zod';
import type { Peers } from '../../cluster/peers.ts';
import type { PresenceOwner } from '../../presence/types.ts';
import { DomainError, ErrorKind, invalid } from '../../shared/domain-error.ts';
import { PartyOp, type PartyService } from '../party/party-service.ts';
import { parsePartyId } from '../party/party-state.ts';
import type { MatchmakerService } from './matchmaker-service.ts';
import type { TicketRequest } from './tickets.ts';

const METHOD = 'mm.party';
const sid = z.string().min(1).max(64);
const Caller = z.object({ id: sid, userId: sid, username: z.string().max(256) });
const Request = z.object({
  min_count: z.number().int().min(1),
  max_count: z.number().int().min(1),
  count_multiple: z.number().int().min(1).optional(),
  query: z.string().max(64 * 1024),
  string_properties: z.record(z.string(), z.string()),
  numeric_properties: z.record(z.string(), z.number()),
});
const Call = z.discriminatedUnion('op', [
  z.object({ op: z.literal('add'), caller: Caller, partyId: z.string().max(256), request: Request }),
  z.object({
    op: z.literal('remove'),
    caller: Caller,
    partyId: z.string().max(256),
    ticket: z.string().max(64),
  }),
]);
const Added = z.object({ partyId: z.string(), ticket: z.string() });

/** `party_matchmaker_add` and `party_matchmaker_remove` for a party on this node or on another one. */
export class PartyMatchmaking {
  readonly #matchmaker: MatchmakerService;
  readonly #parties: PartyService;
  readonly #peers: Peers;

  constructor(deps: { matchmaker: MatchmakerService; parties: PartyService; peers: Peers }) {
    this.#matchmaker = deps.matchmaker;
    this.#parties = deps.parties;
    this.#peers = deps.peers;
    deps.peers.handle(METHOD, Call, (call, from) => {
      const caller = { ...call.caller, node: from };
      return call.op === 'add'
        ? this.#add(caller, call.partyId, call.request)
        : this.#remove(caller, call.partyId, call.ticket);
    });
  }

  /** The leader adds the party's ticket; resolves to the party id and the ticket. */
  add(
    leader: PresenceOwner,
    partyId: string,
    request: TicketRequest,
  ): { partyId: string; ticket: string } | Promise<{ partyId: string; ticket: string }> {
    const node = this.#remoteNode(partyId);
    if (node === undefined) return this.#add(leader, partyId, request);
    return this.#call(node, PartyOp.MATCHMAKER_ADD, {
      op: 'add',
      caller: callerOf(leader),
      partyId,
      request,
    }).then((r) => Added.parse(r));
  }

  /** The leader removes one of the party's tickets. */
  remove(leader: PresenceOwner, partyId: string, ticket: string): void | Promise<void> {
    const node = this.#remoteNode(partyId);
    if (node === undefined) return this.#remove(leader, partyId, ticket);
    return this.#call(node, PartyOp.MATCHMAKER_REMOVE, {
      op: 'remove',
      caller: callerOf(leader),
      partyId,
      ticket,
    }).then(() => undefined);
  }

  #add(leader: PresenceOwner, partyId: string, request: TicketRequest): { partyId: string; ticket: string } {
    const party = this.#parties.leaderView(leader, partyId, PartyOp.MATCHMAKER_ADD);
    return { partyId: party.partyId, ticket: this.#matchmaker.addParty(party, leader.id, request) };
  }

  #remove(leader: PresenceOwner, partyId: string, ticket: string): void {
    const party = this.#parties.leaderView(leader, partyId, PartyOp.MATCHMAKER_REMOVE);
    this.#matchmaker.removeParty(party.partyId, ticket);
  }

  #remoteNode(partyId: string): string | undefined {
    const node = parsePartyId(partyId)?.node;
    return node !== undefined && node !== this.#peers.node && this.#peers.isLive(node) ? node : undefined;
  }

  async #call(node: string, op: PartyOp, body: z.infer<typeof Call>): Promise<unknown> {
    try {
      return await this.#peers.call(node, METHOD, body);
    } catch (err) {
      if (err instanceof DomainError && err.kind === ErrorKind.UNAVAILABLE)
        throw invalid(`${op}: party not found`);
      throw err;
    }
  }
}

function callerOf(session: PresenceOwner) {
  return { id: session.id, userId: session.userId, username: session.username };
}
