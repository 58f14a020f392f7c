import type { FeatureParts } from '../../core/feature.ts';
import type { FeatureContext } from '../../core/feature-context.ts';
import { TrackedSessions } from '../../presence/tracked-sessions.ts';
import { newRelayedMatchId } from '../match/match-id.ts';
import type { PartyService } from '../party/party-service.ts';
import { matchmakerHandlers } from './matchmaker-handlers.ts';
import {
  type MatchmakerCoordinator,
  type MatchmakerMatchedHook,
  MatchmakerService,
  type MatchTokenIssuer,
} from './matchmaker-service.ts';
import { PartyMatchmaking } from './party-matchmaking.ts';

/** Interval timers; tests may inject their own. */
export interface IntervalTimers {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

const nodeTimers: IntervalTimers = {
  setInterval: (fn, ms) => setInterval(fn, ms).unref(),
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};

/** What the matchmaker is wired to. */
export interface MatchmakerDeps {
  /** Match tokens for relayed matches (the match feature's `tokens`). */
  readonly tokens: MatchTokenIssuer;
  /** Game code choosing an authoritative match for a group (the runtime's hook). */
  readonly matchedHook?: MatchmakerMatchedHook;
  /** Parties: enables party matchmaking; membership changes cancel party tickets. */
  readonly parties?: PartyService;
  readonly timers?: IntervalTimers;
  /** Cluster: who runs intervals and claims groups (default: this node alone). */
  readonly coordinator?: MatchmakerCoordinator;
  /** Node name in presences given to the hook (default `tether`). */
  readonly node?: string;
}

/** The matchmaker as the composition root holds it. */
export interface MatchmakerFeature extends FeatureParts {
  readonly matchmaker: MatchmakerService;
  /** Stops the interval and the listeners (server shutdown). */
  close(): Promise<void>;
}

/**
 * Builds the matchmaker on the realtime core: `matchmaker_add`/`matchmaker_remove` (and party
 * matchmaking when parties are given), processing every `matchmakerIntervalMs`.
 */
export function registerMatchmaker(ctx: FeatureContext, deps: MatchmakerDeps): MatchmakerFeature {
  const { config } = ctx;
  const matchmaker = new MatchmakerService({
    router: ctx.router,
    // Players of every node are in the one pool; a ticket is stale when its session is gone anywhere.
    sessions: new TrackedSessions(ctx.tracker),
    peers: ctx.peers,
    ...(deps.coordinator === undefined ? {} : { coordinator: deps.coordinator }),
    clock: ctx.clock,
    logger: ctx.logger.child({ feature: 'matchmaker' }),
    settings: {
      maxIntervals: config.matchmakerMaxIntervals,
      maxTicketsPerOwner: config.matchmakerMaxTickets,
      maxPoolTickets: config.matchmakerMaxPoolTickets,
      node: deps.node ?? config.node,
    },
    tokens: deps.tokens,
    newMatchId: newRelayedMatchId,
    ...(deps.matchedHook === undefined ? {} : { matchedHook: deps.matchedHook }),
  });
  const offParty = deps.parties?.onChange((partyId) => matchmaker.partyChanged(partyId));
  // Session closes end the session's tickets at once (else at the next interval).
  const offSession = ctx.sessionEvents.onClosed((session) => matchmaker.sessionClosed(session.id));
  const timers = deps.timers ?? nodeTimers;
  const interval = timers.setInterval(() => {
    matchmaker.process().catch((err: unknown) => ctx.logger.error({ err }, 'matchmaker interval failed'));
  }, config.matchmakerIntervalMs);
  return {
    matchmaker,
    handlers: matchmakerHandlers(
      matchmaker,
      deps.parties && new PartyMatchmaking({ matchmaker, parties: deps.parties, peers: ctx.peers }),
    ),
    async close() {
      timers.clearInterval(interval);
      offParty?.();
      offSession();
    },
  };
}
