import { type StreamKey, streamId } from './stream.ts';
import type { LeaveReason, Presence, PresenceEvent, PresenceMeta, PresenceOwner } from './types.ts';

/** Receives batched presence events for the streams of one mode. */
export type PresenceListener = (events: readonly PresenceEvent[]) => void;

/**
 * Who is on which stream. Every feature (status, chat, matches, parties, notifications, custom
 * streams) keeps its membership here, so a disconnect cleans up everything with one call.
 */
export interface Tracker {
  /** This node's name: presences tracked here carry it. */
  readonly node: string;
  /**
   * Adds a presence of a session on this node. Returns false (and announces nothing) if the session
   * is already on the stream.
   */
  track(owner: PresenceOwner, stream: StreamKey, meta: PresenceMeta): boolean;
  /** Replaces a presence's meta; visible presences are announced as leave(old) + join(new). */
  update(sessionId: string, stream: StreamKey, meta: PresenceMeta): boolean;
  /** Removes one presence. Returns false if there was none. */
  untrack(sessionId: string, stream: StreamKey, reason?: LeaveReason): boolean;
  /** Removes every presence of a session (disconnect). */
  untrackAll(sessionId: string, reason?: LeaveReason): void;
  /** Removes every presence on a stream (match end, party close). */
  untrackStream(stream: StreamKey, reason?: LeaveReason): void;
  get(sessionId: string, stream: StreamKey): Presence | undefined;
  /** Presences on a stream in join order; hidden ones only when asked. */
  list(stream: StreamKey, includeHidden?: boolean): Presence[];
  /**
   * Every presence on a stream, hidden included, in join order, without copying: the recipients of
   * stream traffic (the message router iterates it). Do not track or untrack while iterating.
   */
  members(stream: StreamKey): Iterable<Presence>;
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

interface PendingEvent {
  stream: StreamKey;
  joins: Presence[];
  leaves: Presence[];
}

const NO_PRESENCES: readonly Presence[] = [];

/**
 * The single-node tracker. Presence events are batched per stream and delivered on the next turn of
 * the event loop (through `schedule`), never synchronously: a handler can therefore send its reply
 * first and the events it caused after it, which is the order nakama-js relies on (your own join
 * arrives after the join reply). Invariant for handlers: call track/untrack as the last step before
 * sending the reply, with no `await` in between.
 *
 * The pending batch is bounded by the work done in one turn and drained completely each turn, so no
 * event is ever dropped.
 */
export class LocalTracker implements Tracker {
  readonly node: string;
  readonly #byStream = new Map<string, Map<string, Presence>>();
  readonly #bySession = new Map<string, Map<string, StreamKey>>();
  readonly #listeners = new Map<number, Set<PresenceListener>>();
  readonly #pending = new Map<string, PendingEvent>();
  readonly #schedule: (fn: () => void) => void;
  #flushScheduled = false;

  constructor(opts: { node: string; schedule?: (fn: () => void) => void }) {
    this.node = opts.node;
    this.#schedule = opts.schedule ?? ((fn) => setImmediate(fn));
  }

  track(owner: PresenceOwner, stream: StreamKey, meta: PresenceMeta): boolean {
    const id = streamId(stream);
    let members = this.#byStream.get(id);
    if (members?.has(owner.id)) return false;
    if (!members) {
      members = new Map();
      this.#byStream.set(id, members);
    }
    const presence: Presence = { node: this.node, sessionId: owner.id, userId: owner.userId, stream, meta };
    members.set(owner.id, presence);
    let streams = this.#bySession.get(owner.id);
    if (!streams) {
      streams = new Map();
      this.#bySession.set(owner.id, streams);
    }
    streams.set(id, stream);
    if (!meta.hidden) this.#queue(id, stream, presence, 'join');
    return true;
  }

  update(sessionId: string, stream: StreamKey, meta: PresenceMeta): boolean {
    const id = streamId(stream);
    const members = this.#byStream.get(id);
    const old = members?.get(sessionId);
    if (!members || !old) return false;
    const next: Presence = { ...old, meta };
    members.set(sessionId, next);
    if (!old.meta.hidden) this.#queue(id, stream, old, 'leave');
    if (!meta.hidden) this.#queue(id, stream, next, 'join');
    return true;
  }

  untrack(sessionId: string, stream: StreamKey, _reason: LeaveReason = 'leave'): boolean {
    const id = streamId(stream);
    const members = this.#byStream.get(id);
    const presence = members?.get(sessionId);
    if (!members || !presence) return false;
    members.delete(sessionId);
    if (members.size === 0) this.#byStream.delete(id);
    const streams = this.#bySession.get(sessionId);
    streams?.delete(id);
    if (streams?.size === 0) this.#bySession.delete(sessionId);
    if (!presence.meta.hidden) this.#queue(id, stream, presence, 'leave');
    return true;
  }

  untrackAll(sessionId: string, reason: LeaveReason = 'disconnect'): void {
    const streams = this.#bySession.get(sessionId);
    if (!streams) return;
    for (const s of [...streams.values()]) this.untrack(sessionId, s, reason);
  }

  untrackStream(stream: StreamKey, reason: LeaveReason = 'leave'): void {
    const members = this.#byStream.get(streamId(stream));
    if (!members) return;
    for (const sessionId of [...members.keys()]) this.untrack(sessionId, stream, reason);
  }

  get(sessionId: string, stream: StreamKey): Presence | undefined {
    return this.#byStream.get(streamId(stream))?.get(sessionId);
  }

  list(stream: StreamKey, includeHidden = false): Presence[] {
    const members = this.#byStream.get(streamId(stream));
    if (!members) return [];
    const out: Presence[] = [];
    for (const presence of members.values()) {
      if (includeHidden || !presence.meta.hidden) out.push(presence);
    }
    return out;
  }

  members(stream: StreamKey): Iterable<Presence> {
    return this.#byStream.get(streamId(stream))?.values() ?? NO_PRESENCES;
  }

  count(stream: StreamKey): number {
    return this.#byStream.get(streamId(stream))?.size ?? 0;
  }

  streamsOf(sessionId: string): StreamKey[] {
    return [...(this.#bySession.get(sessionId)?.values() ?? [])];
  }

  streamsOfMode(mode: number, limit: number): { stream: StreamKey; count: number }[] {
    const out: { stream: StreamKey; count: number }[] = [];
    for (const members of this.#byStream.values()) {
      if (out.length >= limit) break;
      const first = members.values().next().value;
      if (first?.stream.mode === mode) out.push({ stream: first.stream, count: members.size });
    }
    return out;
  }

  onEvents(mode: number, listener: PresenceListener): () => void {
    let set = this.#listeners.get(mode);
    if (!set) {
      set = new Set();
      this.#listeners.set(mode, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  #queue(id: string, stream: StreamKey, presence: Presence, kind: 'join' | 'leave'): void {
    if (!this.#listeners.get(stream.mode)?.size) return;
    let event = this.#pending.get(id);
    if (!event) {
      event = { stream, joins: [], leaves: [] };
      this.#pending.set(id, event);
    }
    if (kind === 'join') {
      event.joins.push(presence);
    } else {
      // A join and a leave of the same session in one batch cancel out (join-then-leave).
      const i = event.joins.findIndex((p) => p.sessionId === presence.sessionId);
      if (i >= 0 && event.joins[i] === presence) event.joins.splice(i, 1);
      else event.leaves.push(presence);
    }
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      this.#schedule(() => this.#flush());
    }
  }

  #flush(): void {
    this.#flushScheduled = false;
    const byMode = new Map<number, PresenceEvent[]>();
    for (const event of this.#pending.values()) {
      if (event.joins.length === 0 && event.leaves.length === 0) continue;
      let list = byMode.get(event.stream.mode);
      if (!list) {
        list = [];
        byMode.set(event.stream.mode, list);
      }
      list.push(event);
    }
    this.#pending.clear();
    for (const [mode, events] of byMode) {
      for (const listener of this.#listeners.get(mode) ?? []) {
        try {
          listener(events);
        } catch {
          // A faulty listener must not stop presence delivery to the others; listeners log their own errors.
        }
      }
    }
  }
}
