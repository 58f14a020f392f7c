/**
 * Connected sessions of every node, found through the tracker.
 *
 * @packageDocumentation
 */
import { StreamMode, stream } from './stream.ts';
import type { Tracker } from './tracker.ts';
import type { PresenceOwner } from './types.ts';

/** A connected session, on whichever node: enough to track it or address it. */
export interface SessionRef extends PresenceOwner {
  readonly node: string;
}

/**
 * Every connected session is tracked, hidden, on its user's notification stream (mode 0, subject =
 * user id) from the moment it opens until it closes; the socket layer does it on open. Those
 * presences are therefore a directory of the sessions of every node, read from this node's tracker
 * (the cluster's replicated one holds them all) without a round trip: what server code needs to act on
 * a session by id (`nk.streamUserJoin` for a session on another node) or on all of a user's sessions.
 */
export class TrackedSessions {
  readonly #tracker: Tracker;

  constructor(tracker: Tracker) {
    this.#tracker = tracker;
  }

  /** A connected session by id, on any node. */
  get(sessionId: string): SessionRef | undefined {
    for (const s of this.#tracker.streamsOf(sessionId)) {
      if (s.mode !== StreamMode.NOTIFICATIONS) continue;
      const p = this.#tracker.get(sessionId, s);
      if (p) return { id: p.sessionId, userId: p.userId, username: p.meta.username, node: p.node };
    }
    return undefined;
  }

  /** A user's connected sessions, on every node. */
  byUser(userId: string): SessionRef[] {
    return this.#tracker
      .list(stream(StreamMode.NOTIFICATIONS, userId), true)
      .map((p) => ({ id: p.sessionId, userId: p.userId, username: p.meta.username, node: p.node }));
  }
}
