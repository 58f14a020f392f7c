import { DEFAULT_NODE_NAME } from '../match/match-id.ts';
import type { RealtimeContext } from '../../core/feature-context.ts';
import { registerPartyHandlers } from './party-handlers.ts';
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
export interface PartyFeature {
  readonly parties: PartyService;
  /** Stops the sweep and presence listening (server shutdown). */
  close(): Promise<void>;
}

/**
 * Builds parties on the realtime core and plugs them in: the `party_*` socket handlers, party
 * presence events, and a sweep every `partyIdleCheckIntervalMs` that closes empty parties and drops
 * join requests of sessions that have gone. The matchmaker adds party matchmaking on top
 * (`registerMatchmaker(ctx, { parties })`).
 */
export function registerParties(
  ctx: RealtimeContext,
  options: { node?: string; timers?: SweepTimers } = {},
): PartyFeature {
  const { config } = ctx;
  const parties = new PartyService({
    tracker: ctx.tracker,
    router: ctx.router,
    sessions: ctx.sessions,
    logger: ctx.logger,
    limits: {
      node: options.node ?? DEFAULT_NODE_NAME,
      maxParties: config.partyMaxParties,
      maxPerSession: config.partyMaxPerSession,
    },
  });
  registerPartyHandlers(ctx.pipeline, parties);
  const timers = options.timers ?? nodeTimers;
  const sweep = timers.setInterval(() => parties.sweep(), config.partyIdleCheckIntervalMs);
  return {
    parties,
    async close() {
      timers.clearInterval(sweep);
      parties.dispose();
    },
  };
}
