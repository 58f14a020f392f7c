/**
 * The realtime core the composition root builds on: the tracker, the message router and the peers,
 * either this node's own (single node) or, with `--cluster`, the replicated tracker and the cluster
 * router over Redis (docs/cluster.md). Part of the composition root: the one place that chooses.
 *
 * @packageDocumentation
 */
import type { Logger } from 'pino';
import type { ClusterHealth } from './cluster/cluster-node.ts';
import { LocalPeers, type Peers } from './cluster/peers.ts';
import type { RedisCluster } from './cluster/redis/redis-cluster.ts';
import type { TetherConfig } from './config/config.ts';
import type { Shutdown } from './core/shutdown.ts';
import type { MatchmakerCoordinator } from './features/matchmaker/matchmaker-service.ts';
import { LocalMessageRouter, type MessageRouter, type SessionLookup } from './presence/message-router.ts';
import { LocalTracker, type Tracker } from './presence/tracker.ts';
import type { SessionVerifier } from './session/verifier.ts';
import { shareSessionPolicies } from './socket/cluster-policies.ts';
import type { SessionLifecycle } from './socket/session-lifecycle.ts';

/** The realtime core of a node. */
export interface RealtimeCore {
  readonly tracker: Tracker;
  readonly router: MessageRouter;
  /** Other nodes (none for a single node). */
  readonly peers: Peers;
  /** The matchmaker's coordinator in a cluster (a Redis lease and claims); undefined: this node alone. */
  readonly coordinator: MatchmakerCoordinator | undefined;
  /** The cluster as the server reports it (health); undefined for a single node. */
  readonly cluster: { readonly node: string; health(): ClusterHealth } | undefined;
  /**
   * Once every feature has registered its replicated tables and methods: shares revocations and
   * `single_socket` with every node, joins the cluster (rejecting when another live node holds this
   * name) and registers the shutdown steps. Resolves to the verifier the socket endpoints must use
   * (revocations of every node). A single node resolves to `verifier` itself.
   */
  join(deps: {
    lifecycle: SessionLifecycle;
    verifier: SessionVerifier;
    shutdown: Shutdown;
  }): Promise<SessionVerifier>;
}

/** Builds the core; in cluster mode nothing connects until {@link RealtimeCore.join}. */
export async function realtimeCore(
  config: TetherConfig,
  logger: Logger,
  sessions: SessionLookup,
): Promise<RealtimeCore> {
  if (config.cluster === undefined) {
    const tracker = new LocalTracker({ node: config.node });
    return {
      tracker,
      router: new LocalMessageRouter({ node: config.node, tracker, sessions }),
      peers: new LocalPeers(config.node),
      coordinator: undefined,
      cluster: undefined,
      join: async ({ verifier }) => verifier,
    };
  }
  // ioredis is loaded only in cluster mode.
  const { redisClusterNode } = await import('./cluster/redis/redis-cluster.ts');
  const redis: RedisCluster = redisClusterNode({ ...config, cluster: config.cluster }, logger);
  const node = redis.node;
  const tracker = node.tracker(sessions);
  // One pool for every node: the node holding the lease runs the intervals, claiming each group.
  const lease = redis.lease('matchmaker');
  return {
    tracker,
    router: node.router(tracker, sessions),
    peers: node.peers,
    coordinator: { isLeader: () => lease.held, claim: (groups) => redis.claim('mm', groups) },
    cluster: { node: node.node, health: () => node.health() },
    async join({ lifecycle, verifier, shutdown }) {
      const policies = shareSessionPolicies({ peers: node.peers, verifier, lifecycle, logger });
      await node.join();
      lease.start();
      shutdown.on('background', 'matchmaker lease', () => lease.stop());
      // Last of the features phase: sessions are closed by then, their leaves published.
      shutdown.on('features', 'cluster', async () => {
        policies.close();
        await node.close();
      });
      return policies.verifier;
    },
  };
}
