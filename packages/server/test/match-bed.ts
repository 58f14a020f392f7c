/**
 * A match engine on a real tracker and router with recording sessions and a manual tick scheduler:
 * the unit-test bed of `src/realtime/match/`. No sockets, no storage.
 */

import type { Match } from '@tether/protocol';
import { LocalPeers } from '../src/cluster/peers.ts';
import type { MatchHandler } from '../src/features/match/match-handler.ts';
import { MatchListings } from '../src/features/match/match-listings.ts';
import { MatchRegistry } from '../src/features/match/match-registry.ts';
import { RemoteMatches } from '../src/features/match/match-remote.ts';
import { MatchService } from '../src/features/match/match-service.ts';
import { MatchTokens } from '../src/features/match/match-token.ts';
import { ManualTickScheduler } from '../src/features/match/tick-scheduler.ts';
import { createLogger } from '../src/observability/logger.ts';
import { LocalMessageRouter } from '../src/presence/message-router.ts';
import { StreamMode } from '../src/presence/stream.ts';
import { LocalTracker } from '../src/presence/tracker.ts';
import { ManualClock } from '../src/shared/clock.ts';
import { newUuid } from '../src/shared/ids.ts';
import { RecordingSession } from './realtime-testbed.ts';

export { nextTurn, RecordingSession } from './realtime-testbed.ts';

/** Options of {@link matchBed}. */
export interface MatchBedOptions {
  inputQueueSize?: number;
  maxDataBytes?: number;
}

/** Builds the bed; `handlers` are registered by name. */
export function matchBed(handlers: Record<string, object> = {}, options: MatchBedOptions = {}) {
  const tracker = new LocalTracker({ node: 'test-node' });
  const sessions = new Map<string, RecordingSession>();
  const router = new LocalMessageRouter({ node: 'test-node', tracker, sessions });
  const scheduler = new ManualTickScheduler();
  const clock = new ManualClock();
  const registry = new MatchRegistry({
    tracker,
    router,
    clock,
    scheduler,
    logger: createLogger(process.env.TETHER_TEST_LOG ?? 'silent'),
    node: 'tether',
    limits: { inputQueueSize: options.inputQueueSize ?? 128, deferredQueueSize: 4 },
  });
  for (const [name, handler] of Object.entries(handlers))
    registry.registerHandler(name, handler as MatchHandler);
  const tokens = new MatchTokens({ key: 'test-key', clock });
  // A single node: no other node's matches to reach.
  const peers = new LocalPeers('tether');
  const listings = new MatchListings(registry, (table) => peers.replicate(table));
  const remote = new RemoteMatches({
    peers,
    tracker,
    router,
    registry,
    listings,
    sessions: { all: () => sessions.values() },
  });
  const service = new MatchService({
    tracker,
    router,
    registry,
    tokens,
    remote,
    maxDataBytes: options.maxDataBytes ?? 1024,
  });
  for (const mode of [StreamMode.MATCH_RELAYED, StreamMode.MATCH_AUTHORITATIVE]) {
    tracker.onEvents(mode, (events) => service.publishPresenceEvents(events));
  }
  let n = 0;
  return {
    tracker,
    router,
    scheduler,
    clock,
    registry,
    tokens,
    service,
    /** `service.join` of a match of this node (which answers at once). */
    join(...args: Parameters<MatchService['join']>): Match {
      const reply = service.join(...args);
      if (reply instanceof Promise) throw new Error('a match of this node answered with a promise');
      return reply;
    },
    /** A connected session of a new user. */
    session(username = `player${++n}`): RecordingSession {
      const s = new RecordingSession(newUuid(), username);
      sessions.set(s.id, s);
      return s;
    },
    /** Simulates a disconnect: the session leaves every stream. */
    disconnect(s: RecordingSession): void {
      sessions.delete(s.id);
      tracker.untrackAll(s.id);
    },
  };
}

/** The `match_data` pushes a session received, decoded. */
export function matchData(
  s: RecordingSession,
): { op_code: string; data?: string; presence?: { session_id: string } }[] {
  return s.pushes('match_data') as never;
}

/** The `match_presence_event` pushes a session received. */
export function presenceEvents(
  s: RecordingSession,
): { match_id: string; joins?: { session_id: string }[]; leaves?: { session_id: string }[] }[] {
  return s.pushes('match_presence_event') as never;
}
