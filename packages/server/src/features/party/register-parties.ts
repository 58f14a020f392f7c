import type { FeatureParts } from '../../core/feature.ts';
import type { FeatureContext } from '../../core/feature-context.ts';
import { partyHandlers } from './party-handlers.ts';
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
    sessions: ctx.sessions,
    logger: ctx.logger,
    limits: {
      node: options.node ?? config.node,
      maxParties: config.partyMaxParties,
      maxPerSession: config.partyMaxPerSession,
    },
  });
  const timers = options.timers ?? nodeTimers;
  const sweep = timers.setInterval(() => parties.sweep(), config.partyIdleCheckIntervalMs);
  return {
    parties,
    handlers: partyHandlers(parties),
    async close() {
      timers.clearInterval(sweep);
      parties.dispose();
    },
  };
}
