/**
 * The example's runtime module: `tether serve --runtime examples/authoritative-match/modules` loads it
 * (TypeScript, no build step). It registers the `tag` match handler and the RPCs clients use to get a
 * game, and sends matchmaker results to a fresh tag match.
 */
import type { InitModule, RpcFunction } from '@tether/server';
import { type TagParams, tagHandler } from './_tag.ts';

/** Label query for a tag match that still has room. */
const OPEN_TAG = '+label.mode:tag +label.open:true';

const init: InitModule = (initializer, nk, logger) => {
  initializer.registerMatch('tag', tagHandler);

  /** `create_tag` `{"maxPlayers"?: n}` → `{"matchId": "..."}`: always a new match. */
  const createTag: RpcFunction = (_ctx, payload) => {
    const params = (payload ? JSON.parse(payload) : {}) as TagParams;
    const matchId = nk.matchCreate('tag', {
      maxPlayers: params.maxPlayers,
      emptyTicksToEnd: params.emptyTicksToEnd,
    });
    return JSON.stringify({ matchId });
  };
  initializer.registerRpc('create_tag', createTag);

  /** `find_tag` → `{"matchId": "..."}`: the oldest tag match with room, or a new one. */
  initializer.registerRpc('find_tag', () => {
    const [open] = nk.matchList(1, true, null, null, null, OPEN_TAG);
    return JSON.stringify({ matchId: open?.matchId ?? nk.matchCreate('tag', {}) });
  });

  /** `tag_status` `{"matchId": "..."}` → the match's own summary, through `matchSignal`. */
  initializer.registerRpc('tag_status', (_ctx, payload) => {
    const { matchId } = JSON.parse(payload) as { matchId: string };
    return nk.matchSignal(matchId, 'status');
  });

  // Matchmaker results play tag on the server, sized for the players found.
  initializer.registerMatchmakerMatched((_ctx, entries) =>
    nk.matchCreate('tag', { maxPlayers: Math.max(2, entries.length) }),
  );

  logger.info('tag module loaded');
};

export default init;
