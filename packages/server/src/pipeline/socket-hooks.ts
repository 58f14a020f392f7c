/**
 * Before and after hooks around socket messages: what the pipeline runs when a game module
 * registered one for a message name (`registerRtBefore('ChannelMessageSend', fn)`).
 *
 * @packageDocumentation
 */
import { plainClientBody, RealtimeErrorCode } from '@tether/protocol';
import type { Logger } from 'pino';
import { DomainError, ErrorKind } from '../shared/domain-error.ts';
import { type HookPair, Hooks, snakeCaseName } from '../shared/hooks.ts';
import { type Context, RecordingContext } from './context.ts';

/** Who sent a hooked socket message, as hooks see it. */
export interface SocketHookContext {
  readonly node: string;
  readonly userId: string;
  readonly username: string;
  readonly sessionId: string;
  /** Session variables from authentication. */
  readonly vars: Readonly<Record<string, string>>;
  readonly lang: string;
  /** Session token expiry, Unix seconds. */
  readonly expiry: number;
  readonly clientIp: string;
  /** The envelope message name, snake_case (`channel_message_send`). */
  readonly message: string;
}

/** Hooks by envelope message name (`ChannelJoin`, `channelJoin` and `channel_join` are one name). */
export type SocketHooks = Hooks<SocketHookContext, object, unknown>;

/** An empty set of socket hooks; the runtime fills it. */
export function createSocketHooks(): SocketHooks {
  return new Hooks(snakeCaseName);
}

/**
 * Runs one message with its hooks: the before hook may replace the body or reject the message (its
 * error reaches the client with its own code, or code 7 "runtime function exception"); the handler
 * runs on what the hook returned; the after hook sees the reply body and the request, and its
 * failures are logged only.
 */
export async function runHooked(
  hooks: HookPair<SocketHookContext, object, unknown>,
  ctx: Context,
  message: string,
  body: object,
  handler: (ctx: Context, body: object) => void | Promise<void>,
  deps: { readonly node: string; readonly logger: Logger },
): Promise<void> {
  const { session } = ctx;
  const hookCtx: SocketHookContext = {
    node: deps.node,
    userId: session.userId,
    username: session.username,
    sessionId: session.id,
    vars: session.identity.vars,
    lang: session.identity.lang,
    expiry: session.identity.expiresAt,
    clientIp: session.carrier.remoteAddress,
    message,
  };
  // The plain body (a protobuf match_data_send's payload as base64 text): hooks may copy it.
  let input = plainClientBody(body);
  if (hooks.before) {
    let out: object | null | undefined;
    try {
      out = await hooks.before(hookCtx, input);
    } catch (err) {
      throw hookFailure(err);
    }
    if (out === null || out === undefined || typeof out !== 'object') {
      throw new DomainError(ErrorKind.PERMISSION_DENIED, `Message ${message} rejected by a before hook`, {
        socketCode: RealtimeErrorCode.RUNTIME_FUNCTION_EXCEPTION,
      });
    }
    input = out;
  }
  const recording = hooks.after ? new RecordingContext(session, ctx.cid) : ctx;
  await handler(recording, input);
  if (hooks.after) {
    try {
      await hooks.after(hookCtx, (recording as RecordingContext).replied, input);
    } catch (err) {
      deps.logger.warn({ err, message, sessionId: session.id }, 'after hook failed');
    }
  }
}

/** A before hook's error as the client gets it: a DomainError as it is, anything else as code 7. */
function hookFailure(err: unknown): DomainError {
  if (err instanceof DomainError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new DomainError(ErrorKind.INTERNAL, message || 'before hook failed', {
    cause: err,
    socketCode: RealtimeErrorCode.RUNTIME_FUNCTION_EXCEPTION,
  });
}
