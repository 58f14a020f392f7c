/**
 * Parties: small groups with a leader that share data and matchmake together (Nakama's party API).
 *
 * @packageDocumentation
 */
import {
  type Party,
  type PartyJoinRequest,
  type PartyLeader,
  type PartyPresenceEvent,
  RealtimeError,
  RealtimeErrorCode,
  type UserPresence,
} from '@tether/protocol';
import type { Logger } from 'pino';
import type { MessageRouter } from '../../presence/message-router.ts';
import { OutboundMessage } from '../../presence/outbound.ts';
import { type StreamKey, StreamMode } from '../../presence/stream.ts';
import type { Tracker } from '../../presence/tracker.ts';
import type { PresenceEvent, PresenceOwner } from '../../presence/types.ts';
import { sessionPresence, userPresence } from '../../presence/wire.ts';
import { DomainError, ErrorKind, invalid } from '../../shared/domain-error.ts';
import { newUuid } from '../../shared/ids.ts';
import { type PartyMember, type PartySettings, PartyState, parsePartyId } from './party-state.ts';
import { PartyOp, partyBody, partyError, presenceIdOf, refusalAs } from './party-wire.ts';

export { PartyOp } from './party-wire.ts';

/** Limits and identity of the party registry. */
export interface PartyLimits {
  /** Node name in party ids (`"<uuid>.<node>"`). */
  readonly node: string;
  /** Parties on this node; creating more fails until some close. */
  readonly maxParties: number;
  /** Parties one session may be a member of at once. */
  readonly maxPerSession: number;
}

/**
 * Who runs a party operation: a session of this node, or (a cluster) a session of another node on
 * whose behalf the party's node runs it (`node` set).
 */
export type PartyCaller = PresenceOwner;

/** Connected sessions by id: of every node (`TrackedSessions`), or of this one (the registry). */
export interface PartySessions {
  get(sessionId: string): PresenceOwner | undefined;
}

/** Called after a party's membership changed or it closed (matchmaking tickets of the party end). */
export type PartyChangeListener = (partyId: string) => void;

/** What the matchmaker sees of a party its leader is matchmaking. */
export interface PartyLeaderView {
  readonly partyId: string;
  /** Members in join order, the leader among them. */
  readonly members: readonly PartyMember[];
}

/**
 * Every party on this node. Membership lives in the shared tracker on the party's stream (mode 7), so a
 * disconnect leaves every party through the tracker's `untrackAll`; the service learns of it from the
 * presence events and applies the leave rules (the oldest member leads when the leader leaves; the
 * last member leaving closes the party).
 *
 * Message order follows Nakama: a handler's reply goes out before the presence events it causes
 * (tracking is the last step before the reply); the `party` state push to a joiner of an open party
 * follows the join reply.
 *
 * Bounds: {@link PartyLimits.maxParties} parties, {@link PartyLimits.maxPerSession} per session,
 * `max_size` members and `max_size` pending join requests per party. {@link PartyService.sweep}
 * (run periodically) drops requests of sessions that have gone and closes parties left empty.
 */
export class PartyService {
  readonly #tracker: Tracker;
  readonly #router: MessageRouter;
  readonly #sessions: PartySessions;
  readonly #log: Logger;
  readonly #limits: PartyLimits;
  readonly #parties = new Map<string, PartyState>();
  readonly #listeners = new Set<PartyChangeListener>();
  readonly #unsubscribe: () => void;

  constructor(deps: {
    tracker: Tracker;
    router: MessageRouter;
    sessions: PartySessions;
    logger: Logger;
    limits: PartyLimits;
  }) {
    this.#tracker = deps.tracker;
    this.#router = deps.router;
    this.#sessions = deps.sessions;
    this.#log = deps.logger;
    this.#limits = deps.limits;
    this.#unsubscribe = this.#tracker.onEvents(StreamMode.PARTY, (events) => this.#onPresenceEvents(events));
  }

  /** Parties open now. */
  get size(): number {
    return this.#parties.size;
  }

  /** Subscribes to membership changes and closes; returns the unsubscribe function. */
  onChange(listener: PartyChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Creates a party led by `session`, its first member. The creator is tracked last, so its own join
   * event follows the `party` reply.
   *
   * @throws {@link RealtimeError} RUNTIME_EXCEPTION when the node or the session has too many parties
   */
  create(session: PartyCaller, settings: PartySettings): Party {
    if (this.#parties.size >= this.#limits.maxParties) {
      throw new DomainError(
        ErrorKind.RESOURCE_EXHAUSTED,
        `Failed to create party: too many parties on this server (${this.#limits.maxParties})`,
        { socketCode: RealtimeErrorCode.RUNTIME_EXCEPTION },
      );
    }
    this.#checkSessionRoom(session, 'Failed to create party', RealtimeErrorCode.RUNTIME_EXCEPTION);
    const party = new PartyState(newUuid(), this.#limits.node, settings, this.#memberOf(session));
    this.#parties.set(party.uuid, party);
    this.#log.debug({ partyId: party.id, sessionId: session.id }, 'party created');
    this.#tracker.track(session, party.stream, { username: session.username });
    return partyBody(party, party.leader);
  }

  /**
   * Joins a party, or asks to. Open party: the session becomes a member and the `party` state is
   * returned, for the caller to send right after its reply. Closed party: the request is queued, the
   * leader gets `party_join_request`, and nothing is returned.
   *
   * A session of this node is tracked here, as the last step before the reply. A session of another
   * node (`session.node`) is tracked by its own node when the answer gets there (the returned `stream`),
   * so its reply still comes before its join event.
   */
  join(session: PartyCaller, partyId: string): { party: Party; stream: StreamKey } | undefined {
    const party = this.#find(partyId, PartyOp.JOIN);
    if (!party.isMember(session.id))
      this.#checkSessionRoom(session, PartyOp.JOIN, RealtimeErrorCode.BAD_INPUT);
    const member = this.#memberOf(session);
    const outcome = refusalAs(PartyOp.JOIN, () => party.requestJoin(member));
    if (outcome === 'requested') {
      const request: PartyJoinRequest = { party_id: party.id, presences: [sessionPresence(member)] };
      this.#router.sendToPresences([presenceIdOf(party.leader)], { party_join_request: request });
      return undefined;
    }
    const joined = { party: partyBody(party, member), stream: party.stream };
    if (member.node !== this.#limits.node) {
      if (!this.#tracker.get(session.id, party.stream)) this.#changed(party);
      return joined;
    }
    const tracked = this.#tracker.track(session, party.stream, { username: session.username });
    if (tracked) this.#changed(party);
    return joined;
  }

  /** Leaves a party (or withdraws a join request). Always succeeds, like Nakama. */
  leave(session: PartyCaller, partyId: string): void {
    const party = this.#lookup(partyId);
    if (party === undefined) return;
    if (party.isMember(session.id)) this.#memberLeft(party, session.id);
    else party.leave(session.id);
    this.#tracker.untrack(session.id, party.stream);
  }

  /**
   * The leader hands leadership to a member; every member gets `party_leader`. Returns the same body
   * for the reply (Nakama replies `{cid}` only; nakama-js resolves `promotePartyMember` with it).
   */
  promote(session: PartyCaller, partyId: string, presence: UserPresence): PartyLeader {
    const party = this.#find(partyId, PartyOp.PROMOTE);
    const leader = refusalAs(PartyOp.PROMOTE, () => party.promote(session.id, presence));
    const body: PartyLeader = { party_id: party.id, presence: sessionPresence(leader) };
    this.#toMembers(party, new OutboundMessage({ party_leader: body }));
    return body;
  }

  /** The leader accepts a join request: the requester joins and gets the `party` state. */
  accept(session: PartyCaller, partyId: string, presence: UserPresence): void {
    const party = this.#find(partyId, PartyOp.ACCEPT);
    // Requests of sessions that have gone are dropped first, so accepting one is "not found".
    party.dropRequests((id) => this.#sessions.get(id) !== undefined);
    const member = refusalAs(PartyOp.ACCEPT, () => party.accept(session.id, presence));
    const requester = this.#sessions.get(member.sessionId);
    if (requester === undefined) {
      party.leave(member.sessionId);
      throw partyError(PartyOp.ACCEPT, 'party could not accept request');
    }
    // The requester may be on another node: it gets the state, then its node tracks it.
    this.#router.sendToPresences([presenceIdOf(member)], { party: partyBody(party, member) });
    this.#changed(party);
    this.#tracker.track(requester, party.stream, { username: member.username });
  }

  /** The leader removes a member (who gets `party_close`) or rejects a pending join request. */
  remove(session: PartyCaller, partyId: string, presence: UserPresence): void {
    const party = this.#find(partyId, PartyOp.REMOVE);
    const removed = refusalAs(PartyOp.REMOVE, () => party.remove(session.id, presence));
    if (removed.kind === 'request') return;
    this.#router.sendToPresences([presenceIdOf(removed.member)], { party_close: { party_id: party.id } });
    this.#changed(party);
    this.#tracker.untrack(removed.member.sessionId, party.stream);
  }

  /** The leader closes the party: every member gets `party_close`. */
  close(session: PartyCaller, partyId: string): void {
    const party = this.#find(partyId, PartyOp.CLOSE);
    refusalAs(PartyOp.CLOSE, () => party.requireLeader(session.id));
    this.#toMembers(party, new OutboundMessage({ party_close: { party_id: party.id } }));
    this.#closed(party);
  }

  /** The leader lists pending join requests (of sessions still connected). */
  joinRequests(session: PartyCaller, partyId: string): PartyJoinRequest {
    const party = this.#find(partyId, PartyOp.LIST);
    refusalAs(PartyOp.LIST, () => party.requireLeader(session.id));
    party.dropRequests((id) => this.#sessions.get(id) !== undefined);
    return { party_id: partyId, presences: party.requests.map(sessionPresence) };
  }

  /** A member sends data to every other member as `party_data` (op code always present). */
  sendData(session: PartyCaller, partyId: string, opCode: number, data: string): void {
    const party = this.#find(partyId, PartyOp.DATA);
    if (!party.isMember(session.id)) throw partyError(PartyOp.DATA, 'party member not found');
    const others = party.members.filter((m) => m.sessionId !== session.id).map(presenceIdOf);
    if (others.length === 0) return;
    const body = {
      party_id: party.id,
      presence: sessionPresence(this.#memberOf(session)),
      op_code: String(opCode),
    };
    this.#router.sendToPresences(others, { party_data: data === '' ? body : { ...body, data } });
  }

  /** The leader changes the label, open flag or hidden flag; the other members get `party_update`. */
  update(
    session: PartyCaller,
    partyId: string,
    change: { label: string; open: boolean; hidden: boolean },
  ): void {
    const party = this.#find(partyId, PartyOp.UPDATE);
    refusalAs(PartyOp.UPDATE, () => party.requireLeader(session.id));
    party.label = change.label;
    party.open = change.open;
    party.hidden = change.hidden;
    const body = { party_id: party.id, label: party.label, open: party.open, hidden: party.hidden };
    this.#toMembers(party, new OutboundMessage({ party_update: body }), session.id);
  }

  /**
   * The party as its leader sees it, for party matchmaking.
   *
   * @throws {@link RealtimeError} BAD_INPUT "<op>: party leader only" / "party not found" / "Invalid party ID"
   */
  leaderView(session: PartyCaller, partyId: string, op: PartyOp): PartyLeaderView {
    const party = this.#find(partyId, op);
    refusalAs(op, () => party.requireLeader(session.id));
    return { partyId: party.id, members: party.members };
  }

  /**
   * Housekeeping, run periodically: drops join requests of sessions that have gone, makes members that
   * are no longer tracked leave (normally their presence events did that), closes empty parties.
   */
  sweep(): void {
    for (const party of [...this.#parties.values()]) {
      party.dropRequests((id) => this.#sessions.get(id) !== undefined);
      for (const member of party.members) {
        if (this.#tracker.get(member.sessionId, party.stream) === undefined) {
          this.#memberLeft(party, member.sessionId);
        }
      }
    }
  }

  /** Stops listening to presence events (server shutdown). */
  dispose(): void {
    this.#unsubscribe();
  }

  /** Presence events of party streams: forward them to members; apply leaves that bypassed the service. */
  #onPresenceEvents(events: readonly PresenceEvent[]): void {
    for (const event of events) {
      const party = this.#parties.get(event.stream.subject);
      if (party === undefined || party.stream.label !== event.stream.label) continue;
      const body: PartyPresenceEvent = { party_id: party.id };
      if (event.joins.length > 0) body.joins = event.joins.map(userPresence);
      if (event.leaves.length > 0) body.leaves = event.leaves.map(userPresence);
      this.#toMembers(party, new OutboundMessage({ party_presence_event: body }));
      // A leave of someone the party still lists came from elsewhere (a disconnect): apply it now.
      for (const left of event.leaves) {
        if (party.isMember(left.sessionId) && this.#tracker.get(left.sessionId, party.stream) === undefined) {
          this.#memberLeft(party, left.sessionId);
        }
      }
    }
  }

  /** A member left: re-elect the leader (`party_leader` to all) or close the party if it is empty. */
  #memberLeft(party: PartyState, sessionId: string): void {
    const { left, newLeader, empty } = party.leave(sessionId);
    if (!left) return;
    if (empty) {
      this.#closed(party);
      return;
    }
    if (newLeader !== undefined) {
      const body: PartyLeader = { party_id: party.id, presence: sessionPresence(newLeader) };
      this.#router.sendToPresences(party.members.map(presenceIdOf), { party_leader: body });
    }
    this.#changed(party);
  }

  #closed(party: PartyState): void {
    this.#parties.delete(party.uuid);
    this.#log.debug({ partyId: party.id }, 'party closed');
    this.#changed(party);
    this.#tracker.untrackStream(party.stream);
  }

  #changed(party: PartyState): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(party.id);
      } catch (err) {
        this.#log.error({ err, partyId: party.id }, 'party change listener threw');
      }
    }
  }

  #lookup(partyId: string): PartyState | undefined {
    const parsed = parsePartyId(partyId);
    if (parsed === undefined) throw invalid('Invalid party ID');
    if (parsed.node !== this.#limits.node) return undefined;
    return this.#parties.get(parsed.uuid);
  }

  #find(partyId: string, op: PartyOp): PartyState {
    const party = this.#lookup(partyId);
    if (party === undefined) throw partyError(op, 'party not found');
    return party;
  }

  /**
   * Sends to the party's members as the party knows them (not as the tracker does: a member that just
   * joined from another node is a member here before its presence arrives, and must not miss a push).
   */
  #toMembers(party: PartyState, message: OutboundMessage, exclude?: string): void {
    const to = party.members.filter((m) => m.sessionId !== exclude).map(presenceIdOf);
    this.#router.sendToPresences(to, message);
  }

  /** The caller as a member: its node is this one unless it says otherwise. */
  #memberOf(session: PartyCaller): PartyMember {
    return {
      sessionId: session.id,
      userId: session.userId,
      username: session.username,
      node: session.node ?? this.#limits.node,
    };
  }

  #checkSessionRoom(session: PartyCaller, op: string, code: RealtimeErrorCode): void {
    let count = 0;
    for (const s of this.#tracker.streamsOf(session.id)) if (s.mode === StreamMode.PARTY) count++;
    if (count >= this.#limits.maxPerSession) {
      throw new DomainError(
        ErrorKind.RESOURCE_EXHAUSTED,
        `${op}: too many parties for this session (${this.#limits.maxPerSession})`,
        { socketCode: code },
      );
    }
  }
}
