/**
 * Account-wide session policies across a cluster: a logout, a ban, an account deletion or a
 * `single_socket` connection on one node closes the sessions it covers on every node; a session
 * resumed on another node than the one holding it is released there at once.
 *
 * @packageDocumentation
 */
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Peers } from '../cluster/peers.ts';
import {
  RevocationCause,
  type RevocationEvent,
  type RevocationListener,
  type SessionVerifier,
} from '../session/verifier.ts';
import type { SessionLifecycle } from './session-lifecycle.ts';

const REVOKED = 'session.revoked';
const SINGLE_SOCKET = 'session.single';

const uuidish = z.string().min(1).max(64);
const Revoked = z.object({
  userId: uuidish,
  tokenId: uuidish.nullable(),
  cause: z.enum(Object.values(RevocationCause) as [RevocationCause, ...RevocationCause[]]),
});
const SingleSocket = z.object({ userId: uuidish, sessionId: uuidish, connectedAt: z.number().int().min(0) });
const RESUME_MISSED = 'session.resume-missed';
const ResumeMissed = z.object({ userId: uuidish, token: z.string().min(1).max(128) });

/** What {@link shareSessionPolicies} gives back. */
export interface SharedSessionPolicies {
  /**
   * The verifier the socket endpoints use: its `onRevoked` reports this node's revocations and those
   * of every other node, so each node closes its own sessions.
   */
  readonly verifier: SessionVerifier;
  /** Stops sharing (shutdown). */
  close(): void;
}

/**
 * Shares revocations and `single_socket` openings with every node. Revocations are stored in the
 * shared database before they are announced, so a node that misses the announcement (Redis away)
 * still refuses the revoked tokens; only sockets it already had open stay open until they reconnect.
 */
export function shareSessionPolicies(deps: {
  readonly peers: Peers;
  readonly verifier: SessionVerifier;
  readonly lifecycle: SessionLifecycle;
  readonly logger: Logger;
}): SharedSessionPolicies {
  const { peers, lifecycle, logger } = deps;
  const remote = new Set<RevocationListener>();
  const offLocal = deps.verifier.onRevoked((event) => peers.castAll(REVOKED, event));
  const offRevoked = peers.handle(REVOKED, Revoked, (event: RevocationEvent) => {
    for (const listener of [...remote]) listener(event);
  });
  const offOpened = lifecycle.onOpened((session, info) => {
    if (info.singleSocket) {
      peers.castAll(SINGLE_SOCKET, {
        userId: session.userId,
        sessionId: session.id,
        connectedAt: session.connectedAt,
      });
    }
  });
  const offSingle = peers.handle(SINGLE_SOCKET, SingleSocket, (m) => {
    const closed = lifecycle.replaceOlderThan(m.userId, { id: m.sessionId, connectedAt: m.connectedAt });
    if (closed > 0)
      logger.info(
        { userId: m.userId, closed },
        'single_socket: older sessions closed for a newer one on another node',
      );
  });
  // A resume this node could not serve may be for a session another node holds: it releases it now.
  const offMissed = lifecycle.resumes.onMissed((token, userId) =>
    peers.castAll(RESUME_MISSED, { userId, token }),
  );
  const offMissedRemote = peers.handle(RESUME_MISSED, ResumeMissed, (m) => {
    if (lifecycle.resumes.release(m.token, m.userId))
      logger.info({ userId: m.userId }, 'session resume: released a session resumed on another node');
  });
  const verifier: SessionVerifier = {
    verifySessionToken: (token) => deps.verifier.verifySessionToken(token),
    onRevoked(listener) {
      const offHere = deps.verifier.onRevoked(listener);
      remote.add(listener);
      return () => {
        offHere();
        remote.delete(listener);
      };
    },
  };
  return {
    verifier,
    close() {
      offLocal();
      offRevoked();
      offOpened();
      offSingle();
      offMissed();
      offMissedRemote();
    },
  };
}
