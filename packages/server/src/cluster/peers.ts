/**
 * What features see of the cluster: calls to other nodes, one-way messages, node departures and
 * replicated tables. A single node has a {@link LocalPeers} with the same interface, so feature code
 * is the same in both modes.
 *
 * @packageDocumentation
 */
import type { ZodType } from 'zod';
import { DomainError, ErrorKind } from '../shared/domain-error.ts';

/**
 * State one node owns and every other node mirrors (presences, match listings, matchmaker tickets).
 * The owner publishes changes to it; the others apply them in order, load a snapshot of it when they
 * first see the owner (or after a gap in its changes), and drop it when the owner leaves.
 */
export interface ReplicaTable<Delta = unknown, Snapshot = unknown> {
  /** Unique name of the table (its deltas and snapshots are labelled with it). */
  readonly name: string;
  /** Schema of one published change; a change that fails it is dropped and counted. */
  readonly delta: ZodType<Delta>;
  /** Schema of a snapshot. */
  readonly snapshot: ZodType<Snapshot>;
  /** This node's own entries, for another node's snapshot request. */
  local(): Snapshot;
  /** A change published by `node`, in its order. */
  apply(node: string, delta: Delta): void;
  /** Everything `node` owns now: replaces what was known of it (announcing the differences). */
  load(node: string, snapshot: Snapshot): void;
  /** `node` has left the cluster: forget what it owned. */
  drop(node: string): void;
}

/** Cluster operations for features. */
export interface Peers {
  /** This node's name. */
  readonly node: string;
  /** Whether other nodes can exist (cluster mode). */
  readonly clustered: boolean;
  /** True for this node and for live nodes of the cluster. */
  isLive(node: string): boolean;
  /**
   * Calls `method` on `node` and resolves to its answer. Rejects with the remote `DomainError`, or an
   * UNAVAILABLE one when the node is not live, the bus is down or no answer came in time.
   */
  call(node: string, method: string, body: unknown): Promise<unknown>;
  /**
   * Sends a one-way message to `method` on `node`. It arrives after everything this node sent to that
   * node before (messages, deliveries, replicated changes); nothing says whether it arrived.
   */
  cast(node: string, method: string, body: unknown): void;
  /** Sends a one-way message to `method` on every other node. */
  castAll(method: string, body: unknown): void;
  /**
   * Serves `method` for other nodes. A body that fails `schema` is refused (counted; a call gets
   * INVALID_ARGUMENT). `fn` may return a value or a promise; a thrown `DomainError` reaches the caller
   * as itself, anything else as INTERNAL (and is logged here). Returns the function that stops serving.
   */
  handle<T>(method: string, schema: ZodType<T>, fn: (body: T, from: string) => unknown): () => void;
  /** Subscribes to other nodes leaving the cluster (death, shutdown, restart). */
  onNodeDown(listener: (node: string) => void): () => void;
  /** Registers a replicated table; returns the function that publishes this node's changes to it. */
  replicate<D, S>(table: ReplicaTable<D, S>): (delta: D) => void;
}

/** The error of a call to a node that cannot answer. */
export function unavailable(node: string, why: string): DomainError {
  return new DomainError(ErrorKind.UNAVAILABLE, `Node '${node}' is unavailable: ${why}`);
}

/**
 * The peers of a single node: there are none. Calls to any other node fail UNAVAILABLE; casts go
 * nowhere; replicated tables have no one to replicate to.
 */
export class LocalPeers implements Peers {
  readonly node: string;
  readonly clustered = false;

  constructor(node: string) {
    this.node = node;
  }

  isLive(node: string): boolean {
    return node === this.node;
  }

  async call(node: string, _method: string, _body: unknown): Promise<unknown> {
    throw unavailable(node, 'this server is not part of a cluster');
  }

  cast(_node: string, _method: string, _body: unknown): void {}

  castAll(_method: string, _body: unknown): void {}

  handle<T>(_method: string, _schema: ZodType<T>, _fn: (body: T, from: string) => unknown): () => void {
    return () => {};
  }

  onNodeDown(_listener: (node: string) => void): () => void {
    return () => {};
  }

  replicate<D, S>(_table: ReplicaTable<D, S>): (delta: D) => void {
    return () => {};
  }
}
