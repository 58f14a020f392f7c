import type { FeatureParts } from '../../core/feature.ts';
import type { FeatureContext } from '../../core/feature-context.ts';
import type { MatchMeter } from '../../observability/meters.ts';
import { StreamMode } from '../../presence/stream.ts';
import { matchConsoleRoutes } from './match-console-routes.ts';
import { matchHandlers } from './match-handlers.ts';
import { MatchRegistry } from './match-registry.ts';
import { matchRoutes } from './match-routes.ts';
import { MatchService } from './match-service.ts';
import { MatchTokens } from './match-token.ts';
import { systemTickScheduler, type TickScheduler } from './tick-scheduler.ts';

/** Most deferred broadcasts one match may queue per tick (Nakama's `deferred_queue_size`). */
export const DEFERRED_QUEUE_SIZE = 128;

/** The match feature, for the runtime, the matchmaker and the composition root. */
export interface MatchFeature extends FeatureParts {
  /** Socket-facing operations, listing and presence events. */
  readonly service: MatchService;
  /** Authoritative matches and their handlers. */
  readonly registry: MatchRegistry;
  /** Match tokens (the matchmaker mints them; `match_join{token}` redeems them). */
  readonly tokens: MatchTokens;
  /**
   * Shutdown: every authoritative match gets `matchTerminate` with `matchShutdownGraceSec` and is ended
   * when it returns no state or the grace period runs out. Register it after the socket feature so it
   * runs before sessions are closed and the matches' last broadcasts still reach their players.
   */
  close(): Promise<void>;
}

/** Options for tests and embedders. */
export interface MatchFeatureOptions {
  /** Drives match ticks (default: real timers). */
  readonly scheduler?: TickScheduler;
  /** Node name in authoritative match ids (default `tether`). */
  readonly node?: string;
  /** Times each `matchLoop`. */
  readonly meter?: MatchMeter;
}

/**
 * Builds matches on the realtime core: the `match_*` socket handlers, presence events for both match
 * stream modes, and `GET /v2/match`.
 */
export function registerMatches(ctx: FeatureContext, options: MatchFeatureOptions = {}): MatchFeature {
  const { config, tracker, router } = ctx;
  const registry = new MatchRegistry({
    tracker,
    router,
    clock: ctx.clock,
    scheduler: options.scheduler ?? systemTickScheduler,
    logger: ctx.logger.child({ feature: 'match' }),
    node: options.node ?? config.node,
    limits: { inputQueueSize: config.matchInputQueueSize, deferredQueueSize: DEFERRED_QUEUE_SIZE },
    meter: options.meter,
  });
  const tokens = new MatchTokens({ key: config.sessionEncryptionKey, clock: ctx.clock });
  const service = new MatchService({
    tracker,
    router,
    registry,
    tokens,
    maxDataBytes: config.matchMaxDataBytes,
  });
  const unsubscribe = [StreamMode.MATCH_RELAYED, StreamMode.MATCH_AUTHORITATIVE].map((mode) =>
    tracker.onEvents(mode, (events) => service.publishPresenceEvents(events)),
  );
  return {
    service,
    registry,
    tokens,
    handlers: matchHandlers(service),
    routes: matchRoutes({ matches: service, sessions: ctx.verifier }),
    consoleRoutes: matchConsoleRoutes(service),
    async close() {
      await registry.shutdown(config.matchShutdownGraceSec);
      for (const off of unsubscribe) off();
    },
  };
}
