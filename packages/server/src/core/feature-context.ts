import type { Logger } from 'pino';
import type { TetherConfig } from '../config/config.ts';
import type { Db } from '../db/db.ts';
import type { MessageRouter } from '../presence/message-router.ts';
import type { Tracker } from '../presence/tracker.ts';
import type { SessionEvents } from '../session/lifecycle.ts';
import type { SessionRegistry } from '../session/registry.ts';
import type { SessionVerifier } from '../session/verifier.ts';
import type { Clock } from '../shared/clock.ts';

/**
 * What every feature is built from. The composition root makes one and hands it to each feature's
 * `register…` function; features never construct these themselves, and never see the HTTP server,
 * the socket endpoints or the runtime.
 */
export interface FeatureContext {
  readonly config: TetherConfig;
  readonly logger: Logger;
  readonly clock: Clock;
  /**
   * The server's database, for transactions across stores (`db.tx`) and pushes after the commit
   * (`db.afterCommit`). Features get their own stores through their `register…` dependencies.
   */
  readonly db: Db;
  /** Who is on which stream. */
  readonly tracker: Tracker;
  /** Fan-out (encode once per broadcast). */
  readonly router: MessageRouter;
  /** Connected sessions on this node. */
  readonly sessions: SessionRegistry;
  /** Session opens and closes, for per-session state. */
  readonly sessionEvents: SessionEvents;
  /** Session token checks for HTTP routes (`Authorization: Bearer`). */
  readonly verifier: SessionVerifier;
}
