import type { FeatureParts } from '../../core/feature.ts';
import type { FeatureContext } from '../../core/feature-context.ts';
import { statusHandlers } from './status-handlers.ts';
import { StatusService, type StatusUserDirectory } from './status-service.ts';

/** The status feature as the composition root holds it. */
export interface StatusFeature extends FeatureParts {
  readonly status: StatusService;
}

/**
 * Builds online status: `status_follow`, `status_unfollow`, `status_update`, and per-session state
 * kept in step with session opens (a session follows its own user and, with `status=true`, appears
 * online) and closes (its follows end).
 */
export function registerStatus(
  ctx: FeatureContext,
  deps: { readonly users: StatusUserDirectory },
): StatusFeature {
  const status = new StatusService({ tracker: ctx.tracker, router: ctx.router, users: deps.users });
  const offOpened = ctx.sessionEvents.onOpened((session, info) =>
    status.sessionOpened(session, info.appearOnline),
  );
  const offClosed = ctx.sessionEvents.onClosed((session) => status.sessionClosed(session.id));
  return {
    status,
    handlers: statusHandlers(status),
    async close() {
      offOpened();
      offClosed();
      status.dispose();
    },
  };
}
