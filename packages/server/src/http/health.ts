import type { HttpRouter } from './router.ts';

/** What the health check reports of the cluster (cluster mode only). */
export interface ClusterHealthView {
  readonly degraded: boolean;
  readonly reason?: string;
  readonly nodes: readonly string[];
}

/**
 * `GET /healthcheck`: 200 `{}` once the server accepts requests (Nakama answers the same way). In
 * cluster mode the body also says `cluster: {degraded, nodes}`; while Redis is unreachable it is
 * still 200 (the node serves its own sessions, and a load balancer taking every node out at once
 * would serve no one) with `degraded: true` and the reason.
 */
export function registerHealthRoutes(
  router: HttpRouter,
  isReady: () => boolean,
  cluster: () => ClusterHealthView | undefined = () => undefined,
): void {
  router.on('GET', '/healthcheck', () => {
    if (!isReady()) return { status: 503, body: { code: 14, message: 'Starting' } };
    const c = cluster();
    if (c === undefined) return { body: {} };
    const view: Record<string, unknown> = { degraded: c.degraded, nodes: [...c.nodes] };
    if (c.reason !== undefined) view.reason = c.reason;
    return { body: { cluster: view } };
  });
}
