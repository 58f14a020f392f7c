import type { SessionLookup } from '../presence/message-router.ts';
import type { Session } from './session.ts';

/**
 * Every connected session on this node, by session id and by user id. Used by the router for
 * delivery, by notifications (all of a user's sockets), by logout and bans (close a user's or a
 * token's sockets) and by `single_socket`.
 */
export class SessionRegistry implements SessionLookup {
  readonly #byId = new Map<string, Session>();
  /** A user's one session as it is (most users have one), or their sessions in a `Set` once they have two. */
  readonly #byUser = new Map<string, Session | Set<Session>>();

  add(session: Session): void {
    this.#byId.set(session.id, session);
    const mine = this.#byUser.get(session.userId);
    if (mine === undefined) this.#byUser.set(session.userId, session);
    else if (mine instanceof Set) mine.add(session);
    else if (mine !== session) this.#byUser.set(session.userId, new Set([mine, session]));
  }

  remove(session: Session): void {
    if (this.#byId.get(session.id) !== session) return;
    this.#byId.delete(session.id);
    const mine = this.#byUser.get(session.userId);
    if (mine === session) this.#byUser.delete(session.userId);
    else if (mine instanceof Set) {
      mine.delete(session);
      if (mine.size === 0) this.#byUser.delete(session.userId);
    }
  }

  get(sessionId: string): Session | undefined {
    return this.#byId.get(sessionId);
  }

  /** A user's connected sessions, oldest first. */
  byUser(userId: string): Session[] {
    const mine = this.#byUser.get(userId);
    if (mine === undefined) return [];
    return mine instanceof Set ? [...mine] : [mine];
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
