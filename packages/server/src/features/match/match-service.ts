/**
 * Matches over the socket: `match_create`, `match_join`, `match_leave` and `match_data_send` for
 * relayed and authoritative matches, and the `match_presence_event` pushes.
 *
 * @packageDocumentation
 */
import type { Match, UserPresence } from '@tether/protocol';
import type { MessageRouter } from '../../presence/message-router.ts';
import { identifiedStream, type StreamKey, StreamMode, stream } from '../../presence/stream.ts';
import type { Tracker } from '../../presence/tracker.ts';
import type { Presence, PresenceEvent, SessionHandle } from '../../presence/types.ts';
import { sessionPresence, userPresence } from '../../presence/wire.ts';
import type { DomainError } from '../../shared/domain-error.ts';
import type { AuthoritativeMatch } from './authoritative-match.ts';
import { type MatchIdParts, namedMatchId, newRelayedMatchId, parseMatchId } from './match-id.ts';
import { listMatches, type MatchListFilter, type MatchListing } from './match-list.ts';
import type { MatchRegistry } from './match-registry.ts';
import { authoritativeStream, type RemoteMatches } from './match-remote.ts';
import type { MatchTokens } from './match-token.ts';
import {
  base64DecodedLength,
  isValidOpCode,
  matchErrors,
  presenceEventMessage,
  type RelayedSender,
  relayedDataMessage,
  relayedSender,
} from './match-wire.ts';

/** A decoded `match_data_send` body. */
export interface MatchDataInput {
  readonly match_id: string;
  readonly op_code: number;
  /** Canonical base64 (`""` for none). */
  readonly data: string;
  /**
   * The payload as received when the sender sent raw bytes (a protobuf frame decoded with
   * `keepBytes`): `data` is then made from them only when read, which a relay to protobuf
   * recipients never does.
   */
  readonly bytes?: Uint8Array | undefined;
  readonly presences: readonly { readonly session_id: string }[];
  readonly reliable: boolean;
}

/** Dependencies of {@link MatchService}. */
export interface MatchServiceDeps {
  readonly tracker: Tracker;
  readonly router: MessageRouter;
  readonly registry: MatchRegistry;
  readonly tokens: MatchTokens;
  /** Matches running on other nodes of a cluster. */
  readonly remote: RemoteMatches;
  /** Largest decoded `match_data_send` payload, in bytes. */
  readonly maxDataBytes: number;
}

/**
 * Relayed and authoritative matches as clients use them. Membership lives in the shared tracker
 * (relayed: mode 5, subject = match uuid; authoritative: mode 6, subject = uuid, label = node), so a
 * disconnect leaves every match with one `untrackAll`.
 *
 * Semantics follow Nakama's (see docs/protocol.md, "Matches"):
 * - `create` with a name gives the uuid v5 match of that name; the reply has `size` = members including
 *   the caller and `presences` = the others.
 * - `join` of a new member: `presences` excludes the joiner and `size` = their count. A re-join (already
 *   a member) succeeds with no change and lists every member, the caller included.
 * - `leave` always succeeds, member or not.
 * - Presence events go to the members on the turn after the change, so each client sees its reply first.
 *
 * Every method that tracks does so as its last step, so the handler's reply is queued before the
 * presence events it causes.
 */
export class MatchService {
  readonly #d: MatchServiceDeps;
  /** Relayed matches that may have members; pruned when a leave empties one. */
  readonly #relayed = new Set<string>();
  /**
   * Each relayed sender's presence in wire form and as JSON, and the start of its `match_data` text,
   * made once per tracked presence (they are immutable: a meta change tracks a new object) instead
   * of once per message it sends.
   */
  readonly #senders = new WeakMap<Presence, RelayedSender>();
  /**
   * The match id each session last sent data to, parsed, with its stream key (which carries its id):
   * a player sends to one match many times a second, so the id is parsed and the key built once.
   */
  readonly #lastTarget = new WeakMap<SessionHandle, SendTarget>();

  constructor(deps: MatchServiceDeps) {
    this.#d = deps;
  }

  /** `match_create`: a new relayed match (or the named one) with the caller as member. */
  create(session: SessionHandle, name: string): Match {
    const id = name === '' ? newRelayedMatchId() : namedMatchId(name);
    const key = relayedStream(parseMatchId(id)!.uuid);
    const self = this.#self(session);
    const current = this.#d.tracker.list(key);
    if (current.some((p) => p.sessionId === session.id)) {
      return { match_id: id, size: current.length, presences: current.map(userPresence), self };
    }
    const reply: Match = { match_id: id, size: current.length + 1, self };
    if (current.length > 0) reply.presences = current.map(userPresence);
    this.#relayed.add(key.subject);
    this.#d.tracker.track(session, key, { username: session.username });
    return reply;
  }

  /**
   * `match_join` by id or matchmaker token. Throws BAD_INPUT (bad id or token), MATCH_NOT_FOUND, or
   * MATCH_JOIN_REJECTED with the handler's reason. A match of another node of a cluster answers
   * through it: the result is then a promise.
   */
  join(
    session: SessionHandle,
    target: { match_id?: string | undefined; token?: string | undefined },
    metadata: Readonly<Record<string, string>>,
  ): Match | Promise<Match> {
    let id: string;
    let allowEmpty = false;
    if (target.token !== undefined) {
      id = this.#d.tokens.verifyMatchToken(target.token);
      allowEmpty = true; // the matchmaker made this match: its first member creates it
    } else {
      id = target.match_id ?? '';
    }
    const parts = parseMatchId(id);
    if (!parts) throw matchErrors.invalidId(id);
    if (parts.node === '') return this.#joinRelayed(session, id, parts, allowEmpty);
    if (this.#d.remote.isRemote(parts)) return this.#d.remote.join(session, parts, metadata);
    return this.#joinAuthoritative(session, id, parts, metadata);
  }

  /** `match_leave`: always succeeds for a well-formed id (Nakama), member or not. */
  leave(session: SessionHandle, matchId: string): void {
    const parts = parseMatchId(matchId);
    if (!parts) throw matchErrors.invalidId(matchId);
    const key = parts.node === '' ? relayedStream(parts.uuid) : authoritativeStream(parts.uuid, parts.node);
    this.#d.tracker.untrack(session.id, key, 'leave');
  }

  /**
   * `match_data_send`. Relayed: fan-out to the targets (or every other member). Authoritative: queued
   * for the next `matchLoop`. Nakama drops bad sends silently; Tether answers with an error envelope
   * (uncorrelated unless the client sent a cid, and nakama-js ignores uncorrelated errors) so a
   * developer can see why data goes nowhere. Returns the error to send, or undefined when accepted.
   */
  dataSend(session: SessionHandle, body: MatchDataInput): DomainError | undefined {
    const target = this.#target(session, body.match_id);
    if (!target) return matchErrors.invalidId(body.match_id);
    const parts = target.parts;
    if (!isValidOpCode(body.op_code)) return matchErrors.badOpCode(body.match_id, body.op_code);
    const size = body.bytes ? body.bytes.length : base64DecodedLength(body.data);
    if (size > this.#d.maxDataBytes)
      return matchErrors.dataTooLarge(body.match_id, size, this.#d.maxDataBytes);

    if (this.#d.remote.isRemote(parts)) {
      return this.#d.remote.send(session, parts, body.op_code, body.data, body.reliable);
    }
    if (parts.node !== '') {
      const match = this.#authoritative(parts);
      if (!match) return matchErrors.notFound(body.match_id);
      const sender = this.#d.tracker.get(session.id, match.stream);
      if (!sender) return matchErrors.notMember(body.match_id);
      const queued = match.enqueue(sender, body.op_code, body.data, body.reliable);
      if (queued === 'dropped-first')
        return matchErrors.inputQueueFull(match.id, this.#d.registry.inputQueueSize);
      return undefined;
    }

    const key = target.key;
    const sender = this.#d.tracker.get(session.id, key);
    if (!sender) return matchErrors.notMember(body.match_id);
    let from = this.#senders.get(sender);
    if (from?.matchId !== body.match_id) {
      // The same match may be named with another case of its uuid: the push echoes the id as sent.
      from = relayedSender(userPresence(sender), body.match_id);
      this.#senders.set(sender, from);
    }
    const message = relayedDataMessage(from, body.op_code, body, body.reliable);
    if (body.presences.length === 0) {
      this.#d.router.sendToStream(key, message, session.id);
    } else {
      const targets = new Map<string, Presence>();
      for (const p of body.presences) {
        const member = this.#d.tracker.get(p.session_id, key);
        if (member) targets.set(member.sessionId, member);
      }
      this.#d.router.sendToPresences(targets.values(), message);
    }
    return undefined;
  }

  /** Lists running matches (`GET /v2/match`, `nk.matchList`): this node's, then the other nodes'. */
  list(filter: MatchListFilter): MatchListing[] {
    const { tracker, registry, remote } = this.#d;
    return listMatches(filter, {
      authoritative: function* () {
        for (const m of registry.all()) yield authoritativeListing(m);
        yield* remote.listings();
      },
      relayed: () => this.#relayedListings(tracker),
    });
  }

  /** One match's listing, or undefined (`nk.matchGet`). */
  get(matchId: string): MatchListing | undefined {
    const parts = parseMatchId(matchId);
    if (!parts) return undefined;
    if (this.#d.remote.isRemote(parts)) return this.#d.remote.get(parts);
    if (parts.node !== '') {
      const match = this.#authoritative(parts);
      return match && authoritativeListing(match);
    }
    const size = this.#d.tracker.count(relayedStream(parts.uuid));
    return size > 0 ? { matchId, authoritative: false, size } : undefined;
  }

  /** Running matches by kind (relayed ones with at least one member), for metrics and the console. */
  counts(): { authoritative: number; relayed: number } {
    let relayed = 0;
    for (const uuid of this.#relayed) if (this.#d.tracker.count(relayedStream(uuid)) > 0) relayed++;
    return { authoritative: this.#d.registry.size, relayed };
  }

  /** The members of a running match in join order, or undefined for a match that is not running here. */
  members(matchId: string): UserPresence[] | undefined {
    const parts = parseMatchId(matchId);
    if (!parts) return undefined;
    const key = parts.node === '' ? relayedStream(parts.uuid) : this.#authoritative(parts)?.stream;
    if (!key) return undefined;
    const members = this.#d.tracker.list(key);
    return members.length > 0 || parts.node !== '' ? members.map(userPresence) : undefined;
  }

  /**
   * `nk.matchSignal`: the match's `matchSignal` reply. A match of another node answers through it (a
   * promise). Throws NOT_FOUND for an unknown match.
   */
  signal(matchId: string, data: string): string | Promise<string> {
    const parts = parseMatchId(matchId);
    if (parts && this.#d.remote.isRemote(parts)) return this.#d.remote.signal(parts.node, matchId, data);
    return this.#d.registry.signal(matchId, data);
  }

  /**
   * Tracker events of both match modes: `match_presence_event` to the members on the stream now (so a
   * joiner sees its own join, a leaver not its leave), then the authoritative handler's
   * `matchLeave`/`matchJoin`.
   */
  publishPresenceEvents(events: readonly PresenceEvent[]): void {
    for (const event of events) {
      const relayed = event.stream.mode === StreamMode.MATCH_RELAYED;
      const match = relayed ? undefined : this.#d.registry.get(event.stream.subject);
      const matchId = match?.id ?? `${event.stream.subject}.${event.stream.label}`;
      // Every node sees every change: each tells its own members (see `sendToLocalMembers`).
      this.#d.router.sendToLocalMembers(
        event.stream,
        presenceEventMessage(matchId, event.joins.map(userPresence), event.leaves.map(userPresence)),
      );
      if (match) match.presencesChanged(event.joins, event.leaves);
      // Relayed matches of other nodes are learnt of from their joins (every node sees every change).
      if (relayed && event.joins.length > 0) this.#relayed.add(event.stream.subject);
      if (relayed && this.#d.tracker.count(event.stream) === 0) this.#relayed.delete(event.stream.subject);
    }
  }

  #joinRelayed(session: SessionHandle, id: string, parts: MatchIdParts, allowEmpty: boolean): Match {
    const key = relayedStream(parts.uuid);
    const current = this.#d.tracker.list(key);
    const self = this.#self(session);
    if (current.some((p) => p.sessionId === session.id)) {
      return { match_id: id, size: current.length, presences: current.map(userPresence), self };
    }
    if (current.length === 0 && !allowEmpty) throw matchErrors.notFound(id);
    const reply: Match = { match_id: id, size: current.length, self };
    if (current.length > 0) reply.presences = current.map(userPresence);
    this.#relayed.add(parts.uuid);
    this.#d.tracker.track(session, key, { username: session.username });
    return reply;
  }

  #joinAuthoritative(
    session: SessionHandle,
    id: string,
    parts: MatchIdParts,
    metadata: Readonly<Record<string, string>>,
  ): Match {
    const match = this.#authoritative(parts);
    if (!match) throw matchErrors.notFound(id);
    const self = this.#self(session);
    const current = this.#d.tracker.list(match.stream);
    const reply = (presences: UserPresence[]): Match => {
      const out: Match = {
        match_id: match.id,
        authoritative: true,
        label: match.label,
        size: presences.length,
        self,
      };
      if (presences.length > 0) out.presences = presences;
      return out;
    };
    if (current.some((p) => p.sessionId === session.id)) return reply(current.map(userPresence));
    const presence = {
      node: this.#d.tracker.node,
      sessionId: session.id,
      userId: session.userId,
      stream: match.stream,
      meta: { username: session.username },
    };
    const verdict = match.joinAttempt(presence, metadata);
    if (!verdict.accept) {
      throw verdict.ended ? matchErrors.notFound(id) : matchErrors.rejected(match.id, verdict.reason);
    }
    const others = this.#d.tracker.list(match.stream).map(userPresence);
    const out = reply(others);
    this.#d.tracker.track(session, match.stream, { username: session.username });
    return out;
  }

  /** `matchId` parsed (undefined if invalid), from the session's last send when it named the same id. */
  #target(session: SessionHandle, matchId: string): SendTarget | undefined {
    const last = this.#lastTarget.get(session);
    if (last?.matchId === matchId) return last;
    const parts = parseMatchId(matchId);
    if (!parts) return undefined;
    const target: SendTarget = { matchId, parts, key: identifiedStream(relayedStream(parts.uuid)) };
    this.#lastTarget.set(session, target);
    return target;
  }

  #authoritative(parts: MatchIdParts): AuthoritativeMatch | undefined {
    if (parts.node !== this.#d.registry.node) return undefined;
    const match = this.#d.registry.get(parts.uuid);
    return match && !match.ended ? match : undefined;
  }

  *#relayedListings(tracker: Tracker): Iterable<MatchListing> {
    for (const uuid of this.#relayed) {
      const size = tracker.count(relayedStream(uuid));
      if (size > 0) yield { matchId: `${uuid}.`, authoritative: false, size };
    }
  }

  #self(session: SessionHandle): UserPresence {
    return sessionPresence({ userId: session.userId, sessionId: session.id, username: session.username });
  }
}

/** A parsed `match_data_send` target: the id as sent, its parts, and its relayed stream's key. */
interface SendTarget {
  readonly matchId: string;
  readonly parts: MatchIdParts;
  /** The relayed stream of this uuid (used only when `parts.node` is empty). */
  readonly key: StreamKey;
}

/** The stream of a relayed match. */
export function relayedStream(uuid: string): StreamKey {
  return stream(StreamMode.MATCH_RELAYED, uuid);
}

function authoritativeListing(m: AuthoritativeMatch): MatchListing & { label: string } {
  return {
    matchId: m.id,
    authoritative: true,
    label: m.label,
    size: m.size,
    tickRate: m.tickRate,
    handlerName: m.handlerName,
  };
}
