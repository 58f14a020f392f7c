/**
 * The matchmaker's types: what the matched hook sees, the token issuer, the settings, and the
 * coordinator that decides which node runs intervals.
 *
 * @packageDocumentation
 */

/** One player in a matched group, as the matched hook sees it (the runtime's `MatchmakerEntry`). */
export interface MatchedEntry {
  readonly presence: {
    readonly userId: string;
    readonly sessionId: string;
    readonly username: string;
    readonly node: string;
  };
  /** The ticket's string and numeric properties, merged. */
  readonly properties: Readonly<Record<string, string | number>>;
  readonly ticket: string;
  /** Set when the player matched as a member of a party. */
  readonly partyId?: string;
}

/**
 * Game code deciding where a matched group plays: an authoritative match id, or `undefined` for a
 * relayed match reached with a token. The composition root connects the runtime's hook here.
 */
export type MatchmakerMatchedHook = (entries: readonly MatchedEntry[]) => Promise<string | undefined>;

/** Mints the token a matched player redeems with `match_join{token}` (the match feature's `MatchTokens`). */
export interface MatchTokenIssuer {
  createMatchToken(mid: string): string;
}

/** Matchmaker limits. */
export interface MatchmakerSettings {
  /** Intervals a ticket holds out for `max_count` (see {@link MatchmakerPool}). */
  readonly maxIntervals: number;
  /** Tickets per session, and per party. */
  readonly maxTicketsPerOwner: number;
  /** Tickets in the pool. */
  readonly maxPoolTickets: number;
  /** This node's name: its tickets carry it. */
  readonly node: string;
}

/**
 * Who runs intervals, and the guarantee that a ticket is matched once. A single node runs every
 * interval and claims without asking; a cluster elects one node (a lease) and claims each group in
 * Redis, all or none, before telling anyone.
 */
export interface MatchmakerCoordinator {
  /** Whether this node runs intervals now. */
  isLeader(): boolean;
  /** Claims each group's ticket ids (all or none per group); resolves which groups were claimed. */
  claim(groups: readonly (readonly string[])[]): Promise<readonly boolean[]>;
}

/** A single node's coordinator: always the one, every claim granted. */
export const SINGLE_NODE_COORDINATOR: MatchmakerCoordinator = {
  isLeader: () => true,
  claim: async (groups) => groups.map(() => true),
};
