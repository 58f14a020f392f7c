import type { FeatureParts } from '../../core/feature.ts';
import type { FeatureContext } from '../../core/feature-context.ts';
import { TrackedSessions } from '../../presence/tracked-sessions.ts';
import { StreamService } from './stream-service.ts';

/** Custom streams as the composition root holds them (server code only: no socket messages). */
export interface StreamsFeature extends FeatureParts {
  readonly streams: StreamService;
}

/** Builds custom streams for server code (`nk.stream*`): join, leave, list, send, presence events. */
export function registerStreams(ctx: FeatureContext): StreamsFeature {
  // Sessions of every node (tracked on their notification streams), so server code can act on a
  // session connected elsewhere in a cluster.
  const sessions = new TrackedSessions(ctx.tracker);
  const streams = new StreamService({ tracker: ctx.tracker, router: ctx.router, sessions });
  return {
    streams,
    async close() {
      streams.dispose();
    },
  };
}
