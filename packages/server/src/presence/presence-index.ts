/**
 * Presences of any node, indexed by stream, by session and by node, with batched presence events:
 * the structure under both trackers (the single-node `LocalTracker` and the cluster's replicated one,
 * which holds the presences of every node in it).
 *
 * @packageDocumentation
 */
import { type StreamKey, streamId } from './stream.ts';
import type { Presence, PresenceEvent, PresenceMeta } from './types.ts';

/** Receives batched presence events for the streams of one mode. */
export type PresenceListener = (events: readonly PresenceEvent[]) => void;

interface PendingEvent {
  stream: StreamKey;
  joins: Presence[];
  leaves: Presence[];
}

/**
 * One stream's members: in join order, and per node (what the router reads to route). The per-node
 * view is built only when something reads it or a second node's member joins; while every member is
 * on one node, it maps that node to `all` itself (no copy).
 */
class StreamMembers {
  readonly all = new Map<string, Presence>();
  /** The node of every member, while the per-node view is not built. */
  readonly #node: string;
  #byNode: Map<string, Map<string, Presence>> | undefined = undefined;

  constructor(node: string) {
    this.#node = node;
  }

  get byNode(): Map<string, Map<string, Presence>> {
    this.#byNode ??= new Map([[this.#node, this.all]]);
    return this.#byNode;
  }

  /** Adds `presence` (not a member yet). */
  add(presence: Presence): void {
    const { all } = this;
    const byNode = this.#byNode;
    if (byNode === undefined && presence.node === this.#node) {
      all.set(presence.sessionId, presence);
      return;
    }
    const shared = byNode === undefined || (byNode.size === 1 && byNode.values().next().value === all);
    if (shared && byNode?.has(presence.node)) {
      all.set(presence.sessionId, presence);
      return;
    }
    const view = this.byNode;
    if (shared) {
      // A second node: the first one gets a map of its own.
      const [node] = view.keys();
      view.set(node!, new Map(all));
    }
    all.set(presence.sessionId, presence);
    let onNode = view.get(presence.node);
    if (!onNode) {
      onNode = new Map();
      view.set(presence.node, onNode);
    }
    onNode.set(presence.sessionId, presence);
  }

  /** Replaces a member's presence by `next` (same session, same node). */
  replace(next: Presence): void {
    this.all.set(next.sessionId, next);
    this.#byNode?.get(next.node)?.set(next.sessionId, next);
  }

  /** Removes `presence` (a member); when one node is left, its map is `all` again. */
  remove(presence: Presence): void {
    const { all } = this;
    const byNode = this.#byNode;
    all.delete(presence.sessionId);
    if (byNode === undefined) return;
    const onNode = byNode.get(presence.node);
    if (onNode === all) {
      if (all.size === 0) byNode.delete(presence.node);
      return;
    }
    onNode?.delete(presence.sessionId);
    if (onNode?.size === 0) byNode.delete(presence.node);
    if (byNode.size === 1) {
      const [node] = byNode.keys();
      byNode.set(node!, all);
    }
  }
}

const NO_PRESENCES: readonly Presence[] = [];
const NO_NODES: ReadonlyMap<string, ReadonlyMap<string, Presence>> = new Map();

/**
 * The presence index. Changes queue events per stream, delivered on the next turn of the event loop
 * (through `schedule`), never synchronously: a handler can therefore send its reply first and the
 * events it caused after it, which is the order nakama-js relies on (your own join arrives after the
 * join reply). Hidden presences are indexed but never announced. A join and a leave of the same
 * presence within one turn cancel out.
 *
 * The pending batch is bounded by the work done in one turn and drained completely each turn, so no
 * event is ever dropped.
 */
export class PresenceIndex {
  readonly #byStream = new Map<string, StreamMembers>();
  /** A session's stream, or its streams by id once it is on two or more. */
  readonly #bySession = new Map<string, StreamKey | Map<string, StreamKey>>();
  readonly #byNode = new Map<string, Set<string>>();
  readonly #listeners = new Map<number, Set<PresenceListener>>();
  readonly #pending = new Map<string, PendingEvent>();
  readonly #schedule: (fn: () => void) => void;
  #flushScheduled = false;

  constructor(opts: { schedule?: (fn: () => void) => void } = {}) {
    this.#schedule = opts.schedule ?? ((fn) => setImmediate(fn));
  }

  /** Adds a presence. Returns false (and announces nothing) if its session is already on the stream. */
  add(presence: Presence): boolean {
    const id = streamId(presence.stream);
    let members = this.#byStream.get(id);
    if (members?.all.has(presence.sessionId)) return false;
    if (!members) {
      members = new StreamMembers(presence.node);
      this.#byStream.set(id, members);
    }
    members.add(presence);
    const streams = this.#bySession.get(presence.sessionId);
    if (streams === undefined) {
      // A session on one stream keeps that stream as it is; a Map once it is on two.
      this.#bySession.set(presence.sessionId, presence.stream);
      let sessions = this.#byNode.get(presence.node);
      if (!sessions) {
        sessions = new Set();
        this.#byNode.set(presence.node, sessions);
      }
      sessions.add(presence.sessionId);
    } else if (streams instanceof Map) streams.set(id, presence.stream);
    else {
      const other = streamId(streams);
      if (other !== id)
        this.#bySession.set(
          presence.sessionId,
          new Map([
            [other, streams],
            [id, presence.stream],
          ]),
        );
    }
    if (!presence.meta.hidden) this.#queue(id, presence, 'join');
    return true;
  }

  /**
   * Replaces a presence's meta; visible changes are announced as leave(old) + join(new). Returns the
   * new presence, or undefined if there was none.
   */
  replace(sessionId: string, stream: StreamKey, meta: PresenceMeta): Presence | undefined {
    const id = streamId(stream);
    const members = this.#byStream.get(id);
    const old = members?.all.get(sessionId);
    if (!members || !old) return undefined;
    const next: Presence = { ...old, meta };
    members.replace(next);
    if (!old.meta.hidden) this.#queue(id, old, 'leave');
    if (!meta.hidden) this.#queue(id, next, 'join');
    return next;
  }

  /** Removes one presence and announces its leave; returns it, or undefined if there was none. */
  remove(sessionId: string, stream: StreamKey): Presence | undefined {
    const id = streamId(stream);
    const members = this.#byStream.get(id);
    const presence = members?.all.get(sessionId);
    if (!members || !presence) return undefined;
    members.remove(presence);
    if (members.all.size === 0) this.#byStream.delete(id);
    const streams = this.#bySession.get(sessionId);
    let last = false;
    if (streams instanceof Map) {
      streams.delete(id);
      last = streams.size === 0;
    } else last = streams !== undefined && streamId(streams) === id;
    if (last) {
      this.#bySession.delete(sessionId);
      const sessions = this.#byNode.get(presence.node);
      sessions?.delete(sessionId);
      if (sessions?.size === 0) this.#byNode.delete(presence.node);
    }
    if (!presence.meta.hidden) this.#queue(id, presence, 'leave');
    return presence;
  }

  get(sessionId: string, stream: StreamKey): Presence | undefined {
    return this.#byStream.get(streamId(stream))?.all.get(sessionId);
  }

  /** Presences on a stream in the order they were added here; hidden ones only when asked. */
  list(stream: StreamKey, includeHidden = false): Presence[] {
    const members = this.#byStream.get(streamId(stream));
    if (!members) return [];
    const out: Presence[] = [];
    for (const presence of members.all.values()) {
      if (includeHidden || !presence.meta.hidden) out.push(presence);
    }
    return out;
  }

  /** Every presence on a stream, hidden included, without copying. Do not change the index while iterating. */
  members(stream: StreamKey): Iterable<Presence> {
    return this.#byStream.get(streamId(stream))?.all.values() ?? NO_PRESENCES;
  }

  /** A stream's presences grouped by node, without copying (the router's view of where to deliver). */
  membersByNode(stream: StreamKey): ReadonlyMap<string, ReadonlyMap<string, Presence>> {
    return this.#byStream.get(streamId(stream))?.byNode ?? NO_NODES;
  }

  count(stream: StreamKey): number {
    return this.#byStream.get(streamId(stream))?.all.size ?? 0;
  }

  streamsOf(sessionId: string): StreamKey[] {
    const streams = this.#bySession.get(sessionId);
    if (streams === undefined) return [];
    return streams instanceof Map ? [...streams.values()] : [streams];
  }

  /**
   * Streams of one mode with at least one presence, with their presence counts (hidden included), at
   * most `limit` of them. It walks every stream: for operators (the admin console), not for hot paths.
   */
  streamsOfMode(mode: number, limit: number): { stream: StreamKey; count: number }[] {
    const out: { stream: StreamKey; count: number }[] = [];
    for (const members of this.#byStream.values()) {
      if (out.length >= limit) break;
      const first = members.all.values().next().value;
      if (first?.stream.mode === mode) out.push({ stream: first.stream, count: members.all.size });
    }
    return out;
  }

  /** Every presence of one node's sessions (a snapshot of that node, or what to drop when it dies). */
  presencesOfNode(node: string): Presence[] {
    const out: Presence[] = [];
    for (const sessionId of this.#byNode.get(node) ?? []) {
      for (const stream of this.streamsOf(sessionId)) {
        const presence = this.get(sessionId, stream);
        if (presence) out.push(presence);
      }
    }
    return out;
  }

  /** Nodes with at least one presence here. */
  nodes(): IterableIterator<string> {
    return this.#byNode.keys();
  }

  /** Subscribes to joins and leaves on streams of one mode. Returns an unsubscribe function. */
  onEvents(mode: number, listener: PresenceListener): () => void {
    let set = this.#listeners.get(mode);
    if (!set) {
      set = new Set();
      this.#listeners.set(mode, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  #queue(id: string, presence: Presence, kind: 'join' | 'leave'): void {
    const stream = presence.stream;
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
