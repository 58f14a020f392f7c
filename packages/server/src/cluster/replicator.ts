/**
 * Replication of node-owned tables: sequence numbers, gap detection and snapshots.
 *
 * @packageDocumentation
 */
import type { Logger } from 'pino';
import { z } from 'zod';
import type { ReplicaTable } from './peers.ts';

/** The answer to a snapshot request: the owner's sequence number and each table's snapshot. */
export const SnapshotReply = z.object({ q: z.number().int().min(0), t: z.record(z.string(), z.unknown()) });
/** See {@link SnapshotReply}. */
export type SnapshotReply = z.infer<typeof SnapshotReply>;

/** The method other nodes call for a snapshot. */
export const SNAPSHOT_METHOD = 'replica.snapshot';

/** What the replicator sends through (the cluster's peers and bus). */
export interface ReplicatorLink {
  /** Publishes a delta to every node. */
  publishDelta(seq: number, table: string, delta: unknown): void;
  /** Asks a node for its snapshot. */
  requestSnapshot(node: string): Promise<unknown>;
  /** Whether a node is live (retries stop when it is not). */
  isLive(node: string): boolean;
  /** Counts a refused delta or snapshot. */
  refused(detail: string): void;
}

interface NodeState {
  seq: number;
  syncing: boolean;
  /** Bumped on every (re)sync, so the answer to an older request is ignored. */
  generation: number;
}

/**
 * One sequence number per node covers all its tables: every delta it publishes carries the next one.
 * A receiver applies a node's deltas only in order; on a gap (messages lost while Redis was away, a
 * dropped frame), on a `hello` and when it first sees the node, it asks for a snapshot and ignores
 * that node's deltas until the answer arrives. No delta is lost in between: the answer travels behind
 * every delta it covers and ahead of every later one (the bus keeps one node's messages in order),
 * so the deltas ignored are exactly those the snapshot already contains.
 */
export class Replicator {
  readonly #tables = new Map<string, ReplicaTable>();
  readonly #nodes = new Map<string, NodeState>();
  readonly #link: ReplicatorLink;
  readonly #log: Logger;
  readonly #retryMs: number;
  #seq = 0;

  constructor(opts: { link: ReplicatorLink; logger: Logger; retryMs: number }) {
    this.#link = opts.link;
    this.#log = opts.logger;
    this.#retryMs = opts.retryMs;
  }

  /** This node's sequence number (of its last published delta). */
  get seq(): number {
    return this.#seq;
  }

  /** Adds a table; returns the function that publishes this node's changes to it. */
  register<D, S>(table: ReplicaTable<D, S>): (delta: D) => void {
    if (this.#tables.has(table.name)) throw new Error(`replicated table ${table.name} registered twice`);
    this.#tables.set(table.name, table as ReplicaTable);
    return (delta) => {
      // The number is used even when the bus drops the message: receivers then see the gap.
      this.#link.publishDelta(++this.#seq, table.name, delta);
    };
  }

  /** This node's snapshot, for {@link SNAPSHOT_METHOD}. */
  snapshot(): SnapshotReply {
    const t: Record<string, unknown> = {};
    for (const [name, table] of this.#tables) t[name] = table.local();
    return { q: this.#seq, t };
  }

  /** A delta from `node`. */
  delta(node: string, seq: number, tableName: string, delta: unknown): void {
    const state = this.#nodes.get(node);
    if (state === undefined) {
      this.sync(node);
      return;
    }
    if (state.syncing) return;
    if (seq !== state.seq + 1) {
      this.#log.info(
        { node, expected: state.seq + 1, got: seq },
        "cluster: gap in a node's changes, resynchronising",
      );
      this.sync(node);
      return;
    }
    state.seq = seq;
    const table = this.#tables.get(tableName);
    if (table === undefined) {
      this.#link.refused(`unknown replicated table ${tableName}`);
      return;
    }
    const parsed = table.delta.safeParse(delta);
    if (!parsed.success) {
      this.#link.refused(`bad delta for ${tableName}: ${parsed.error.issues[0]?.message}`);
      return;
    }
    table.apply(node, parsed.data);
  }

  /** `node` announced its sequence number (a heartbeat): a mismatch means changes were lost. */
  check(node: string, seq: number): void {
    const state = this.#nodes.get(node);
    if (state === undefined || (!state.syncing && state.seq !== seq)) this.sync(node);
  }

  /** Loads `node`'s snapshot (again), retrying while it is live. */
  sync(node: string): void {
    let state = this.#nodes.get(node);
    if (state === undefined) {
      state = { seq: 0, syncing: false, generation: 0 };
      this.#nodes.set(node, state);
    }
    state.syncing = true;
    const generation = ++state.generation;
    this.#link.requestSnapshot(node).then(
      (reply) => {
        if (!this.#loaded(node, generation, reply)) this.#retry(node, generation, 'bad snapshot');
      },
      (err: unknown) => this.#retry(node, generation, (err as Error).message),
    );
  }

  #retry(node: string, generation: number, why: string): void {
    if (this.#nodes.get(node)?.generation !== generation || !this.#link.isLive(node)) return;
    this.#log.warn({ node, err: why }, 'cluster: snapshot request failed, retrying');
    setTimeout(() => {
      if (this.#nodes.get(node)?.generation === generation && this.#link.isLive(node)) this.sync(node);
    }, this.#retryMs).unref();
  }

  /** `node` has left: forget it and everything it owned. */
  drop(node: string): void {
    this.#nodes.delete(node);
    for (const table of this.#tables.values()) {
      try {
        table.drop(node);
      } catch (err) {
        this.#log.error({ err, node, table: table.name }, 'cluster: dropping a node failed');
      }
    }
  }

  /** Applies a snapshot answer; false when it was refused (the caller retries). */
  #loaded(node: string, generation: number, reply: unknown): boolean {
    const state = this.#nodes.get(node);
    if (state?.generation !== generation) return true;
    const parsed = SnapshotReply.safeParse(reply);
    if (!parsed.success) {
      this.#link.refused(`bad snapshot from ${node}`);
      return false;
    }
    for (const table of this.#tables.values()) {
      const body = parsed.data.t[table.name];
      const snapshot = body === undefined ? undefined : table.snapshot.safeParse(body);
      try {
        if (snapshot?.success) table.load(node, snapshot.data);
        else {
          if (body !== undefined) this.#link.refused(`bad snapshot of ${table.name} from ${node}`);
          table.drop(node);
        }
      } catch (err) {
        this.#log.error({ err, node, table: table.name }, 'cluster: loading a snapshot failed');
      }
    }
    state.seq = parsed.data.q;
    state.syncing = false;
    this.#log.debug({ node, seq: state.seq }, 'cluster: node state loaded');
    return true;
  }
}
