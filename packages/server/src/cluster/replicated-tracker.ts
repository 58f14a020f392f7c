/**
 * The cluster's tracker: every node holds every node's presences.
 *
 * @packageDocumentation
 */
import type { Logger } from 'pino';
import type { SessionLookup } from '../presence/message-router.ts';
import { PresenceIndex } from '../presence/presence-index.ts';
import { parseStreamId, type StreamKey, streamId } from '../presence/stream.ts';
import { IndexedTracker, type Tracker } from '../presence/tracker.ts';
import type { LeaveReason, Presence, PresenceMeta, PresenceOwner } from '../presence/types.ts';
import type { Peers, ReplicaTable } from './peers.ts';
import {
  fromWireMeta,
  type PresenceCommand,
  PresenceCommands,
  PresenceDelta,
  type PresenceOp,
  PresenceSnapshot,
  sameMeta,
  toWireMeta,
  type WirePresence,
} from './presence-wire.ts';

/** The replicated table's name and the command method. */
const TABLE = 'presence';
const COMMAND = 'presence.cmd';

/**
 * A {@link Tracker} whose index holds the presences of every node (the same structure the single-node
 * tracker uses; presences are `(node, sessionId)` ids). This node changes only its own sessions'
 * presences, applies them at once and publishes each operation's changes as one delta; the other
 * nodes apply it. Reads (`list`, `get`, `count`, `membersByNode`) are local and never touch Redis.
 *
 * Presence events: every node emits events for every change it applies, its own and the others', and
 * features deliver them to their own node's members only, so each member hears each event once.
 *
 * Presences of other nodes' sessions: `track` and `update` ask the session's node (which then
 * publishes the change as usual); `untrack` removes the presence from this node's view at once (with
 * its leave event; the owner's own delta later finds nothing to remove) and asks the owner to untrack
 * it. When a node leaves the cluster its presences are removed here, announcing their leaves.
 */
export class ReplicatedTracker
  extends IndexedTracker
  implements Tracker, ReplicaTable<PresenceOp[], WirePresence[]>
{
  readonly node: string;
  readonly name = TABLE;
  readonly delta = PresenceDelta;
  readonly snapshot = PresenceSnapshot;
  readonly #peers: Peers;
  readonly #log: Logger;
  readonly #publish: (delta: PresenceOp[]) => void;

  constructor(opts: {
    peers: Peers;
    /** This node's sessions, for commands from other nodes. */
    sessions: SessionLookup;
    logger: Logger;
    schedule?: (fn: () => void) => void;
  }) {
    super(new PresenceIndex(opts.schedule ? { schedule: opts.schedule } : {}));
    this.node = opts.peers.node;
    this.#peers = opts.peers;
    this.#log = opts.logger;
    this.#publish = opts.peers.replicate(this);
    opts.peers.handle(COMMAND, PresenceCommands, (commands) => this.#command(opts.sessions, commands));
  }

  track(owner: PresenceOwner, stream: StreamKey, meta: PresenceMeta): boolean {
    const node = owner.node ?? this.node;
    if (node !== this.node) {
      if (!this.#peers.isLive(node) || this.index.get(owner.id, stream)) return false;
      this.#peers.cast(node, COMMAND, [['t', owner.id, streamId(stream), toWireMeta(meta)]]);
      return true;
    }
    const presence: Presence = { node, sessionId: owner.id, userId: owner.userId, stream, meta };
    if (!this.index.add(presence)) return false;
    this.#publish([['+', owner.id, owner.userId, streamId(stream), toWireMeta(meta)]]);
    return true;
  }

  update(sessionId: string, stream: StreamKey, meta: PresenceMeta): boolean {
    const presence = this.index.get(sessionId, stream);
    if (!presence) return false;
    if (presence.node !== this.node) {
      this.#peers.cast(presence.node, COMMAND, [['u', sessionId, streamId(stream), toWireMeta(meta)]]);
      return true;
    }
    this.index.replace(sessionId, stream, meta);
    this.#publish([['~', sessionId, streamId(stream), toWireMeta(meta)]]);
    return true;
  }

  untrack(sessionId: string, stream: StreamKey, _reason: LeaveReason = 'leave'): boolean {
    const presence = this.index.get(sessionId, stream);
    if (!presence) return false;
    this.#removeAll([presence]);
    return true;
  }

  untrackAll(sessionId: string, _reason: LeaveReason = 'disconnect'): void {
    const presences: Presence[] = [];
    for (const s of this.index.streamsOf(sessionId)) {
      const p = this.index.get(sessionId, s);
      if (p) presences.push(p);
    }
    this.#removeAll(presences);
  }

  untrackStream(stream: StreamKey, _reason: LeaveReason = 'leave'): void {
    this.#removeAll(this.index.list(stream, true));
  }

  // ReplicaTable: other nodes' presences.

  local(): WirePresence[] {
    return this.index
      .presencesOfNode(this.node)
      .map((p) => [p.sessionId, p.userId, streamId(p.stream), toWireMeta(p.meta)]);
  }

  apply(node: string, delta: PresenceOp[]): void {
    if (node === this.node) return;
    for (const op of delta) {
      const stream = parseStreamId(op[0] === '+' ? op[3] : op[2]);
      if (stream === null) continue;
      if (op[0] === '+') {
        const meta = fromWireMeta(op[4]);
        if (!this.index.add({ node, sessionId: op[1], userId: op[2], stream, meta })) {
          this.index.replace(op[1], stream, meta);
        }
      } else if (op[0] === '-') {
        if (this.index.get(op[1], stream)?.node === node) this.index.remove(op[1], stream);
      } else if (this.index.get(op[1], stream)?.node === node) {
        this.index.replace(op[1], stream, fromWireMeta(op[3]));
      }
    }
  }

  load(node: string, snapshot: WirePresence[]): void {
    if (node === this.node) return;
    const key = (sessionId: string, id: string) => `${sessionId}\n${id}`;
    const current = new Map<string, Presence>();
    for (const p of this.index.presencesOfNode(node)) current.set(key(p.sessionId, streamId(p.stream)), p);
    for (const [sessionId, userId, id, wireMeta] of snapshot) {
      const stream = parseStreamId(id);
      if (stream === null) continue;
      const meta = fromWireMeta(wireMeta);
      const k = key(sessionId, id);
      const had = current.get(k);
      current.delete(k);
      if (had === undefined) this.index.add({ node, sessionId, userId, stream, meta });
      else if (!sameMeta(had.meta, meta)) this.index.replace(sessionId, stream, meta);
    }
    for (const gone of current.values()) this.index.remove(gone.sessionId, gone.stream);
  }

  drop(node: string): void {
    if (node === this.node) return;
    const presences = this.index.presencesOfNode(node);
    for (const p of presences) this.index.remove(p.sessionId, p.stream);
    if (presences.length > 0)
      this.#log.info({ node, presences: presences.length }, 'cluster: presences of a departed node dropped');
  }

  /** Removes presences (any nodes): one delta for this node's, one command per other node. */
  #removeAll(presences: readonly Presence[]): void {
    const own: PresenceOp[] = [];
    const others = new Map<string, PresenceCommand[]>();
    for (const p of presences) {
      if (this.index.remove(p.sessionId, p.stream) === undefined) continue;
      const id = streamId(p.stream);
      if (p.node === this.node) {
        own.push(['-', p.sessionId, id]);
        continue;
      }
      let list = others.get(p.node);
      if (!list) {
        list = [];
        others.set(p.node, list);
      }
      list.push(['x', p.sessionId, id]);
    }
    if (own.length > 0) this.#publish(own);
    for (const [node, commands] of others) this.#peers.cast(node, COMMAND, commands);
  }

  #command(sessions: SessionLookup, commands: readonly PresenceCommand[]): void {
    for (const command of commands) {
      const stream = parseStreamId(command[2]);
      if (stream === null) continue;
      const [kind, sessionId] = command;
      if (kind === 't') {
        const session = sessions.get(sessionId);
        if (session) this.track(session, stream, fromWireMeta(command[3]));
      } else if (this.index.get(sessionId, stream)?.node === this.node) {
        if (kind === 'u') this.update(sessionId, stream, fromWireMeta(command[3]));
        else this.untrack(sessionId, stream);
      }
    }
  }
}
