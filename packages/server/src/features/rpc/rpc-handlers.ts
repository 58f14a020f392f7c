import { RealtimeError, RealtimeErrorCode } from '@tether/protocol';
import type { Pipeline } from '../../pipeline/pipeline.ts';
import type { RpcContext } from '../../runtime/api.ts';
import { RpcError, RpcFailure, type RpcRegistry } from './rpc-registry.ts';

/**
 * The socket's `rpc` message: calls the function and replies `rpc{id, payload}` (payload left out when
 * empty, proto3). Unknown id → code 6 "RPC function not found"; a failing function → code 7 with its
 * error message. The session's later messages wait for the reply (the pipeline keeps order), so a
 * long RPC delays that session only.
 */
export function registerRpcHandler(pipeline: Pipeline, rpc: RpcRegistry, node: string): void {
  pipeline.register('rpc', async (ctx, body) => {
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
    let payload: string;
    try {
      payload = await rpc.call(body.id, context, body.payload);
    } catch (err) {
      throw toRealtimeError(err);
    }
    ctx.reply('rpc', payload === '' ? { id: body.id } : { id: body.id, payload });
  });
}

function toRealtimeError(err: unknown): unknown {
  if (!(err instanceof RpcError)) return err;
  const code =
    err.failure === RpcFailure.NOT_FOUND
      ? RealtimeErrorCode.RUNTIME_FUNCTION_NOT_FOUND
      : RealtimeErrorCode.RUNTIME_FUNCTION_EXCEPTION;
  return new RealtimeError(code, err.message, { cause: err });
}
