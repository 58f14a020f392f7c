import { PresenceIndex, type PresenceListener } from './presence-index.ts';
import type { StreamKey } from './stream.ts';
import type { LeaveReason, Presence, PresenceMeta, PresenceOwner } from './types.ts';

export type { PresenceListener } from './presence-index.ts';

/**
 * Who is on which stream. Every feature (status, chat, matches, parties, notifications, custom
 * streams) keeps its membership here, so a disconnect cleans up everything with one call.
 */
export interface Tracker {
  /** This node's name: presences tracked here carry it. */
  readonly node: string;
  /**
   * Adds a presence of a session. Returns false (and announces nothing) if the session is already on
   * the stream. The session is this node's unless `owner.node` names another node of a cluster; then
   * that node is asked to track it (its own change comes back as usual), and the result says whether
   * it was not yet on the stream as far as this node knows.
   */
  track(owner: PresenceOwner, stream: StreamKey, meta: PresenceMeta): boolean;
  /**
   * Replaces a presence's meta; visible presences are announced as leave(old) + join(new). A presence
   * of another node is changed by that node.
   */
  update(sessionId: string, stream: StreamKey, meta: PresenceMeta): boolean;
  /**
   * Removes one presence. Returns false if there was none. A presence of another node leaves this
   * node's view at once (with its leave event) and that node is told to untrack it.
   */
  untrack(sessionId: string, stream: StreamKey, reason?: LeaveReason): boolean;
  /** Removes every presence of a session (disconnect). */
  untrackAll(sessionId: string, reason?: LeaveReason): void;
  /** Removes every presence on a stream (match end, party close), whichever nodes they are on. */
  untrackStream(stream: StreamKey, reason?: LeaveReason): void;
  get(sessionId: string, stream: StreamKey): Presence | undefined;
  /** Presences on a stream in join order; hidden ones only when asked. */
  list(stream: StreamKey, includeHidden?: boolean): Presence[];
  /**
   * Every presence on a stream, hidden included, in join order, without copying: the recipients of
   * stream traffic (the message router iterates it). Do not track or untrack while iterating.
   */
  members(stream: StreamKey): Iterable<Presence>;
  /**
   * A stream's presences grouped by node, hidden included, without copying: the message router reads
   * this node's entry to deliver and the other entries to know which nodes to forward to.
   */
  membersByNode(stream: StreamKey): ReadonlyMap<string, ReadonlyMap<string, Presence>>;
  /** Number of presences on a stream, hidden included. */
  count(stream: StreamKey): number;
  /** Streams a session is on. */
  streamsOf(sessionId: string): StreamKey[];
  /**
   * Streams of one mode with at least one presence, with their presence counts (hidden included), at
   * most `limit` of them. It walks every stream: for operators (the admin console), not for hot paths.
   */
  streamsOfMode(mode: number, limit: number): { stream: StreamKey; count: number }[];
  /** Subscribes to joins and leaves on streams of one mode. Returns an unsubscribe function. */
  onEvents(mode: number, listener: PresenceListener): () => void;
}

/**
 * The read side every tracker shares: lookups over the {@link PresenceIndex} that holds the
 * presences this node knows (its own; in cluster mode every node's). Subclasses change the index.
 */
export abstract class IndexedTracker {
  protected readonly index: PresenceIndex;

  protected constructor(index: PresenceIndex) {
    this.index = index;
  }

  get(sessionId: string, stream: StreamKey): Presence | undefined {
    return this.index.get(sessionId, stream);
  }

  list(stream: StreamKey, includeHidden = false): Presence[] {
    return this.index.list(stream, includeHidden);
  }

  members(stream: StreamKey): Iterable<Presence> {
    return this.index.members(stream);
  }

  membersByNode(stream: StreamKey): ReadonlyMap<string, ReadonlyMap<string, Presence>> {
    return this.index.membersByNode(stream);
  }

  count(stream: StreamKey): number {
    return this.index.count(stream);
  }

  streamsOf(sessionId: string): StreamKey[] {
    return this.index.streamsOf(sessionId);
  }

  streamsOfMode(mode: number, limit: number): { stream: StreamKey; count: number }[] {
    return this.index.streamsOfMode(mode, limit);
  }

  onEvents(mode: number, listener: PresenceListener): () => void {
    return this.index.onEvents(mode, listener);
  }
}

/**
 * The single-node tracker over a {@link PresenceIndex}: every presence is this node's. Presence
 * events are batched per stream and delivered on the next turn of the event loop (through
 * `schedule`), never synchronously: a handler can therefore send its reply first and the events it
 * caused after it, which is the order nakama-js relies on (your own join arrives after the join
 * reply). Invariant for handlers: call track/untrack as the last step before sending the reply, with
 * no `await` in between.
 */
export class LocalTracker extends IndexedTracker implements Tracker {
  readonly node: string;

  constructor(opts: { node: string; schedule?: (fn: () => void) => void }) {
    super(new PresenceIndex(opts.schedule ? { schedule: opts.schedule } : {}));
    this.node = opts.node;
  }

  track(owner: PresenceOwner, stream: StreamKey, meta: PresenceMeta): boolean {
    // Without a cluster there is no other node to track a presence on.
    if (owner.node !== undefined && owner.node !== this.node) return false;
    const presence: Presence = { node: this.node, sessionId: owner.id, userId: owner.userId, stream, meta };
    return this.index.add(presence);
  }

  update(sessionId: string, stream: StreamKey, meta: PresenceMeta): boolean {
    return this.index.replace(sessionId, stream, meta) !== undefined;
  }

  untrack(sessionId: string, stream: StreamKey, _reason: LeaveReason = 'leave'): boolean {
    return this.index.remove(sessionId, stream) !== undefined;
  }

  untrackAll(sessionId: string, reason: LeaveReason = 'disconnect'): void {
    for (const s of this.index.streamsOf(sessionId)) this.untrack(sessionId, s, reason);
  }

  untrackStream(stream: StreamKey, reason: LeaveReason = 'leave'): void {
    for (const p of this.index.list(stream, true)) this.untrack(p.sessionId, stream, reason);
  }
}
