/**
 * Socket handlers of parties: thin adapters over {@link PartyService}.
 *
 * @packageDocumentation
 */
import type { SocketHandlers } from '../../pipeline/pipeline.ts';
import { OutboundMessage } from '../../presence/outbound.ts';
import { andThen, type RoutedParties } from './party-remote.ts';

/**
 * Registers the `party_*` handlers except party matchmaking (the matchmaker registers those). Replies
 * follow Nakama: `party` for create, `party_join_request` for the request list, `{cid}` for the rest,
 * and `{}` for `party_data_send` (which nakama-js sends without a cid). `party_promote` also carries
 * the `party_leader` body in its reply, so nakama-js's `promotePartyMember` resolves to it instead of
 * `undefined` (Nakama replies `{cid}` only; the push follows either way). A party of another node of a
 * cluster answers through it; its handlers then return a promise (the pipeline holds the session's
 * later messages until it settles, so their order is kept).
 */
export function partyHandlers(parties: RoutedParties): SocketHandlers {
  return {
    party_create: (ctx, body) => {
      const settings = { open: body.open, maxSize: body.max_size, label: body.label, hidden: body.hidden };
      ctx.reply('party', parties.service.create(ctx.session, settings));
    },
    party_join: (ctx, body) =>
      andThen(parties.join(ctx.session, body.party_id), (joined) => {
        ctx.replyVoid();
        // A joiner of an open party gets the party's state after the reply (as Nakama sends it).
        if (joined) ctx.session.deliver(new OutboundMessage({ party: joined.party }));
      }),
    party_leave: (ctx, body) => andThen(parties.leave(ctx.session, body.party_id), () => ctx.replyVoid()),
    party_promote: (ctx, body) =>
      andThen(parties.promote(ctx.session, body.party_id, body.presence), (leader) =>
        ctx.reply('party_leader', leader),
      ),
    party_accept: (ctx, body) =>
      andThen(parties.accept(ctx.session, body.party_id, body.presence), () => ctx.replyVoid()),
    party_remove: (ctx, body) =>
      andThen(parties.remove(ctx.session, body.party_id, body.presence), () => ctx.replyVoid()),
    party_close: (ctx, body) => andThen(parties.close(ctx.session, body.party_id), () => ctx.replyVoid()),
    party_join_request_list: (ctx, body) =>
      andThen(parties.joinRequests(ctx.session, body.party_id), (list) =>
        ctx.reply('party_join_request', list),
      ),
    party_data_send: (ctx, body) =>
      andThen(parties.sendData(ctx.session, body.party_id, body.op_code, body.data), () => ctx.replyVoid()),
    party_update: (ctx, body) =>
      andThen(
        parties.update(ctx.session, body.party_id, {
          label: body.label,
          open: body.open,
          hidden: body.hidden,
        }),
        () => ctx.replyVoid(),
      ),
  };
}
