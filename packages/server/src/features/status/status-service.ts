/**
 * Online status: who is online, with what status text, and who is told about changes.
 *
 * @packageDocumentation
 */
import { RealtimeError, type StatusPresenceEvent, type UserPresence } from '@tether/protocol';
import type { MessageRouter } from '../../presence/message-router.ts';
import { OutboundMessage } from '../../presence/outbound.ts';
import { type StreamKey, StreamMode, stream } from '../../presence/stream.ts';
import type { Tracker } from '../../presence/tracker.ts';
import type { Presence, PresenceEvent, SessionHandle } from '../../presence/types.ts';
import { userPresence } from '../../presence/wire.ts';
import { type DomainError, invalid } from '../../shared/domain-error.ts';
import { isUuid } from '../../shared/ids.ts';
import { addTo, holds, type OneOrSet, removeFrom, sizeOf, valuesOf } from '../../shared/one-or-set.ts';

/** Finds users by id and username (the account service implements it). Unknown ones are left out. */
export interface StatusUserDirectory {
  getUsers(ids: readonly string[], usernames: readonly string[]): Promise<readonly { id: string }[]>;
}

/** Most users one session may follow (its own user not counted); bounds the follower index. */
export const MAX_FOLLOWS_PER_SESSION = 1000;
/** Ids plus usernames per directory lookup (the account service's own limit). */
const LOOKUP_CHUNK = 100;
/** Nakama's system user id: never followed. */
const SYSTEM_USER_ID = '00000000-0000-0000-0000-000000000000';

/** The status stream of a user (mode 1, subject = user id). */
export function statusStream(userId: string): StreamKey {
  return stream(StreamMode.STATUS, userId);
}

/**
 * Status follows and updates, with Nakama's semantics:
 * - A session that connected with `status=true` is on its user's status stream with status `""`;
 *   `status_update` with a status changes it (followers get join(new) + leave(old)), without one it
 *   leaves the stream ("appear offline": followers get a leave). A disconnect is a leave.
 * - Every session follows its own user from the start, so it sees its user's other sessions (and
 *   itself) come and go, as on Nakama.
 * - Follows belong to one session and end with it.
 *
 * Bookkeeping is two indexes, followed user → follower sessions and session → followed users, so a
 * status event costs one map lookup plus one delivery per follower, never a scan of all sessions.
 * The follow count per session is bounded by {@link MAX_FOLLOWS_PER_SESSION}.
 */
export class StatusService {
  readonly #tracker: Tracker;
  readonly #router: MessageRouter;
  readonly #users: StatusUserDirectory;
  /** Sessions following a user, by user id (one session id as it is: most users have one). */
  readonly #followers = new Map<string, OneOrSet<string>>();
  /** Users a session follows, by session id (its own user as it is, until it follows others). */
  readonly #following = new Map<string, OneOrSet<string>>();
  readonly #unsubscribe: () => void;

  constructor(deps: { tracker: Tracker; router: MessageRouter; users: StatusUserDirectory }) {
    this.#tracker = deps.tracker;
    this.#router = deps.router;
    this.#users = deps.users;
    this.#unsubscribe = this.#tracker.onEvents(StreamMode.STATUS, (events) => this.#deliver(events));
  }

  /**
   * Sets up a new session: it follows its own user and, with `appearOnline`, appears on its user's
   * status stream with status `""` (its followers get a join on the next turn).
   */
  sessionOpened(session: SessionHandle, appearOnline: boolean): void {
    this.#addFollow(session.id, session.userId);
    if (appearOnline) {
      this.#tracker.track(session, statusStream(session.userId), { username: session.username, status: '' });
    }
  }

  /** Drops a closed session's follows (its status presence goes with the tracker's `untrackAll`). */
  sessionClosed(sessionId: string): void {
    const followed = this.#following.get(sessionId);
    if (followed === undefined) return;
    this.#following.delete(sessionId);
    for (const userId of valuesOf(followed)) removeFrom(this.#followers, userId, sessionId);
  }

  /**
   * Follows users by id and by username and returns the current status presences of those that exist
   * (one per online session). Unknown users, the session's own user and the system user are skipped.
   *
   * @throws {@link RealtimeError} BAD_INPUT for an id that is not a UUID ("Invalid user identifier")
   *   or for going over {@link MAX_FOLLOWS_PER_SESSION}
   */
  async follow(
    session: SessionHandle & { readonly closed?: boolean },
    userIds: readonly string[],
    usernames: readonly string[],
  ): Promise<UserPresence[]> {
    for (const id of userIds) {
      if (!isUuid(id)) throw invalid('Invalid user identifier');
    }
    const ids = [...new Set(userIds.map((id) => id.toLowerCase()))].filter(
      (id) => id !== session.userId && id !== SYSTEM_USER_ID,
    );
    const names = [...new Set(usernames)];
    // Bounds the storage work of one request; the exact room check follows the lookup.
    if (ids.length + names.length > MAX_FOLLOWS_PER_SESSION) throw tooManyFollows();
    const found = await this.#lookup(ids, names);
    // The session may have closed while storage answered: following now would leak its entry.
    if (session.closed) return [];
    const targets = [...new Set(found)].filter((id) => id !== session.userId && id !== SYSTEM_USER_ID);
    const followed = this.#following.get(session.id);
    const current = Math.max(0, sizeOf(followed) - 1); // the own user does not count
    const adding = targets.filter((id) => !holds(followed, id)).length;
    if (current + adding > MAX_FOLLOWS_PER_SESSION) throw tooManyFollows();
    const presences: UserPresence[] = [];
    for (const userId of targets) {
      this.#addFollow(session.id, userId);
      for (const p of this.#tracker.list(statusStream(userId))) presences.push(statusPresenceOf(p));
    }
    return presences;
  }

  /** Stops following users; unknown or not-followed ids are ignored (always succeeds, as Nakama). */
  unfollow(session: SessionHandle, userIds: readonly string[]): void {
    if (!this.#following.has(session.id)) return;
    for (const raw of userIds) {
      const userId = raw.toLowerCase();
      // A session keeps following its own user: status_follow skips it, so unfollow does too.
      if (userId === session.userId || !removeFrom(this.#following, session.id, userId)) continue;
      removeFrom(this.#followers, userId, session.id);
    }
  }

  /**
   * Sets the session's status (`undefined` = appear offline). Followers hear about it on the next
   * turn, after the caller's reply.
   */
  update(session: SessionHandle, status: string | undefined): void {
    const key = statusStream(session.userId);
    if (status === undefined) {
      this.#tracker.untrack(session.id, key);
      return;
    }
    const meta = { username: session.username, status };
    if (!this.#tracker.update(session.id, key, meta)) this.#tracker.track(session, key, meta);
  }

  /** Current status presences of a user (one per session that appears online). */
  presencesOf(userId: string): UserPresence[] {
    return this.#tracker.list(statusStream(userId)).map(statusPresenceOf);
  }

  /** Number of sessions following a user (for tests and metrics). */
  followerCount(userId: string): number {
    return sizeOf(this.#followers.get(userId));
  }

  /** Stops delivering status events (server shutdown). */
  dispose(): void {
    this.#unsubscribe();
  }

  /** Ids of the users that exist, looked up in chunks the directory accepts. */
  async #lookup(ids: readonly string[], names: readonly string[]): Promise<string[]> {
    const out: string[] = [];
    for (let i = 0; i < ids.length; i += LOOKUP_CHUNK) {
      for (const user of await this.#users.getUsers(ids.slice(i, i + LOOKUP_CHUNK), [])) out.push(user.id);
    }
    for (let i = 0; i < names.length; i += LOOKUP_CHUNK) {
      for (const user of await this.#users.getUsers([], names.slice(i, i + LOOKUP_CHUNK))) out.push(user.id);
    }
    return out;
  }

  #addFollow(sessionId: string, userId: string): void {
    addTo(this.#following, sessionId, userId);
    addTo(this.#followers, userId, sessionId);
  }

  #deliver(events: readonly PresenceEvent[]): void {
    for (const event of events) {
      const followers = this.#followers.get(event.stream.subject);
      if (followers === undefined) continue;
      const body: StatusPresenceEvent = {};
      if (event.joins.length > 0) body.joins = event.joins.map(statusPresenceOf);
      if (event.leaves.length > 0) body.leaves = event.leaves.map(statusPresenceOf);
      const to = followers instanceof Set ? followers : [followers];
      this.#router.sendToSessions(to, new OutboundMessage({ status_presence_event: body }));
    }
  }
}

function tooManyFollows(): DomainError {
  return invalid(`Too many followed users: at most ${MAX_FOLLOWS_PER_SESSION} per session`);
}

/** A status presence always carries `status` (Nakama's `StringValue`, emitted even when empty). */
function statusPresenceOf(presence: Presence): UserPresence {
  const out = userPresence(presence);
  out.status ??= '';
  return out;
}
