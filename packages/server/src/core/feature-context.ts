import type { Logger } from 'pino';
import type { AccountFeature } from '../features/accounts/account-feature.ts';
import type { TetherConfig } from '../config/config.ts';
import type { HttpRouter } from '../http/router.ts';
import { Pipeline } from '../pipeline/pipeline.ts';
import { LocalMessageRouter, type MessageRouter } from '../presence/message-router.ts';
import { LocalTracker, type Tracker } from '../presence/tracker.ts';
import { SessionRegistry } from '../session/registry.ts';
import type { Storage } from '../storage/types.ts';
import { type Clock, systemClock } from '../shared/clock.ts';

/**
 * Everything a realtime feature (status, chat, notifications, streams, matches, parties,
 * matchmaker, rpc) is built from. The composition root makes one and hands it to each feature's
 * `register*` function; features never construct these themselves.
 */
export interface RealtimeContext {
  readonly config: TetherConfig;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly storage: Storage;
  readonly accounts: AccountFeature;
  /** Who is on which stream. */
  readonly tracker: Tracker;
  /** Fan-out (encode once per broadcast). */
  readonly router: MessageRouter;
  /** Connected sessions on this node. */
  readonly sessions: SessionRegistry;
  /** Socket message handlers, one per envelope type. */
  readonly pipeline: Pipeline;
  /** HTTP API routes (REST endpoints of realtime features: history, notifications, ...). */
  readonly http: HttpRouter;
}

/** Builds the single-node realtime core: local tracker, registry, router and pipeline. */
export function createRealtimeContext(deps: {
  config: TetherConfig;
  logger: Logger;
  storage: Storage;
  accounts: AccountFeature;
  http: HttpRouter;
  clock?: Clock;
}): RealtimeContext {
  const clock = deps.clock ?? systemClock;
  const tracker = new LocalTracker();
  const sessions = new SessionRegistry();
  const router = new LocalMessageRouter(tracker, sessions);
  const { config } = deps;
  const pipeline = new Pipeline({
    logger: deps.logger,
    now: () => clock.now(),
    limits: {
      maxMessageBytes: config.socketMaxMessageBytes,
      ratePerSecond: config.socketRatePerSecond,
      rateBurst: config.socketRateBurst,
      maxPendingMessages: config.socketMaxPendingMessages,
    },
  });
  return { ...deps, clock, tracker, sessions, router, pipeline };
}
