/**
 * Handlers of the socket's own messages: the application heartbeat and the `authenticate` extension.
 *
 * @packageDocumentation
 */
import { RealtimeError, RealtimeErrorCode } from '@tether/protocol';
import type { SocketHandlers } from '../pipeline/pipeline.ts';

/**
 * `ping` (answered with `pong` at once: nakama-js drops the socket when a pong is 10 s
 * late), `pong` (accepted and ignored, as Nakama does) and `authenticate` (refused: a session that
 * exists is authenticated already; on GameMaker carriers the endpoint handles the first one).
 */
export const socketHandlers: SocketHandlers = {
  ping: (ctx) => ctx.reply('pong', {}),
  pong: () => {},
  authenticate: () => {
    throw new RealtimeError(RealtimeErrorCode.BAD_INPUT, 'Already authenticated');
  },
};
