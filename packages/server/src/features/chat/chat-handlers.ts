import type { SocketHandlers } from '../../pipeline/pipeline.ts';
import type { ChatService } from './chat-service.ts';

/**
 * The chat envelope handlers: decode (done by the pipeline's schemas), call {@link ChatService},
 * reply. Each reply is queued before the pushes the request causes: `join` tracks the presence as its
 * last step before the reply, and message pushes are broadcast after the ack.
 */
export function chatHandlers(chat: ChatService): SocketHandlers {
  return {
    channel_join: async (ctx, body) => {
      const plan = await chat.prepareJoin(ctx.session, body);
      ctx.reply('channel', chat.join(plan));
    },
    channel_leave: (ctx, body) => {
      chat.leave(ctx.session, body.channel_id);
      ctx.replyVoid();
    },
    channel_message_send: async (ctx, body) => {
      const out = await chat.sendMessage(ctx.session, body.channel_id, body.content);
      ctx.reply('channel_message_ack', out.ack);
      out.broadcast();
    },
    channel_message_update: async (ctx, body) => {
      const out = await chat.updateMessage(ctx.session, body.channel_id, body.message_id, body.content);
      ctx.reply('channel_message_ack', out.ack);
      out.broadcast();
    },
    channel_message_remove: async (ctx, body) => {
      const out = await chat.removeMessage(ctx.session, body.channel_id, body.message_id);
      ctx.reply('channel_message_ack', out.ack);
      out.broadcast();
    },
  };
}
