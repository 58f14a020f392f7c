import type { SessionLookup } from '../presence/message-router.ts';
import { addTo, type OneOrSet, removeFrom, valuesOf } from '../shared/one-or-set.ts';
import type { Session } from './session.ts';

/**
 * Every connected session on this node, by session id and by user id. Used by the router for
 * delivery, by notifications (all of a user's sockets), by logout and bans (close a user's or a
 * token's sockets) and by `single_socket`.
 */
export class SessionRegistry implements SessionLookup {
  readonly #byId = new Map<string, Session>();
  /** A user's one session as it is (most users have one), or their sessions in a `Set` once they have two. */
  readonly #byUser = new Map<string, OneOrSet<Session>>();

  add(session: Session): void {
    this.#byId.set(session.id, session);
    addTo(this.#byUser, session.userId, session);
  }

  remove(session: Session): void {
    if (this.#byId.get(session.id) !== session) return;
    this.#byId.delete(session.id);
    removeFrom(this.#byUser, session.userId, session);
  }

  get(sessionId: string): Session | undefined {
    return this.#byId.get(sessionId);
  }

  /** A user's connected sessions, oldest first. */
  byUser(userId: string): Session[] {
    return valuesOf(this.#byUser.get(userId));
  }

  get size(): number {
    return this.#byId.size;
  }

  all(): IterableIterator<Session> {
    return this.#byId.values();
  }

  /** Closes every session of a user (ban, account deletion, logout of all devices). */
  closeUser(userId: string, code: number, reason: string): number {
    const sessions = this.byUser(userId);
    for (const s of sessions) s.close(code, reason);
    return sessions.length;
  }

  /** Closes the sessions opened with one token (logout of one device). */
  closeToken(tokenId: string, code: number, reason: string): number {
    let n = 0;
    for (const s of [...this.#byId.values()]) {
      if (s.identity.tokenId === tokenId) {
        s.close(code, reason);
        n++;
      }
    }
    return n;
  }
}
