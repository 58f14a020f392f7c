/**
 * Socket handlers of the matchmaker: thin adapters over {@link MatchmakerService} (and
 * {@link PartyService} for the leader checks of party matchmaking).
 *
 * @packageDocumentation
 */
import type { SocketHandlers } from '../../pipeline/pipeline.ts';
import { PartyOp, type PartyService } from '../party/party-service.ts';
import type { MatchmakerService } from './matchmaker-service.ts';

/**
 * Registers `matchmaker_add` (reply `matchmaker_ticket`) and `matchmaker_remove` (reply `{cid}`), and,
 * when parties are given, `party_matchmaker_add` (reply `party_matchmaker_ticket`; the other members get
 * it pushed) and `party_matchmaker_remove` (reply `{cid}`), both for the party leader only.
 */
export function matchmakerHandlers(
  matchmaker: MatchmakerService,
  parties: PartyService | undefined,
): SocketHandlers {
  const solo: SocketHandlers = {
    matchmaker_add: (ctx, body) => {
      ctx.reply('matchmaker_ticket', { ticket: matchmaker.add(ctx.session, body) });
    },
    matchmaker_remove: (ctx, body) => {
      matchmaker.remove(ctx.session, body.ticket);
      ctx.replyVoid();
    },
  };
  if (parties === undefined) return solo;
  return {
    ...solo,
    party_matchmaker_add: (ctx, body) => {
      const party = parties.leaderView(ctx.session, body.party_id, PartyOp.MATCHMAKER_ADD);
      const ticket = matchmaker.addParty(party, ctx.session.id, body);
      ctx.reply('party_matchmaker_ticket', { party_id: party.partyId, ticket });
    },
    party_matchmaker_remove: (ctx, body) => {
      const party = parties.leaderView(ctx.session, body.party_id, PartyOp.MATCHMAKER_REMOVE);
      matchmaker.removeParty(party.partyId, body.ticket);
      ctx.replyVoid();
    },
  };
}
