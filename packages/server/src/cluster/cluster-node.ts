/**
 * One node's membership of a cluster: the bus, the directory, the peers, their timers, and what
 * happens when Redis goes away and comes back.
 *
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { SessionLookup } from '../presence/message-router.ts';
import { FramedBus, type FrameTransport } from './bus.ts';
import { BusPeers } from './bus-peers.ts';
import type { BusStats } from './bus-stats.ts';
import { ClusterRouter } from './cluster-router.ts';
import type { Directory } from './directory.ts';
import { Membership } from './membership.ts';
import { ReplicatedTracker } from './replicated-tracker.ts';

/** What `/healthcheck` and the logs say about the cluster. */
export interface ClusterHealth {
  /** True while Redis is unreachable: this node serves its own sessions only. */
  readonly degraded: boolean;
  /** Why, when degraded. */
  readonly reason?: string;
  /** Other live nodes as this node knows them. */
  readonly nodes: readonly string[];
  readonly bus: BusStats;
}

/** Settings of a {@link ClusterNode}. */
export interface ClusterNodeOptions {
  readonly node: string;
  /** Random id of this process (default: 12 random hex digits). */
  readonly incarnation?: string;
  readonly transport: FrameTransport;
  /** Builds the directory once the incarnation is known. */
  readonly directory: (incarnation: string) => Directory;
  readonly logger: Logger;
  readonly heartbeatMs: number;
  /** A node's directory entry lapses this long after its last heartbeat (default five heartbeats). */
  readonly nodeTimeoutMs?: number;
  readonly requestTimeoutMs: number;
  /** Least time between two writes of queued bus messages (see `BusOptions.minFlushIntervalMs`). */
  readonly busFlushMs?: number;
}

/**
 * A node of the cluster. Build it, build the tracker, router and features over its {@link peers}
 * (they register their replicated tables and methods), then {@link join}: connect, claim the node
 * name, learn the live nodes and load their state, and announce this node.
 *
 * Redis outage: the node keeps serving its own sessions; `health()` is degraded and the log says so
 * once. What other nodes do meanwhile is not seen, and what this node publishes is dropped (counted).
 * When Redis is back (ioredis reconnects within a second) the node re-announces itself (the others
 * reload its state) and reloads every other node's state; deaths during the outage are found by the
 * first heartbeat. Resynchronisation therefore completes within a heartbeat or two of Redis returning.
 */
export class ClusterNode {
  readonly node: string;
  readonly incarnation: string;
  readonly bus: FramedBus;
  readonly membership: Membership;
  readonly peers: BusPeers;
  readonly #directory: Directory;
  readonly #log: Logger;
  readonly #heartbeatMs: number;
  #tracker: ReplicatedTracker | undefined;
  #timer: NodeJS.Timeout | undefined;
  #joined = false;
  #wasDisconnected = false;
  #closing = false;

  constructor(opts: ClusterNodeOptions) {
    this.node = opts.node;
    this.incarnation = opts.incarnation ?? randomBytes(6).toString('hex');
    this.#log = opts.logger.child({ cluster: opts.node });
    this.#heartbeatMs = opts.heartbeatMs;
    this.#directory = opts.directory(this.incarnation);
    this.membership = new Membership({
      node: this.node,
      incarnation: this.incarnation,
      directory: this.#directory,
      logger: this.#log,
      graceMs: opts.nodeTimeoutMs ?? 5 * opts.heartbeatMs,
    });
    this.bus = new FramedBus({
      node: this.node,
      incarnation: this.incarnation,
      transport: opts.transport,
      gate: this.membership,
      logger: this.#log,
      minFlushIntervalMs: opts.busFlushMs ?? 0,
    });
    this.peers = new BusPeers({
      bus: this.bus,
      membership: this.membership,
      logger: this.#log,
      timeoutMs: opts.requestTimeoutMs,
    });
    this.bus.onConnection((connected) => this.#connection(connected));
  }

  /** The replicated tracker over this node's sessions (built once). */
  tracker(sessions: SessionLookup): ReplicatedTracker {
    this.#tracker ??= new ReplicatedTracker({ peers: this.peers, sessions, logger: this.#log });
    return this.#tracker;
  }

  /** The cluster message router. */
  router(tracker: ReplicatedTracker, sessions: SessionLookup): ClusterRouter {
    return new ClusterRouter({ tracker, sessions, bus: this.bus });
  }

  /**
   * Connects and joins. Rejects (leaving nothing running) when Redis is unreachable or another live
   * process holds this node's name (`NodeNameTakenError`).
   */
  async join(): Promise<void> {
    try {
      await this.bus.start();
      await this.#directory.register();
    } catch (err) {
      await this.bus.close().catch(() => {});
      throw err;
    }
    this.#joined = true;
    await this.membership.tick();
    this.peers.hello();
    this.#timer = setInterval(() => void this.#beat(), this.#heartbeatMs);
    this.#timer.unref();
    this.#log.info(
      { node: this.node, incarnation: this.incarnation, nodes: [...this.membership.nodes().keys()] },
      'cluster: joined',
    );
  }

  health(): ClusterHealth {
    const stats = this.bus.stats();
    const nodes = [...this.membership.nodes().keys()].sort();
    if (!this.bus.connected)
      return { degraded: true, reason: 'Redis unreachable (cluster bus disconnected)', nodes, bus: stats };
    if (!this.membership.healthy)
      return { degraded: true, reason: 'Redis unreachable (heartbeat failing)', nodes, bus: stats };
    return { degraded: false, nodes, bus: stats };
  }

  /** Leaves the cluster cleanly: the others drop this node at once. Call after sessions are closed. */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    clearInterval(this.#timer);
    this.peers.close();
    if (this.#joined) {
      this.peers.bye();
      await this.#directory.unregister().catch(() => {});
    }
    await this.bus.close();
  }

  async #beat(): Promise<void> {
    if (this.#closing) return;
    const reachable = await this.membership.tick();
    if (reachable && this.bus.connected) this.peers.beat();
  }

  #connection(connected: boolean): void {
    if (!this.#joined || this.#closing) return;
    if (!connected) {
      this.#wasDisconnected = true;
      this.#log.warn(
        "cluster: Redis unreachable; serving this node's sessions only (other nodes are not reached, matchmaking is paused) until it returns",
      );
      return;
    }
    if (!this.#wasDisconnected) return;
    this.#wasDisconnected = false;
    this.#log.info('cluster: Redis reachable again; resynchronising with the other nodes');
    void this.#resync();
  }

  async #resync(): Promise<void> {
    await this.membership.tick();
    this.peers.hello();
    for (const node of this.membership.nodes().keys()) this.peers.replicator.sync(node);
  }
}
