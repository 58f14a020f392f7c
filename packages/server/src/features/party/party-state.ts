/**
 * One party's membership rules, without I/O: members in join order, the leader, pending join
 * requests. {@link PartyService} drives it and does the tracking and messaging.
 *
 * @packageDocumentation
 */
import type { UserPresence } from '@tether/protocol';
import { type StreamKey, StreamMode, stream } from '../../presence/stream.ts';
import { isUuid } from '../../shared/ids.ts';

/** A session in a party, or asking to join one. */
export interface PartyMember {
  readonly sessionId: string;
  readonly userId: string;
  readonly username: string;
  /** The node the session is connected to (a cluster's members may be on any node). */
  readonly node: string;
}

/** Why a party operation was refused, in Nakama's words (the service adds the operation prefix). */
export const PartyRefusal = {
  FULL: 'party full',
  REQUESTS_FULL: 'party join requests full',
  REQUEST_DUPLICATE: 'party join request duplicate',
  ALREADY_MEMBER: 'party join request already member',
  NOT_LEADER: 'party leader only',
  NOT_MEMBER: 'party member not found',
  NOT_REQUEST: 'party join request not found',
  REMOVE_SELF: 'party cannot remove self',
} as const;
/** One of {@link PartyRefusal}. */
export type PartyRefusal = (typeof PartyRefusal)[keyof typeof PartyRefusal];

/** A refused party operation. */
export class PartyRefusedError extends Error {
  override readonly name = 'PartyRefusedError';
  readonly reason: PartyRefusal;

  constructor(reason: PartyRefusal) {
    super(reason);
    this.reason = reason;
  }
}

/** `"<uuid>.<node>"`, Nakama's party id format. */
export function formatPartyId(uuid: string, node: string): string {
  return `${uuid}.${node}`;
}

/** Splits a party id; `undefined` unless it is `"<uuid>.<node>"` with a UUID (Nakama's "Invalid party ID"). */
export function parsePartyId(id: string): { uuid: string; node: string } | undefined {
  const dot = id.indexOf('.');
  if (dot < 0) return undefined;
  const uuid = id.slice(0, dot).toLowerCase();
  return isUuid(uuid) ? { uuid, node: id.slice(dot + 1) } : undefined;
}

/** The presence stream of a party: mode 7, subject = party uuid, label = node (as Nakama). */
export function partyStream(uuid: string, node: string): StreamKey {
  return stream(StreamMode.PARTY, uuid, '', node);
}

/** Nakama identifies a presence in party operations by user id, session id and username together. */
function samePresence(member: PartyMember, presence: UserPresence): boolean {
  return (
    member.sessionId === presence.session_id &&
    member.userId === presence.user_id &&
    member.username === presence.username
  );
}

/** Settings a party is created with. */
export interface PartySettings {
  readonly open: boolean;
  readonly maxSize: number;
  readonly label: string;
  readonly hidden: boolean;
}

/**
 * A party. Members keep their join order, which decides who leads when the leader leaves (the oldest
 * member). Pending join requests are bounded by `maxSize`, as in Nakama.
 */
export class PartyState {
  readonly uuid: string;
  readonly id: string;
  readonly stream: StreamKey;
  open: boolean;
  hidden: boolean;
  label: string;
  readonly maxSize: number;
  readonly #members = new Map<string, PartyMember>();
  readonly #requests = new Map<string, PartyMember>();
  #leader: PartyMember;

  constructor(uuid: string, node: string, settings: PartySettings, creator: PartyMember) {
    this.uuid = uuid;
    this.id = formatPartyId(uuid, node);
    this.stream = partyStream(uuid, node);
    this.open = settings.open;
    this.hidden = settings.hidden;
    this.label = settings.label;
    this.maxSize = settings.maxSize;
    this.#members.set(creator.sessionId, creator);
    this.#leader = creator;
  }

  /** The leader (always a member while the party has members). */
  get leader(): PartyMember {
    return this.#leader;
  }

  /** Members in join order. */
  get members(): PartyMember[] {
    return [...this.#members.values()];
  }

  /** Number of members. */
  get size(): number {
    return this.#members.size;
  }

  /** Pending join requests, oldest first. */
  get requests(): PartyMember[] {
    return [...this.#requests.values()];
  }

  isMember(sessionId: string): boolean {
    return this.#members.has(sessionId);
  }

  isLeader(sessionId: string): boolean {
    return this.#leader.sessionId === sessionId;
  }

  /** @throws {@link PartyRefusedError} NOT_LEADER unless `sessionId` leads the party */
  requireLeader(sessionId: string): void {
    if (!this.isLeader(sessionId)) throw new PartyRefusedError(PartyRefusal.NOT_LEADER);
  }

  /**
   * A session asks to join. Open party: it becomes a member (`'joined'`). Closed party: its request is
   * queued (`'requested'`). A session that is already a member of an open party joins again as a no-op.
   *
   * @throws {@link PartyRefusedError} FULL, REQUESTS_FULL, REQUEST_DUPLICATE or ALREADY_MEMBER
   */
  requestJoin(member: PartyMember): 'joined' | 'requested' {
    if (this.#members.has(member.sessionId) && this.open) return 'joined';
    if (this.#members.size >= this.maxSize) throw new PartyRefusedError(PartyRefusal.FULL);
    if (this.open) {
      this.#members.set(member.sessionId, member);
      return 'joined';
    }
    if (this.#requests.size >= this.maxSize) throw new PartyRefusedError(PartyRefusal.REQUESTS_FULL);
    for (const r of this.#requests.values()) {
      if (r.userId === member.userId) throw new PartyRefusedError(PartyRefusal.REQUEST_DUPLICATE);
    }
    for (const m of this.#members.values()) {
      if (m.userId === member.userId) throw new PartyRefusedError(PartyRefusal.ALREADY_MEMBER);
    }
    this.#requests.set(member.sessionId, member);
    return 'requested';
  }

  /**
   * The leader accepts a pending request; the requester becomes a member.
   *
   * @throws {@link PartyRefusedError} NOT_LEADER, FULL or NOT_REQUEST
   */
  accept(leaderSessionId: string, presence: UserPresence): PartyMember {
    this.requireLeader(leaderSessionId);
    if (this.#members.size >= this.maxSize) throw new PartyRefusedError(PartyRefusal.FULL);
    const request = this.#requests.get(presence.session_id);
    if (request === undefined || !samePresence(request, presence)) {
      throw new PartyRefusedError(PartyRefusal.NOT_REQUEST);
    }
    this.#requests.delete(request.sessionId);
    this.#members.set(request.sessionId, request);
    return request;
  }

  /**
   * The leader removes a member (returned as `member`) or rejects a pending request (`request`).
   *
   * @throws {@link PartyRefusedError} NOT_LEADER, REMOVE_SELF or NOT_MEMBER
   */
  remove(
    leaderSessionId: string,
    presence: UserPresence,
  ): { kind: 'member'; member: PartyMember } | { kind: 'request'; member: PartyMember } {
    this.requireLeader(leaderSessionId);
    if (samePresence(this.#leader, presence)) throw new PartyRefusedError(PartyRefusal.REMOVE_SELF);
    const member = this.#members.get(presence.session_id);
    if (member !== undefined && samePresence(member, presence)) {
      this.#members.delete(member.sessionId);
      return { kind: 'member', member };
    }
    const request = this.#requests.get(presence.session_id);
    if (request !== undefined && samePresence(request, presence)) {
      this.#requests.delete(request.sessionId);
      return { kind: 'request', member: request };
    }
    throw new PartyRefusedError(PartyRefusal.NOT_MEMBER);
  }

  /**
   * The leader hands leadership to a member (possibly itself).
   *
   * @throws {@link PartyRefusedError} NOT_LEADER or NOT_MEMBER
   */
  promote(leaderSessionId: string, presence: UserPresence): PartyMember {
    this.requireLeader(leaderSessionId);
    const member = this.#members.get(presence.session_id);
    if (member === undefined || !samePresence(member, presence)) {
      throw new PartyRefusedError(PartyRefusal.NOT_MEMBER);
    }
    this.#leader = member;
    return member;
  }

  /**
   * A member leaves (or a pending requester withdraws). When the leader leaves, the oldest remaining
   * member leads; `newLeader` says so. `empty` means nobody is left and the party must close.
   */
  leave(sessionId: string): { left: boolean; newLeader: PartyMember | undefined; empty: boolean } {
    if (this.#requests.delete(sessionId)) return { left: false, newLeader: undefined, empty: false };
    if (!this.#members.delete(sessionId)) return { left: false, newLeader: undefined, empty: false };
    const oldest = this.#members.values().next().value;
    if (oldest === undefined) return { left: true, newLeader: undefined, empty: true };
    if (this.#leader.sessionId !== sessionId) return { left: true, newLeader: undefined, empty: false };
    this.#leader = oldest;
    return { left: true, newLeader: oldest, empty: false };
  }

  /** Drops pending requests whose sessions are gone; returns how many. */
  dropRequests(keep: (sessionId: string) => boolean): number {
    let dropped = 0;
    for (const id of [...this.#requests.keys()]) {
      if (!keep(id)) {
        this.#requests.delete(id);
        dropped++;
      }
    }
    return dropped;
  }
}
