/**
 * Which other nodes are live: this node's heartbeat, death detection, and the check of senders the
 * bus does not know yet.
 *
 * @packageDocumentation
 */
import type { Logger } from 'pino';
import type { SenderGate } from './bus.ts';
import type { Directory } from './directory.ts';
import type { FrameSender } from './wire.ts';

/** Receives a node joining (or rejoining) and leaving the cluster. */
export interface MembershipListener {
  up(node: string, incarnation: string): void;
  down(node: string, incarnation: string): void;
}

/**
 * The live nodes as this node sees them. Every heartbeat it refreshes its own directory entry and
 * reads the others': a node whose entry expired (it stopped heartbeating: `kill -9`, a crash, a
 * network cut) is down; an entry under a new incarnation is a restart (down, then up); a new entry is
 * a node joining. A node can also be learnt of sooner, when its first frames arrive
 * ({@link verify}), and dropped sooner, when it says goodbye ({@link leave}).
 *
 * While the directory is unreachable nothing changes: an outage of Redis is not the death of every
 * other node. Deaths during the outage are found by the first poll after it.
 */
export class Membership implements SenderGate {
  readonly node: string;
  readonly incarnation: string;
  readonly #directory: Directory;
  readonly #log: Logger;
  readonly #known = new Map<string, string>();
  readonly #listeners = new Set<MembershipListener>();
  readonly #verifying = new Map<string, Promise<boolean>>();
  readonly #graceMs: number;
  #healthy = false;
  #nameLost = false;
  /** Until then, a node missing from the directory is not taken for dead (see {@link tick}). */
  #graceUntil = 0;
  /** The directory answered at least once (the first tick is not a return from an outage). */
  #reached = false;

  constructor(opts: {
    node: string;
    incarnation: string;
    directory: Directory;
    logger: Logger;
    /** How long every live node takes to re-register after an outage: the node timeout. */
    graceMs: number;
  }) {
    this.node = opts.node;
    this.incarnation = opts.incarnation;
    this.#directory = opts.directory;
    this.#log = opts.logger;
    this.#graceMs = opts.graceMs;
  }

  /** Subscribes to nodes joining and leaving; returns the unsubscribe function. */
  subscribe(listener: MembershipListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Whether the last heartbeat reached the directory. */
  get healthy(): boolean {
    return this.#healthy;
  }

  /** Other live nodes and their incarnations. */
  nodes(): ReadonlyMap<string, string> {
    return this.#known;
  }

  /** True for this node and for live nodes of the cluster. */
  isLive(node: string): boolean {
    return node === this.node || this.#known.has(node);
  }

  isKnown(sender: FrameSender): boolean {
    return this.#known.get(sender.node) === sender.incarnation;
  }

  /** Checks an unknown sender in the directory; a live one joins (see {@link MembershipListener.up}). */
  verify(sender: FrameSender): Promise<boolean> {
    const key = `${sender.node}/${sender.incarnation}`;
    let pending = this.#verifying.get(key);
    if (pending === undefined) {
      pending = this.#directory.incarnationOf(sender.node).then(
        (incarnation) => {
          this.#verifying.delete(key);
          if (incarnation !== sender.incarnation) return false;
          this.#set(sender.node, incarnation);
          return true;
        },
        () => {
          this.#verifying.delete(key);
          return false;
        },
      );
      this.#verifying.set(key, pending);
    }
    return pending;
  }

  /** A node said goodbye: it is down now, without waiting for its entry to expire. */
  leave(node: string, incarnation: string): void {
    if (this.#known.get(node) !== incarnation) return;
    this.#known.delete(node);
    this.#emit('down', node, incarnation);
  }

  /**
   * One heartbeat: refreshes this node's entry and reconciles the live nodes. Never throws; resolves
   * whether the directory was reachable.
   *
   * After this node could not reach the directory, a node missing from it is not taken for dead for
   * one node timeout: Redis may have come back empty (restarted), and every live node re-registers
   * within a heartbeat. Dropping them meanwhile would announce every one of their players leaving
   * and coming back.
   */
  async tick(): Promise<boolean> {
    const wasHealthy = this.#healthy;
    try {
      const ours = await this.#directory.heartbeat();
      if (!ours && !this.#nameLost) {
        this.#nameLost = true;
        this.#log.error(
          { node: this.node },
          'cluster: another process now holds this node name; this node keeps serving its own sessions but the cluster sees the other one',
        );
      }
      if (!wasHealthy && this.#reached) this.#graceUntil = Date.now() + this.#graceMs;
      this.#reached = true;
      this.#reconcile(await this.#directory.live());
      this.#healthy = true;
    } catch (err) {
      if (this.#healthy) this.#log.warn({ err: (err as Error).message }, 'cluster: directory unreachable');
      this.#healthy = false;
    }
    return this.#healthy;
  }

  #reconcile(live: ReadonlyMap<string, string>): void {
    const grace = Date.now() < this.#graceUntil;
    for (const [node, incarnation] of [...this.#known]) {
      const now = live.get(node);
      if (now === undefined && grace) continue;
      if (now !== incarnation) {
        this.#known.delete(node);
        this.#emit('down', node, incarnation);
      }
    }
    for (const [node, incarnation] of live) {
      if (node !== this.node && !this.#known.has(node)) this.#set(node, incarnation);
    }
  }

  #set(node: string, incarnation: string): void {
    const previous = this.#known.get(node);
    if (previous === incarnation) return;
    if (previous !== undefined) {
      this.#known.delete(node);
      this.#emit('down', node, previous);
    }
    this.#known.set(node, incarnation);
    this.#emit('up', node, incarnation);
  }

  #emit(kind: 'up' | 'down', node: string, incarnation: string): void {
    this.#log.info({ node, incarnation }, kind === 'up' ? 'cluster: node joined' : 'cluster: node left');
    for (const listener of [...this.#listeners]) {
      try {
        listener[kind](node, incarnation);
      } catch (err) {
        this.#log.error({ err, node }, `cluster: node ${kind} listener failed`);
      }
    }
  }
}
