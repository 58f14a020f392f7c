/**
 * Socket handlers of parties: thin adapters over {@link PartyService}.
 *
 * @packageDocumentation
 */
import type { SocketHandlers } from '../../pipeline/pipeline.ts';
import type { PartyService } from './party-service.ts';

/**
 * Registers the `party_*` handlers except party matchmaking (the matchmaker registers those). Replies
 * follow Nakama: `party` for create, `party_join_request` for the request list, `{cid}` for the rest,
 * and `{}` for `party_data_send` (which nakama-js sends without a cid). `party_promote` also carries
 * the `party_leader` body in its reply, so nakama-js's `promotePartyMember` resolves to it instead of
 * `undefined` (Nakama replies `{cid}` only; the push follows either way).
 */
export function partyHandlers(parties: PartyService): SocketHandlers {
  return {
    party_create: (ctx, body) => {
      const settings = { open: body.open, maxSize: body.max_size, label: body.label, hidden: body.hidden };
      ctx.reply('party', parties.create(ctx.session, settings));
    },
    party_join: (ctx, body) => {
      parties.join(ctx.session, body.party_id, () => ctx.replyVoid());
    },
    party_leave: (ctx, body) => {
      parties.leave(ctx.session, body.party_id);
      ctx.replyVoid();
    },
    party_promote: (ctx, body) => {
      ctx.reply('party_leader', parties.promote(ctx.session, body.party_id, body.presence));
    },
    party_accept: (ctx, body) => {
      parties.accept(ctx.session, body.party_id, body.presence);
      ctx.replyVoid();
    },
    party_remove: (ctx, body) => {
      parties.remove(ctx.session, body.party_id, body.presence);
      ctx.replyVoid();
    },
    party_close: (ctx, body) => {
      parties.close(ctx.session, body.party_id);
      ctx.replyVoid();
    },
    party_join_request_list: (ctx, body) => {
      ctx.reply('party_join_request', parties.joinRequests(ctx.session, body.party_id));
    },
    party_data_send: (ctx, body) => {
      parties.sendData(ctx.session, body.party_id, body.op_code, body.data);
      ctx.replyVoid();
    },
    party_update: (ctx, body) => {
      parties.update(ctx.session, body.party_id, { label: body.label, open: body.open, hidden: body.hidden });
      ctx.replyVoid();
    },
  };
}
