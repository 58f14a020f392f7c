/**
 * The node directory: which nodes are live, under which incarnation.
 *
 * @packageDocumentation
 */

/** A node's name and the random id of its current process. */
export interface NodeRecord {
  readonly node: string;
  readonly incarnation: string;
}

/**
 * Where nodes announce themselves. Every node refreshes its entry every heartbeat; an entry not
 * refreshed within the node timeout expires, which is how the others learn that a node died.
 */
export interface Directory {
  /**
   * Adds this node. Rejects with {@link NodeNameTakenError} when another live process holds the name;
   * waits out the entry of a dead process of the same name (a restart after `kill -9`) instead.
   */
  register(): Promise<void>;
  /**
   * Refreshes this node's entry (re-adding it after an outage). Resolves false when another process
   * now holds the name; rejects when the directory is unreachable.
   */
  heartbeat(): Promise<boolean>;
  /** Live nodes and their incarnations, this one included. */
  live(): Promise<Map<string, string>>;
  /** A node's incarnation if it is live. */
  incarnationOf(node: string): Promise<string | undefined>;
  /** Removes this node's entry (clean shutdown). */
  unregister(): Promise<void>;
}

/** Refusal to start a node whose name is live in the cluster. */
export class NodeNameTakenError extends Error {
  override readonly name = 'NodeNameTakenError';
  readonly node: string;

  constructor(node: string) {
    super(
      `node name '${node}' is already live in the cluster (another process is heartbeating under it): ` +
        'give this node another --node name, or stop the other one first',
    );
    this.node = node;
  }
}
