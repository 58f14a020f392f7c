import type { ApiRoute } from '../api/http-types.ts';
import type { SocketHandlers } from '../pipeline/pipeline.ts';

/**
 * What a feature plugs into the server. Its `register…` function returns these parts (next to its
 * services) and the composition root mounts them: socket handlers on the pipeline, routes on the HTTP
 * router, `close` in the feature's shutdown phase. Features never reach the pipeline or the router
 * themselves.
 */
export interface FeatureParts {
  /** Socket message handlers, by envelope message name. */
  readonly handlers?: SocketHandlers;
  /** HTTP API routes. */
  readonly routes?: readonly ApiRoute[];
  /**
   * The feature's section of the admin console: routes under `/v2/console/<feature>/...`. The
   * composition root mounts them on the console's own listener, behind the console login, and never
   * on the public router (docs/console.md).
   */
  readonly consoleRoutes?: readonly ApiRoute[];
  /** Stops the feature's background work (intervals, listeners); called once at shutdown. */
  close?(reason: string): Promise<void>;
}
