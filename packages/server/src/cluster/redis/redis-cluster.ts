/**
 * A cluster node on Redis: what the composition root loads (with `import()`, so ioredis is loaded
 * only in cluster mode) for `--cluster redis://…`.
 *
 * @packageDocumentation
 */
import type { Logger } from 'pino';
import { ClusterNode } from '../cluster-node.ts';
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
}

/** Builds (without connecting) this node's membership of the cluster at `settings.cluster`. */
export function redisClusterNode(settings: RedisClusterSettings, logger: Logger): ClusterNode {
  const transport = new RedisTransport({ url: settings.cluster, prefix: settings.clusterPrefix, logger });
  return new ClusterNode({
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
    requestTimeoutMs: settings.clusterRequestTimeoutMs,
  });
}
