import { DEFAULT_NODE_NAME, newRelayedMatchId } from '../match/match-id.ts';
import type { PartyService } from '../party/party-service.ts';
import type { RealtimeContext } from '../../core/feature-context.ts';
import { registerMatchmakerHandlers } from './matchmaker-handlers.ts';
import {
  type MatchmakerMatchedHook,
  MatchmakerService,
  type MatchTokenIssuer,
} from './matchmaker-service.ts';

/** Interval timers; tests may inject their own. */
export interface IntervalTimers {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

const nodeTimers: IntervalTimers = {
  setInterval: (fn, ms) => setInterval(fn, ms).unref(),
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};

/** Session close notifications (the socket feature's `lifecycle`). */
export interface SessionCloseSource {
  onClosed(listener: (session: { readonly id: string }) => void): () => void;
}

/** What the matchmaker is wired to. */
export interface MatchmakerDeps {
  /** Match tokens for relayed matches (the match feature's `tokens`). */
  readonly tokens: MatchTokenIssuer;
  /** Game code choosing an authoritative match for a group (the runtime's hook). */
  readonly matchedHook?: MatchmakerMatchedHook;
  /** Parties: enables party matchmaking; membership changes cancel party tickets. */
  readonly parties?: PartyService;
  /** Session closes end the session's tickets at once (else at the next interval). */
  readonly sessions?: SessionCloseSource;
  readonly timers?: IntervalTimers;
  /** Node name in presences given to the hook (default `tether`). */
  readonly node?: string;
}

/** The matchmaker as the composition root holds it. */
export interface MatchmakerFeature {
  readonly matchmaker: MatchmakerService;
  /** Stops the interval and the listeners (server shutdown). */
  close(): Promise<void>;
}

/**
 * Builds the matchmaker on the realtime core: `matchmaker_add`/`matchmaker_remove` (and party
 * matchmaking when parties are given), processing every `matchmakerIntervalMs`.
 */
export function registerMatchmaker(ctx: RealtimeContext, deps: MatchmakerDeps): MatchmakerFeature {
  const { config } = ctx;
  const matchmaker = new MatchmakerService({
    router: ctx.router,
    sessions: ctx.sessions,
    clock: ctx.clock,
    logger: ctx.logger.child({ feature: 'matchmaker' }),
    settings: {
      maxIntervals: config.matchmakerMaxIntervals,
      maxTicketsPerOwner: config.matchmakerMaxTickets,
      maxPoolTickets: config.matchmakerMaxPoolTickets,
      node: deps.node ?? DEFAULT_NODE_NAME,
    },
    tokens: deps.tokens,
    newMatchId: newRelayedMatchId,
    ...(deps.matchedHook === undefined ? {} : { matchedHook: deps.matchedHook }),
  });
  registerMatchmakerHandlers(ctx.pipeline, matchmaker, deps.parties);
  const offParty = deps.parties?.onChange((partyId) => matchmaker.partyChanged(partyId));
  const offSession = deps.sessions?.onClosed((session) => matchmaker.sessionClosed(session.id));
  const timers = deps.timers ?? nodeTimers;
  const interval = timers.setInterval(() => {
    matchmaker.process().catch((err: unknown) => ctx.logger.error({ err }, 'matchmaker interval failed'));
  }, config.matchmakerIntervalMs);
  return {
    matchmaker,
    async close() {
      timers.clearInterval(interval);
      offParty?.();
      offSession?.();
    },
  };
}
