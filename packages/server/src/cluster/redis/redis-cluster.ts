/**
 * A cluster node on Redis: what the composition root loads (with `import()`, so ioredis is loaded
 * only in cluster mode) for `--cluster redis://…`.
 *
 * @packageDocumentation
 */
import type { Logger } from 'pino';
import { ClusterNode } from '../cluster-node.ts';
import { claimGroups, RedisLease } from './redis-coordination.ts';
import { RedisDirectory } from './redis-directory.ts';
import { RedisTransport } from './redis-transport.ts';

/** Settings of a Redis-backed node (the `cluster*` settings of the configuration). */
export interface RedisClusterSettings {
  readonly node: string;
  /** `redis://` URL. */
  readonly cluster: string;
  readonly clusterPrefix: string;
  readonly clusterHeartbeatMs: number;
  readonly clusterNodeTimeoutMs: number;
  readonly clusterRequestTimeoutMs: number;
  readonly clusterBusFlushMs: number;
}

/** How long a claim on a matched ticket lasts: far longer than removing it from every node takes. */
const CLAIM_TTL_MS = 60_000;

/** A node on Redis, and the Redis-backed coordination its matchmaker uses. */
export interface RedisCluster {
  readonly node: ClusterNode;
  /** A lease of this name, held by one node at a time (lapses a node timeout after its holder died). */
  lease(name: string): RedisLease;
  /** Claims each group's ids under `scope`, all or none per group; resolves which were claimed. */
  claim(scope: string, groups: readonly (readonly string[])[]): Promise<boolean[]>;
}

/** Builds (without connecting) this node's membership of the cluster at `settings.cluster`. */
export function redisClusterNode(settings: RedisClusterSettings, logger: Logger): RedisCluster {
  const transport = new RedisTransport({ url: settings.cluster, prefix: settings.clusterPrefix, logger });
  const node = new ClusterNode({
    node: settings.node,
    transport,
    directory: (incarnation) =>
      new RedisDirectory({
        redis: transport.commands,
        names: transport.names,
        node: settings.node,
        incarnation,
        heartbeatMs: settings.clusterHeartbeatMs,
        nodeTimeoutMs: settings.clusterNodeTimeoutMs,
      }),
    logger,
    heartbeatMs: settings.clusterHeartbeatMs,
    nodeTimeoutMs: settings.clusterNodeTimeoutMs,
    requestTimeoutMs: settings.clusterRequestTimeoutMs,
    busFlushMs: settings.clusterBusFlushMs,
  });
  return {
    node,
    lease: (name) =>
      new RedisLease({
        redis: transport.commands,
        names: transport.names,
        name,
        holder: `${settings.node}/${node.incarnation}`,
        ttlMs: settings.clusterNodeTimeoutMs,
        renewMs: settings.clusterHeartbeatMs,
        logger,
      }),
    claim: (scope, groups) => claimGroups(transport.commands, transport.names, scope, groups, CLAIM_TTL_MS),
  };
}
