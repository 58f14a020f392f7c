import type { FeatureParts } from '../../core/feature.ts';
import type { FeatureContext } from '../../core/feature-context.ts';
import { BoardRegistry } from './board-registry.ts';
import { leaderboardConsoleRoutes } from './leaderboard-console-routes.ts';
import { leaderboardRoutes } from './leaderboard-routes.ts';
import { LeaderboardService } from './leaderboard-service.ts';
import { RankBook } from './rank-book.ts';
import { RankSync } from './rank-sync.ts';
import { type LeaderboardHooks, ResetScheduler } from './reset-scheduler.ts';
import type { LeaderboardStore } from './store/leaderboard-store.ts';
import { TournamentService } from './tournament-service.ts';

/** The leaderboard feature as the composition root holds it. */
export interface LeaderboardFeature extends FeatureParts {
  readonly leaderboards: LeaderboardService;
  readonly tournaments: TournamentService;
  /** Period boundaries (resets, tournament ends); tests call `runDue()` after moving the clock. */
  readonly scheduler: ResetScheduler;
  /** Cluster mode: carries this node's rank changes to the other nodes' indexes (else undefined). */
  readonly rankSync: RankSync | undefined;
}

/** What {@link registerLeaderboards} needs besides the context. */
export interface LeaderboardDeps {
  /** This feature's store, built by the composition root for the database's dialect. */
  readonly store: LeaderboardStore;
  /** Game callbacks at period boundaries (read at each boundary; the runtime is built later). */
  readonly hooks: () => LeaderboardHooks;
  /** Cap on records per board period in the rank index (default 2^25). */
  readonly maxRankEntries?: number | undefined;
}

/**
 * Builds the leaderboard and tournament services, loads the boards and rebuilds the rank index of
 * every live period from the database, starts the period scheduler, and serves the REST endpoints
 * and the console's leaderboard section.
 */
export async function registerLeaderboards(
  ctx: FeatureContext,
  deps: LeaderboardDeps,
): Promise<LeaderboardFeature> {
  const logger = ctx.logger.child({ feature: 'leaderboards' });
  const boards = new BoardRegistry({ store: deps.store, clock: ctx.clock });
  const ranks = new RankBook({ store: deps.store, logger, maxEntries: deps.maxRankEntries });
  const leaderboards = new LeaderboardService({
    store: deps.store,
    db: ctx.db,
    clock: ctx.clock,
    ranks,
    boards,
    logger,
  });
  const tournaments = new TournamentService(leaderboards);
  let rankSync: RankSync | undefined;
  if (ctx.peers.clustered) {
    // Subscribed before the rebuild, so a change another node makes while this one loads is read again.
    const sync = new RankSync({
      ranks,
      boards,
      store: deps.store,
      logger,
      nowSec: () => leaderboards.nowSec(),
    });
    sync.publish = ctx.peers.replicate(sync);
    ranks.listen(sync);
    rankSync = sync;
  }
  await boards.load();
  await ranks.rebuild(leaderboards.nowSec(), (id) => boards.cached(id));
  const scheduler = new ResetScheduler({
    leaderboards,
    tournaments,
    clock: ctx.clock,
    logger,
    hooks: deps.hooks,
  });
  boards.onChange(() => scheduler.rearm());
  scheduler.start();
  return {
    leaderboards,
    tournaments,
    scheduler,
    rankSync,
    routes: leaderboardRoutes({ leaderboards, tournaments, sessions: ctx.verifier }),
    consoleRoutes: leaderboardConsoleRoutes({ leaderboards, tournaments }),
    async close() {
      scheduler.close();
      await rankSync?.close();
    },
  };
}
