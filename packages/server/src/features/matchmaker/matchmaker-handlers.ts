/**
 * Socket handlers of the matchmaker: thin adapters over {@link MatchmakerService} (and
 * {@link PartyService} for the leader checks of party matchmaking).
 *
 * @packageDocumentation
 */
import type { SocketHandlers } from '../../pipeline/pipeline.ts';
import { andThen } from '../party/party-remote.ts';
import type { MatchmakerService } from './matchmaker-service.ts';
import type { PartyMatchmaking } from './party-matchmaking.ts';

/**
 * Registers `matchmaker_add` (reply `matchmaker_ticket`) and `matchmaker_remove` (reply `{cid}`), and,
 * when parties are given, `party_matchmaker_add` (reply `party_matchmaker_ticket`; the other members get
 * it pushed) and `party_matchmaker_remove` (reply `{cid}`), both for the party leader only.
 */
export function matchmakerHandlers(
  matchmaker: MatchmakerService,
  parties: PartyMatchmaking | undefined,
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
    // A party of another node of a cluster answers through it (the handler then returns a promise).
    party_matchmaker_add: (ctx, body) =>
      andThen(parties.add(ctx.session, body.party_id, body), (added) =>
        ctx.reply('party_matchmaker_ticket', { party_id: added.partyId, ticket: added.ticket }),
      ),
    party_matchmaker_remove: (ctx, body) =>
      andThen(parties.remove(ctx.session, body.party_id, body.ticket), () => ctx.replyVoid()),
  };
}
