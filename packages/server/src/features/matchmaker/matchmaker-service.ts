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
import type { MessageRouter, SessionLookup } from '../../presence/message-router.ts';
import { OutboundMessage } from '../../presence/outbound.ts';
import type { SessionHandle } from '../../presence/types.ts';
import { sessionPresence } from '../../presence/wire.ts';
import type { Clock } from '../../shared/clock.ts';
import { DomainError, ErrorKind, invalid } from '../../shared/domain-error.ts';
import { newUuid } from '../../shared/ids.ts';
import { parseQuery, QuerySyntaxError } from '../../shared/query/query.ts';
import { MatchmakerPool, type PoolTicket } from './pool.ts';

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

/** What a client asks for in `matchmaker_add` / `party_matchmaker_add` (decoded bodies). */
export interface TicketRequest {
  readonly min_count: number;
  readonly max_count: number;
  readonly count_multiple?: number | undefined;
  readonly query: string;
  readonly string_properties: Readonly<Record<string, string>>;
  readonly numeric_properties: Readonly<Record<string, number>>;
}

/** Matchmaker limits. */
export interface MatchmakerSettings {
  /** Intervals a ticket holds out for `max_count` (see {@link MatchmakerPool}). */
  readonly maxIntervals: number;
  /** Tickets per session, and per party. */
  readonly maxTicketsPerOwner: number;
  /** Tickets in the pool. */
  readonly maxPoolTickets: number;
  /** Node name in the presences given to the matched hook. */
  readonly node: string;
}

/** Most properties (string and numeric together) on one ticket. */
export const MAX_TICKET_PROPERTIES = 64;
/** Longest property key or string value, in characters. */
export const MAX_PROPERTY_CHARS = 1024;

/** A session in a ticket. */
interface TicketPresence {
  readonly sessionId: string;
  readonly userId: string;
  readonly username: string;
}

/** A pooled ticket with who it belongs to. */
interface Ticket extends PoolTicket {
  readonly presences: readonly TicketPresence[];
  /** The session that added a player ticket. */
  readonly ownerSession: string | undefined;
  /** The party that added a party ticket. */
  readonly partyId: string | undefined;
}

const ADD = 'Error adding to matchmaker';
const ADD_PARTY = 'Error adding party to matchmaker';
const REMOVE_PARTY = 'Error removing party from matchmaker';

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
 */
export class MatchmakerService {
  readonly #pool: MatchmakerPool<Ticket>;
  readonly #router: MessageRouter;
  readonly #sessions: SessionLookup;
  readonly #log: Logger;
  readonly #settings: MatchmakerSettings;
  readonly #tokens: MatchTokenIssuer;
  readonly #newMatchId: () => string;
  readonly #hook: MatchmakerMatchedHook | undefined;
  readonly #bySession = new Map<string, Set<string>>();
  readonly #byParty = new Map<string, Set<string>>();

  constructor(deps: {
    router: MessageRouter;
    sessions: SessionLookup;
    clock: Clock;
    logger: Logger;
    settings: MatchmakerSettings;
    tokens: MatchTokenIssuer;
    /** A fresh relayed match id (`"<uuid>."`) for groups the hook did not place. */
    newMatchId: () => string;
    matchedHook?: MatchmakerMatchedHook;
  }) {
    this.#router = deps.router;
    this.#sessions = deps.sessions;
    this.#log = deps.logger;
    this.#settings = deps.settings;
    this.#tokens = deps.tokens;
    this.#newMatchId = deps.newMatchId;
    this.#hook = deps.matchedHook;
    this.#pool = new MatchmakerPool({ maxIntervals: deps.settings.maxIntervals, clock: deps.clock });
  }

  /** Tickets waiting. */
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
  add(session: SessionHandle, request: TicketRequest): string {
    const owned = this.#bySession.get(session.id)?.size ?? 0;
    this.#checkRoom(owned, ADD, RealtimeErrorCode.RUNTIME_EXCEPTION, 'session');
    const ticket = this.#ticket(request, ADD, [presenceOf(session)], session.id, undefined);
    this.#pool.add(ticket);
    addTo(this.#bySession, session.id, ticket.id);
    return ticket.id;
  }

  /**
   * Removes one of the session's own player tickets.
   *
   * @throws {@link RealtimeError} BAD_INPUT "Matchmaker ticket not found" for any other ticket
   */
  remove(session: SessionHandle, ticketId: string): void {
    const ticket = this.#pool.get(ticketId);
    if (ticket === undefined || ticket.ownerSession !== session.id) {
      throw invalid('Matchmaker ticket not found');
    }
    this.#drop(ticket);
  }

  /**
   * Adds a ticket for a whole party (its leader asked); every member is in it, and every member but
   * the leader gets `party_matchmaker_ticket`. Returns the ticket id.
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
    const presences = party.members.map((m) => ({
      sessionId: m.sessionId,
      userId: m.userId,
      username: m.username,
    }));
    const ticket = this.#ticket(request, ADD_PARTY, presences, undefined, party.partyId);
    this.#pool.add(ticket);
    addTo(this.#byParty, party.partyId, ticket.id);
    const push = new OutboundMessage({
      party_matchmaker_ticket: { party_id: party.partyId, ticket: ticket.id },
    });
    this.#router.sendToSessions(
      presences.filter((p) => p.sessionId !== leaderSessionId).map((p) => p.sessionId),
      push,
    );
    return ticket.id;
  }

  /**
   * Removes a party's ticket (its leader asked).
   *
   * @throws {@link RealtimeError} BAD_INPUT "Error removing party from matchmaker: matchmaker ticket not found"
   */
  removeParty(partyId: string, ticketId: string): void {
    const ticket = this.#pool.get(ticketId);
    if (ticket === undefined || ticket.partyId !== partyId) {
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
   * One interval: groups tickets, removes them, and notifies each group (after the matched hook, if
   * any, has chosen a match). Resolves when every group has been notified.
   */
  async process(): Promise<void> {
    const stale: Ticket[] = [];
    const groups = this.#pool.process((ticket) => {
      const live = ticket.presences.every((p) => this.#sessions.get(p.sessionId) !== undefined);
      if (!live) stale.push(ticket);
      return live;
    });
    for (const ticket of stale) this.#drop(ticket);
    for (const group of groups) for (const ticket of group) this.#forget(ticket);
    if (groups.length > 0) {
      this.#log.debug({ ...this.#pool.stats }, 'matchmaker interval');
    }
    await Promise.all(groups.map((group) => this.#notify(group)));
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
        const presence = { ...p, node: this.#settings.node };
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
        this.#router.sendToSession(p.sessionId, new OutboundMessage({ matchmaker_matched: body }));
      }
    }
  }

  /** Validates a request and builds its ticket. */
  #ticket(
    request: TicketRequest,
    op: string,
    presences: TicketPresence[],
    ownerSession: string | undefined,
    partyId: string | undefined,
  ): Ticket {
    if (this.#pool.size >= this.#settings.maxPoolTickets) {
      throw new DomainError(
        ErrorKind.RESOURCE_EXHAUSTED,
        `${op}: the matchmaker is full (${this.#settings.maxPoolTickets} tickets), try again later`,
        { socketCode: RealtimeErrorCode.RUNTIME_EXCEPTION },
      );
    }
    checkProperties(op, request);
    let query: PoolTicket['query'];
    try {
      query = parseQuery(request.query === '' ? '*' : request.query);
    } catch (err) {
      if (!(err instanceof QuerySyntaxError)) throw err;
      throw invalid(`${op}: invalid query: ${err.message}`);
    }
    return {
      id: newUuid(),
      sessionIds: presences.map((p) => p.sessionId),
      presences,
      minCount: request.min_count,
      maxCount: request.max_count,
      countMultiple: request.count_multiple ?? 1,
      query,
      stringProperties: { ...request.string_properties },
      numericProperties: { ...request.numeric_properties },
      ownerSession,
      partyId,
    };
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

  /** Removes a ticket from the pool and its owner's list. */
  #drop(ticket: Ticket): void {
    this.#pool.remove(ticket.id);
    this.#forget(ticket);
  }

  #forget(ticket: Ticket): void {
    if (ticket.ownerSession !== undefined) removeFrom(this.#bySession, ticket.ownerSession, ticket.id);
    if (ticket.partyId !== undefined) removeFrom(this.#byParty, ticket.partyId, ticket.id);
  }
}

function checkProperties(op: string, request: TicketRequest): void {
  const strings = Object.entries(request.string_properties);
  const numbers = Object.entries(request.numeric_properties);
  if (strings.length + numbers.length > MAX_TICKET_PROPERTIES) {
    throw invalid(`${op}: too many properties (at most ${MAX_TICKET_PROPERTIES})`);
  }
  for (const [key, value] of [...strings, ...numbers]) {
    if (key.length > MAX_PROPERTY_CHARS || (typeof value === 'string' && value.length > MAX_PROPERTY_CHARS)) {
      throw invalid(
        `${op}: property "${key.slice(0, 32)}" too long (keys and values at most ${MAX_PROPERTY_CHARS} characters)`,
      );
    }
  }
}

function presenceOf(session: SessionHandle): TicketPresence {
  return { sessionId: session.id, userId: session.userId, username: session.username };
}

function addTo(map: Map<string, Set<string>>, key: string, id: string): void {
  const set = map.get(key);
  if (set === undefined) map.set(key, new Set([id]));
  else set.add(id);
}

function removeFrom(map: Map<string, Set<string>>, key: string, id: string): void {
  const set = map.get(key);
  set?.delete(id);
  if (set?.size === 0) map.delete(key);
}
