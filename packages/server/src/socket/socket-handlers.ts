/**
 * Handlers of the socket's own messages: the application heartbeat and the `authenticate` extension.
 *
 * @packageDocumentation
 */
import { RealtimeError, RealtimeErrorCode } from '@tether/protocol';
import type { Pipeline } from '../pipeline/pipeline.ts';

/**
 * Registers `ping` (answered with `pong` at once: nakama-js drops the socket when a pong is 10 s
 * late), `pong` (accepted and ignored, as Nakama does) and `authenticate` (refused: a session that
 * exists is authenticated already; on GameMaker carriers the endpoint handles the first one).
 */
export function registerSocketHandlers(pipeline: Pipeline): void {
  pipeline.register('ping', (ctx) => ctx.reply('pong', {}));
  pipeline.register('pong', () => {});
  pipeline.register('authenticate', () => {
    throw new RealtimeError(RealtimeErrorCode.BAD_INPUT, 'Already authenticated');
  });
}
