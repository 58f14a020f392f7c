/**
 * Authoritative matches of other nodes: a match runs on the node that created it (its id says which,
 * `<uuid>.<node>`), and players anywhere in the cluster join it, send it input, signal it and list it.
 *
 * @packageDocumentation
 */
import { encodeError, type Match } from '@tether/protocol';
import { z } from 'zod';
import type { Peers } from '../../cluster/peers.ts';
import { toRealtimeError } from '../../pipeline/pipeline.ts';
import type { MessageRouter } from '../../presence/message-router.ts';
import { OutboundMessage } from '../../presence/outbound.ts';
import { type StreamKey, StreamMode, stream } from '../../presence/stream.ts';
import type { Tracker } from '../../presence/tracker.ts';
import type { Presence, SessionHandle } from '../../presence/types.ts';
import { sessionPresence, userPresence } from '../../presence/wire.ts';
import { DomainError, ErrorKind } from '../../shared/domain-error.ts';
import type { MatchIdParts } from './match-id.ts';
import type { MatchListing } from './match-list.ts';
import type { MatchListings } from './match-listings.ts';
import type { MatchRegistry } from './match-registry.ts';
import { matchErrors, presenceEventMessage } from './match-wire.ts';

const JOIN = 'match.join';
const DATA = 'match.data';
const SIGNAL = 'match.signal';

const uuid = z.uuid();
const sid = z.string().min(1).max(64);
const JoinRequest = z.object({
  uuid,
  sessionId: sid,
  userId: sid,
  username: z.string().max(256),
  metadata: z.record(z.string(), z.string()),
});
const JoinVerdict = z.object({
  accept: z.boolean(),
  ended: z.boolean().optional(),
  reason: z.string().max(4096).optional(),
  label: z.string().max(4096),
});
const Input = z.object({
  uuid,
  sessionId: sid,
  op: z.number().int().min(0),
  data: z.string(),
  reliable: z.boolean(),
});
const SignalRequest = z.object({ matchId: z.string().max(128), data: z.string() });

/** The stream of an authoritative match: mode 6, subject = uuid, label = the node running it. */
export function authoritativeStream(uuid: string, node: string): StreamKey {
  return stream(StreamMode.MATCH_AUTHORITATIVE, uuid, '', node);
}

/**
 * Both sides of a match running elsewhere. The caller's side checks what its replicated tracker knows
 * (membership, size) and asks the owner only what only the owner can answer: `matchJoinAttempt` (a
 * call; the caller then tracks the joiner itself, as its last step before the reply, so the reply
 * still comes before the join event), inputs (one-way and in order, after the join that made the
 * sender a member), `matchSignal` (a call). The owner's broadcasts, kicks and final leaves reach
 * members anywhere through the router and the tracker.
 */
export class RemoteMatches {
  readonly #peers: Peers;
  readonly #tracker: Tracker;
  readonly #router: MessageRouter;
  readonly #registry: MatchRegistry;
  readonly #listings: MatchListings;

  constructor(deps: {
    peers: Peers;
    tracker: Tracker;
    router: MessageRouter;
    registry: MatchRegistry;
    listings: MatchListings;
    /** This node's sessions, to end the matches of a departed node for them. */
    sessions: { all(): Iterable<{ readonly id: string }> };
  }) {
    this.#peers = deps.peers;
    this.#tracker = deps.tracker;
    this.#router = deps.router;
    this.#registry = deps.registry;
    this.#listings = deps.listings;
    deps.peers.handle(JOIN, JoinRequest, (body, from) => this.#joinAttempt(body, from));
    deps.peers.handle(DATA, Input, (body, from) => this.#input(body, from));
    deps.peers.handle(SIGNAL, SignalRequest, (body) => {
      try {
        return this.#registry.signal(body.matchId, body.data);
      } catch (err) {
        if (err instanceof DomainError) throw err;
        throw new DomainError(ErrorKind.FAILED_PRECONDITION, (err as Error).message);
      }
    });
    deps.peers.onNodeDown((node) => this.#endMatchesOf(node, deps.sessions.all()));
  }

  /** Whether `parts` names a match of another live node (else it is this node's, or not found). */
  isRemote(parts: MatchIdParts): boolean {
    return parts.node !== '' && parts.node !== this.#registry.node && this.#peers.isLive(parts.node);
  }

  /** Joins a match of another node (see the class comment). Throws the match feature's errors. */
  async join(
    session: SessionHandle & { readonly closed?: boolean },
    parts: MatchIdParts,
    metadata: Readonly<Record<string, string>>,
  ): Promise<Match> {
    const id = `${parts.uuid}.${parts.node}`;
    const key = authoritativeStream(parts.uuid, parts.node);
    const self = sessionPresence({
      userId: session.userId,
      sessionId: session.id,
      username: session.username,
    });
    const reply = (label: string, presences: Presence[]): Match => {
      const out: Match = { match_id: id, authoritative: true, label, size: presences.length, self };
      if (presences.length > 0) out.presences = presences.map(userPresence);
      return out;
    };
    const current = this.#tracker.list(key);
    if (current.some((p) => p.sessionId === session.id)) {
      return reply(this.#listings.get(parts.node, parts.uuid)?.label ?? '', current);
    }
    const request = {
      uuid: parts.uuid,
      sessionId: session.id,
      userId: session.userId,
      username: session.username,
      metadata,
    };
    let verdict: z.infer<typeof JoinVerdict>;
    try {
      verdict = JoinVerdict.parse(await this.#peers.call(parts.node, JOIN, request));
    } catch (err) {
      if (err instanceof DomainError && err.kind !== ErrorKind.UNAVAILABLE) throw err;
      throw matchErrors.notFound(id);
    }
    if (!verdict.accept) {
      throw verdict.ended
        ? matchErrors.notFound(id)
        : matchErrors.rejected(id, verdict.reason ?? 'Match join rejected');
    }
    const others = this.#tracker.list(key);
    // Tracked as the last step before the reply (the caller replies with no await in between).
    if (!session.closed) this.#tracker.track(session, key, { username: session.username });
    return reply(verdict.label, others);
  }

  /** Sends a member's input to the node running the match; returns the error to report, if any. */
  send(
    session: SessionHandle,
    parts: MatchIdParts,
    op: number,
    data: string,
    reliable: boolean,
  ): DomainError | undefined {
    const id = `${parts.uuid}.${parts.node}`;
    if (!this.#tracker.get(session.id, authoritativeStream(parts.uuid, parts.node)))
      return matchErrors.notMember(id);
    this.#peers.cast(parts.node, DATA, { uuid: parts.uuid, sessionId: session.id, op, data, reliable });
    return undefined;
  }

  /** `nk.matchSignal` for a match of another node. */
  async signal(node: string, matchId: string, data: string): Promise<string> {
    const reply = await this.#peers.call(node, SIGNAL, { matchId, data });
    if (typeof reply !== 'string')
      throw new DomainError(ErrorKind.INTERNAL, `Bad matchSignal reply from node ${node}`);
    return reply;
  }

  /** The listing of a match of another node, if it runs. */
  get(parts: MatchIdParts): MatchListing | undefined {
    const m = this.#listings.get(parts.node, parts.uuid);
    return m && this.#listing(m);
  }

  /** Listings of every other node's matches. */
  *listings(): IterableIterator<MatchListing & { label: string }> {
    for (const m of this.#listings.all()) yield this.#listing(m);
  }

  #listing(m: { uuid: string; node: string; label: string; tickRate: number; handlerName: string }) {
    return {
      matchId: `${m.uuid}.${m.node}`,
      authoritative: true,
      label: m.label,
      size: this.#tracker.count(authoritativeStream(m.uuid, m.node)),
      tickRate: m.tickRate,
      handlerName: m.handlerName,
    };
  }

  /** Owner side of a join: `matchJoinAttempt` for a session of node `from`. */
  #joinAttempt(body: z.infer<typeof JoinRequest>, from: string): z.infer<typeof JoinVerdict> {
    const match = this.#registry.get(body.uuid);
    if (!match || match.ended) return { accept: false, ended: true, label: '' };
    const presence: Presence = {
      node: from,
      sessionId: body.sessionId,
      userId: body.userId,
      stream: match.stream,
      meta: { username: body.username },
    };
    const verdict = match.joinAttempt(presence, body.metadata);
    return verdict.accept ? { accept: true, label: match.label } : { ...verdict, label: match.label };
  }

  /** Owner side of an input: queued like a local member's; a full queue is reported to the sender. */
  #input(body: z.infer<typeof Input>, from: string): void {
    const match = this.#registry.get(body.uuid);
    const sender = match && !match.ended ? this.#tracker.get(body.sessionId, match.stream) : undefined;
    if (!match || !sender || sender.node !== from) return;
    if (match.enqueue(sender, body.op, body.data, body.reliable) !== 'dropped-first') return;
    const error = toRealtimeError(matchErrors.inputQueueFull(match.id, this.#registry.inputQueueSize));
    if (error)
      this.#router.sendToPresences(
        [sender],
        OutboundMessage.fromText(encodeError(undefined, error), 'error'),
      );
  }

  /**
   * A node left the cluster and its matches with it: this node's members of them get the final leave
   * event (every remaining member, themselves included, as when a match ends) and are untracked.
   */
  #endMatchesOf(node: string, sessions: Iterable<{ readonly id: string }>): void {
    const streams = new Map<string, StreamKey>();
    for (const session of sessions) {
      for (const s of this.#tracker.streamsOf(session.id)) {
        if (s.mode === StreamMode.MATCH_AUTHORITATIVE && s.label === node) streams.set(s.subject, s);
      }
    }
    for (const [uuid, key] of streams) {
      const members = this.#tracker.list(key, true);
      const local = members.filter((p) => p.node === this.#tracker.node);
      this.#router.sendToPresences(
        local,
        presenceEventMessage(`${uuid}.${node}`, [], members.map(userPresence)),
      );
      for (const p of local) this.#tracker.untrack(p.sessionId, key, 'leave');
    }
  }
}
