import type { FeatureParts } from '../../core/feature.ts';
import type { FeatureContext } from '../../core/feature-context.ts';
import { TrackedSessions } from '../../presence/tracked-sessions.ts';
import { partyHandlers } from './party-handlers.ts';
import { RoutedParties } from './party-remote.ts';
import { PartyService } from './party-service.ts';

/** Timers of the periodic sweep; tests may inject their own. */
export interface SweepTimers {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

const nodeTimers: SweepTimers = {
  setInterval: (fn, ms) => setInterval(fn, ms).unref(),
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};

/** The party feature as the composition root holds it. */
export interface PartyFeature extends FeatureParts {
  readonly parties: PartyService;
  /** The operations routed to each party's node (this one's, or another of the cluster). */
  readonly routed: RoutedParties;
  /** Stops the sweep and presence listening (server shutdown). */
  close(): Promise<void>;
}

/**
 * Builds parties: the `party_*` socket handlers, party
 * presence events, and a sweep every `partyIdleCheckIntervalMs` that closes empty parties and drops
 * join requests of sessions that have gone. The matchmaker adds party matchmaking on top
 * (`registerMatchmaker(ctx, { parties })`).
 */
export function registerParties(
  ctx: FeatureContext,
  options: { node?: string; timers?: SweepTimers } = {},
): PartyFeature {
  const { config } = ctx;
  const parties = new PartyService({
    tracker: ctx.tracker,
    router: ctx.router,
    // Members and requesters may be connected to any node of a cluster.
    sessions: new TrackedSessions(ctx.tracker),
    logger: ctx.logger,
    limits: {
      node: options.node ?? config.node,
      maxParties: config.partyMaxParties,
      maxPerSession: config.partyMaxPerSession,
    },
  });
  const routed = new RoutedParties({
    service: parties,
    peers: ctx.peers,
    tracker: ctx.tracker,
    router: ctx.router,
    sessions: ctx.sessions,
  });
  const timers = options.timers ?? nodeTimers;
  const sweep = timers.setInterval(() => parties.sweep(), config.partyIdleCheckIntervalMs);
  return {
    parties,
    routed,
    handlers: partyHandlers(routed),
    async close() {
      timers.clearInterval(sweep);
      parties.dispose();
    },
  };
}
