/**
 * The console's extension points. A feature adds its console section as a page module (a
 * {@link ConsolePage}, listed in `sections.ts`) and, when it has something to show per user, an
 * {@link AccountPanel} (listed in `account-panels.ts`). Their data comes from the routes the feature
 * declares as `consoleRoutes` on the server (docs/console.md).
 */
import type { ComponentType } from 'preact';

/** A page of the console: one entry in the navigation, shown at `#/<id>/<params...>`. */
export interface ConsolePage {
  /** The route's first segment, e.g. `accounts`. */
  readonly id: string;
  /** The navigation label and page heading. */
  readonly title: string;
  readonly component: ComponentType<{ params: readonly string[] }>;
}

/** A panel of the account page (live sessions, notifications, ...), given the user's id. */
export interface AccountPanel {
  readonly id: string;
  readonly title: string;
  readonly component: ComponentType<{ userId: string }>;
}
