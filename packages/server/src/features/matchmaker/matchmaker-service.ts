/**
 * The matchmaker: tickets of players and parties, grouped into matches every interval.
 *
 * @packageDocumentation
 */
import {
  type MatchmakerMatched,
  type MatchmakerUser,
  RealtimeError,
  RealtimeErrorCode,
} from '@tether/protocol';
import type { Logger } from 'pino';
import { z } from 'zod';
import { LocalPeers, type Peers } from '../../cluster/peers.ts';
import type { MessageRouter } from '../../presence/message-router.ts';
import { OutboundMessage } from '../../presence/outbound.ts';
import type { PresenceOwner } from '../../presence/types.ts';
import { sessionPresence } from '../../presence/wire.ts';
import type { Clock } from '../../shared/clock.ts';
import { DomainError, ErrorKind, invalid } from '../../shared/domain-error.ts';
import {
  type MatchedEntry,
  type MatchmakerCoordinator,
  type MatchmakerMatchedHook,
  type MatchmakerSettings,
  type MatchTokenIssuer,
  SINGLE_NODE_COORDINATOR,
} from './matchmaker-types.ts';
import { SharedPool } from './shared-pool.ts';
import { buildTicket, type Ticket, type TicketPresence, type TicketRequest } from './tickets.ts';

export {
  type MatchedEntry,
  type MatchmakerCoordinator,
  type MatchmakerMatchedHook,
  type MatchmakerSettings,
  type MatchTokenIssuer,
  SINGLE_NODE_COORDINATOR,
} from './matchmaker-types.ts';
export { MAX_PROPERTY_CHARS, MAX_TICKET_PROPERTIES, type TicketRequest } from './tickets.ts';

const ADD = 'Error adding to matchmaker';
const ADD_PARTY = 'Error adding party to matchmaker';
const REMOVE_PARTY = 'Error removing party from matchmaker';

/** The method telling a ticket's node that its tickets were matched (it removes them for everyone). */
const MATCHED = 'mm.matched';

/**
 * Tickets, their owners and the matched push. Policies:
 * - At most {@link MatchmakerSettings.maxTicketsPerOwner} tickets per session and per party, and
 *   {@link MatchmakerSettings.maxPoolTickets} in all; beyond that adding fails with RUNTIME_EXCEPTION
 *   (Nakama's code for a failed `matchmaker_add`) and a message that says which limit.
 * - A malformed query or oversized properties fail at add time with BAD_INPUT saying what is wrong.
 * - A player ticket ends when its session closes; a party ticket when the party's membership changes
 *   or it closes. Tickets of sessions that have gone are also dropped by the next interval.
 * - Matched tickets leave the pool at once; each matched session then gets `matchmaker_matched` with
 *   its own ticket, everyone's properties, and either the hook's `match_id` or a token for a fresh
 *   relayed match (the hook failing or returning nothing means the token).
 *
 * In a cluster there is one pool ({@link SharedPool}): tickets of every node, held by every node.
 * Each node adds and removes its own; the coordinator's elected node runs the intervals, claims each
 * group before anything is sent (so a ticket is matched at most once, even if two nodes believed
 * they were elected), tells each ticket's node to remove it, and sends `matchmaker_matched` to the
 * players wherever they are connected.
 */
export class MatchmakerService {
  readonly #pool: SharedPool;
  readonly #router: MessageRouter;
  readonly #sessions: { get(sessionId: string): unknown };
  readonly #log: Logger;
  readonly #settings: MatchmakerSettings;
  readonly #tokens: MatchTokenIssuer;
  readonly #newMatchId: () => string;
  readonly #hook: MatchmakerMatchedHook | undefined;
  readonly #peers: Peers;
  readonly #coordinator: MatchmakerCoordinator;
  readonly #bySession = new Map<string, Set<string>>();
  readonly #byParty = new Map<string, Set<string>>();

  constructor(deps: {
    router: MessageRouter;
    /** Connected sessions (of every node, in a cluster): tickets of sessions that have gone are dropped. */
    sessions: { get(sessionId: string): unknown };
    clock: Clock;
    logger: Logger;
    settings: MatchmakerSettings;
    tokens: MatchTokenIssuer;
    /** A fresh relayed match id (`"<uuid>."`) for groups the hook did not place. */
    newMatchId: () => string;
    matchedHook?: MatchmakerMatchedHook;
    /** The other nodes of a cluster (default: none). */
    peers?: Peers;
    /** Who runs intervals and claims groups (default: this node, always). */
    coordinator?: MatchmakerCoordinator;
  }) {
    this.#router = deps.router;
    this.#sessions = deps.sessions;
    this.#log = deps.logger;
    this.#settings = deps.settings;
    this.#tokens = deps.tokens;
    this.#newMatchId = deps.newMatchId;
    this.#hook = deps.matchedHook;
    this.#peers = deps.peers ?? new LocalPeers(deps.settings.node);
    this.#coordinator = deps.coordinator ?? SINGLE_NODE_COORDINATOR;
    this.#pool = new SharedPool({
      node: deps.settings.node,
      maxIntervals: deps.settings.maxIntervals,
      clock: deps.clock,
      replicate: (table) => this.#peers.replicate(table),
    });
    this.#peers.handle(MATCHED, z.array(z.string().max(64)).max(100_000), (ids) => this.#matchedHere(ids));
  }

  /** Tickets waiting, of every node. */
  get size(): number {
    return this.#pool.size;
  }

  /** Counters of the last interval. */
  get stats() {
    return this.#pool.stats;
  }

  /**
   * Adds a player ticket for `session`; returns the ticket id.
   *
   * @throws {@link RealtimeError} BAD_INPUT for a bad query or properties, RUNTIME_EXCEPTION over a limit
   */
  add(session: PresenceOwner, request: TicketRequest): string {
    const owned = this.#bySession.get(session.id)?.size ?? 0;
    this.#checkRoom(owned, ADD, RealtimeErrorCode.RUNTIME_EXCEPTION, 'session');
    this.#checkPool(ADD);
    const ticket = buildTicket(request, ADD, {
      node: this.#settings.node,
      presences: [this.#presenceOf(session)],
      ownerSession: session.id,
      partyId: undefined,
    });
    this.#pool.addLocal(ticket);
    addTo(this.#bySession, session.id, ticket.id);
    return ticket.id;
  }

  /**
   * Removes one of the session's own player tickets.
   *
   * @throws {@link RealtimeError} BAD_INPUT "Matchmaker ticket not found" for any other ticket
   */
  remove(session: PresenceOwner, ticketId: string): void {
    const ticket = this.#pool.get(ticketId);
    if (ticket === undefined || ticket.ownerSession !== session.id || ticket.node !== this.#settings.node) {
      throw invalid('Matchmaker ticket not found');
    }
    this.#drop(ticket);
  }

  /**
   * Adds a ticket for a whole party (its leader asked); every member is in it, and every member but
   * the leader gets `party_matchmaker_ticket`. Returns the ticket id. Runs on the party's node.
   *
   * @throws {@link RealtimeError} BAD_INPUT "Error adding party to matchmaker: …"
   */
  addParty(
    party: { readonly partyId: string; readonly members: readonly TicketPresence[] },
    leaderSessionId: string,
    request: TicketRequest,
  ): string {
    const owned = this.#byParty.get(party.partyId)?.size ?? 0;
    this.#checkRoom(owned, ADD_PARTY, RealtimeErrorCode.BAD_INPUT, 'party');
    if (party.members.length > request.max_count) {
      throw invalid(
        `${ADD_PARTY}: the party has ${party.members.length} members, more than max_count ${request.max_count}`,
      );
    }
    this.#checkPool(ADD_PARTY);
    const presences = party.members.map((m) => ({
      sessionId: m.sessionId,
      userId: m.userId,
      username: m.username,
      node: m.node,
    }));
    const ticket = buildTicket(request, ADD_PARTY, {
      node: this.#settings.node,
      presences,
      ownerSession: undefined,
      partyId: party.partyId,
    });
    this.#pool.addLocal(ticket);
    addTo(this.#byParty, party.partyId, ticket.id);
    const push = new OutboundMessage({
      party_matchmaker_ticket: { party_id: party.partyId, ticket: ticket.id },
    });
    this.#router.sendToPresences(
      presences
        .filter((p) => p.sessionId !== leaderSessionId)
        .map((p) => ({ node: p.node, sessionId: p.sessionId })),
      push,
    );
    return ticket.id;
  }

  /**
   * Removes a party's ticket (its leader asked). Runs on the party's node.
   *
   * @throws {@link RealtimeError} BAD_INPUT "Error removing party from matchmaker: matchmaker ticket not found"
   */
  removeParty(partyId: string, ticketId: string): void {
    const ticket = this.#pool.get(ticketId);
    if (ticket === undefined || ticket.partyId !== partyId || ticket.node !== this.#settings.node) {
      throw invalid(`${REMOVE_PARTY}: matchmaker ticket not found`);
    }
    this.#drop(ticket);
  }

  /** A session closed: its player tickets end. */
  sessionClosed(sessionId: string): void {
    for (const id of [...(this.#bySession.get(sessionId) ?? [])]) {
      const ticket = this.#pool.get(id);
      if (ticket !== undefined) this.#drop(ticket);
    }
  }

  /** A party's membership changed or it closed: its tickets end. */
  partyChanged(partyId: string): void {
    for (const id of [...(this.#byParty.get(partyId) ?? [])]) {
      const ticket = this.#pool.get(id);
      if (ticket !== undefined) this.#drop(ticket);
    }
  }

  /**
   * One interval, when this node is the one that runs them: groups tickets, claims the groups,
   * removes them (each ticket by its own node) and notifies each group (after the matched hook, if
   * any, has chosen a match). Resolves when every group has been notified.
   */
  async process(): Promise<void> {
    if (!this.#coordinator.isLeader()) return;
    const stale: Ticket[] = [];
    const groups = this.#pool.process((ticket) => {
      const live = ticket.presences.every((p) => this.#sessions.get(p.sessionId) !== undefined);
      if (!live) stale.push(ticket);
      return live;
    });
    for (const ticket of stale) {
      if (ticket.node === this.#settings.node) this.#drop(ticket);
      else this.#pool.forgetRemote(ticket.id);
    }
    if (groups.length === 0) return;
    this.#log.debug({ ...this.#pool.stats }, 'matchmaker interval');
    const claims = await this.#coordinator.claim(groups.map((g) => g.map((t) => t.id)));
    const matched = groups.filter((group, i) => {
      if (claims[i]) return true;
      this.#pool.restore(group);
      return false;
    });
    const remote = new Map<string, string[]>();
    for (const group of matched) {
      this.#pool.matched(group.map((t) => t.id));
      for (const ticket of group) {
        if (ticket.node === this.#settings.node) this.#removeMatched(ticket);
        else addToList(remote, ticket.node, ticket.id);
      }
    }
    for (const [node, ids] of remote) this.#peers.cast(node, MATCHED, ids);
    await Promise.all(matched.map((group) => this.#notify(group)));
  }

  /** Another node matched tickets of this node: they leave the pool of every node. */
  #matchedHere(ids: readonly string[]): void {
    this.#pool.matched(ids);
    for (const id of ids) {
      const ticket = this.#pool.get(id);
      if (ticket?.node === this.#settings.node) this.#removeMatched(ticket);
    }
  }

  #removeMatched(ticket: Ticket): void {
    this.#pool.removeLocal(ticket.id);
    this.#forget(ticket);
  }

  /** Sends `matchmaker_matched` to every session of a group. */
  async #notify(group: readonly Ticket[]): Promise<void> {
    const users: MatchmakerUser[] = [];
    const entries: MatchedEntry[] = [];
    for (const ticket of group) {
      const properties = { ...ticket.stringProperties, ...ticket.numericProperties };
      for (const p of ticket.presences) {
        const user: MatchmakerUser = {
          presence: sessionPresence(p),
          string_properties: { ...ticket.stringProperties },
          numeric_properties: { ...ticket.numericProperties },
        };
        if (ticket.partyId !== undefined) user.party_id = ticket.partyId;
        users.push(user);
        const presence = { userId: p.userId, sessionId: p.sessionId, username: p.username, node: p.node };
        entries.push(
          ticket.partyId === undefined
            ? { presence, properties, ticket: ticket.id }
            : { presence, properties, ticket: ticket.id, partyId: ticket.partyId },
        );
      }
    }
    let matchId: string | undefined;
    if (this.#hook !== undefined) {
      try {
        matchId = await this.#hook(entries);
      } catch (err) {
        this.#log.error({ err }, 'matchmaker matched hook failed: using a relayed match token');
      }
    }
    const placement =
      matchId !== undefined
        ? { match_id: matchId }
        : { token: this.#tokens.createMatchToken(this.#newMatchId()) };
    let i = 0;
    for (const ticket of group) {
      for (const p of ticket.presences) {
        const body: MatchmakerMatched = { ticket: ticket.id, ...placement, users, self: users[i++]! };
        this.#router.sendToPresences([p], new OutboundMessage({ matchmaker_matched: body }));
      }
    }
  }

  #checkPool(op: string): void {
    if (this.#pool.size >= this.#settings.maxPoolTickets) {
      throw new DomainError(
        ErrorKind.RESOURCE_EXHAUSTED,
        `${op}: the matchmaker is full (${this.#settings.maxPoolTickets} tickets), try again later`,
        { socketCode: RealtimeErrorCode.RUNTIME_EXCEPTION },
      );
    }
  }

  #checkRoom(owned: number, op: string, code: RealtimeErrorCode, owner: 'session' | 'party'): void {
    const max = this.#settings.maxTicketsPerOwner;
    if (owned >= max) {
      throw new DomainError(
        ErrorKind.RESOURCE_EXHAUSTED,
        `${op}: too many tickets (at most ${max} per ${owner})`,
        {
          socketCode: code,
        },
      );
    }
  }

  /** Removes one of this node's tickets from the pool (of every node) and from its owner's list. */
  #drop(ticket: Ticket): void {
    this.#pool.removeLocal(ticket.id);
    this.#forget(ticket);
  }

  #forget(ticket: Ticket): void {
    if (ticket.ownerSession !== undefined) removeFrom(this.#bySession, ticket.ownerSession, ticket.id);
    if (ticket.partyId !== undefined) removeFrom(this.#byParty, ticket.partyId, ticket.id);
  }

  #presenceOf(session: PresenceOwner): TicketPresence {
    return {
      sessionId: session.id,
      userId: session.userId,
      username: session.username,
      node: session.node ?? this.#settings.node,
    };
  }
}

function addTo(map: Map<string, Set<string>>, key: string, id: string): void {
  const set = map.get(key);
  if (set === undefined) map.set(key, new Set([id]));
  else set.add(id);
}

function addToList(map: Map<string, string[]>, key: string, id: string): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [id]);
  else list.push(id);
}

function removeFrom(map: Map<string, Set<string>>, key: string, id: string): void {
  const set = map.get(key);
  set?.delete(id);
  if (set?.size === 0) map.delete(key);
}
