/**
 * A cluster of nodes in one process over {@link MemoryHub} and {@link MemoryDirectoryStore}, for tests
 * of the cluster's logic (replication, routing, calls) without Redis. Sessions are fake handles that
 * record what they receive.
 *
 * @packageDocumentation
 */
import { createLogger } from '../../observability/logger.ts';
import type { OutboundMessage } from '../../presence/outbound.ts';
import type { SessionHandle } from '../../presence/types.ts';
import { ClusterNode } from '../cluster-node.ts';
import type { ClusterRouter } from '../cluster-router.ts';
import type { ReplicatedTracker } from '../replicated-tracker.ts';
import { MemoryDirectory, MemoryDirectoryStore } from './memory-directory.ts';
import { MemoryHub, type MemoryTransport } from './memory-transport.ts';

/** A fake session: it records the text of every message delivered to it. */
export interface RecordingSession extends SessionHandle {
  readonly got: string[];
}

/** One node of a {@link MemoryCluster}. */
export interface MemoryNode {
  readonly name: string;
  readonly cluster: ClusterNode;
  readonly transport: MemoryTransport;
  readonly directory: MemoryDirectory;
  readonly sessions: Map<string, RecordingSession>;
  readonly tracker: ReplicatedTracker;
  readonly router: ClusterRouter;
  /** Adds a connected session to this node. */
  connect(id: string, userId?: string): RecordingSession;
}

/** Nodes sharing one hub and one directory. */
export class MemoryCluster {
  readonly hub = new MemoryHub();
  readonly store = new MemoryDirectoryStore();
  readonly nodes: MemoryNode[] = [];
  readonly #heartbeatMs: number;
  readonly #timeoutMs: number;

  constructor(opts: { heartbeatMs?: number; nodeTimeoutMs?: number } = {}) {
    this.#heartbeatMs = opts.heartbeatMs ?? 50;
    // Long enough that a loaded test machine (event loops stalled for a while) does not lose nodes.
    this.#timeoutMs = opts.nodeTimeoutMs ?? 1000;
  }

  /** Starts a node and joins it. */
  async add(name: string): Promise<MemoryNode> {
    const transport = this.hub.transport();
    let directory: MemoryDirectory | undefined;
    const cluster = new ClusterNode({
      node: name,
      transport,
      directory: (incarnation) => {
        directory = new MemoryDirectory(this.store, name, incarnation, this.#timeoutMs);
        return directory;
      },
      logger: createLogger(process.env.TETHER_TEST_LOG ?? 'silent'),
      heartbeatMs: this.#heartbeatMs,
      requestTimeoutMs: 2000,
    });
    const sessions = new Map<string, RecordingSession>();
    const tracker = cluster.tracker(sessions);
    const router = cluster.router(tracker, sessions);
    await cluster.join();
    const node: MemoryNode = {
      name,
      cluster,
      transport,
      directory: directory!,
      sessions,
      tracker,
      router,
      connect(id, userId = `u-${id}`) {
        const got: string[] = [];
        const session: RecordingSession = {
          id,
          userId,
          username: `name-${id}`,
          got,
          deliver: (m: OutboundMessage) => got.push(m.text),
        };
        sessions.set(id, session);
        return session;
      },
    };
    this.nodes.push(node);
    return node;
  }

  /** Stops every node. */
  async close(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.cluster.close()));
  }
}

/**
 * Waits until `check` passes (it throws until then), polling every few milliseconds. The default
 * allows a lost or slow snapshot request (2 s timeout, then a retry after 1 s) to happen twice on a
 * loaded machine.
 */
export async function eventually(check: () => void, timeoutMs = 12_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}
