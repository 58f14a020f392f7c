import type { SocketHandlers } from '../../pipeline/pipeline.ts';
import type { RpcRegistry } from './rpc-registry.ts';
import type { RpcContext } from './rpc-types.ts';

/**
 * The socket's `rpc` message: calls the function and replies `rpc{id, payload}` (payload left out when
 * empty, proto3). Unknown id → code 6 "RPC function not found"; a failing function → code 7 with its
 * error message. The session's later messages wait for the reply (the pipeline keeps order), so a
 * long RPC delays that session only.
 */
export function rpcHandlers(rpc: RpcRegistry, node: string): SocketHandlers {
  return {
    rpc: async (ctx, body) => {
      const { session } = ctx;
      const context: RpcContext = {
        source: 'socket',
        node,
        userId: session.userId,
        username: session.username,
        sessionId: session.id,
        vars: session.identity.vars,
        lang: session.identity.lang,
        expiry: session.identity.expiresAt,
        clientIp: session.carrier.remoteAddress,
      };
      const payload = await rpc.call(body.id, context, body.payload);
      ctx.reply('rpc', payload === '' ? { id: body.id } : { id: body.id, payload });
    },
  };
}
