/**
 * The policies that close realtime sessions for reasons outside the connection itself: revocation
 * (logout, ban), `single_socket` replacement and token expiry. The session lifecycle
 * (`SessionLifecycle`) opens and cleans up sessions; these decide when one must go and tell it why.
 *
 * @packageDocumentation
 */
import {
  CloseCode,
  CloseReason,
  formatTimestamp,
  NotificationCode,
  type Notifications,
} from '@tether/protocol';
import type { Logger } from 'pino';
import { OutboundMessage } from '../presence/outbound.ts';
import type { Session } from '../session/session.ts';
import { RevocationCause, type RevocationEvent } from '../session/verifier.ts';
import { newUuid } from '../shared/ids.ts';
import type { CheckedToken, RecentRevocations, RevocationMark } from './recent-revocations.ts';

/** Largest delay `setTimeout` accepts; longer waits are re-armed. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A live-only system notification telling a socket why it is about to close: content `{}`, no
 * sender, not stored (Nakama's form). Built here so that the socket layer does not depend on the
 * notification feature. One message serves every socket it is sent to (encoded once).
 */
export function closeNotice(subject: string, code: NotificationCode, nowMs: number): OutboundMessage {
  const notice: Notifications = {
    notifications: [{ id: newUuid(), subject, content: '{}', code, create_time: formatTimestamp(nowMs) }],
  };
  return new OutboundMessage({ notifications: notice });
}

/**
 * Closes the sessions a revocation covers among `sessions` (a user's): one session's sockets
 * (`tokenId`), or every socket of the user (`tokenId: null`). A logout closes them with 4002 and a
 * reason; a ban first sends each a `banned` notification (code -8, live only, as Nakama does), then
 * closes it with 4004; an account deletion closes them with 4005 (Nakama just disconnects them, with
 * no notification). Returns how many it closed.
 */
export function closeRevoked(sessions: Iterable<Session>, event: RevocationEvent, nowMs: number): number {
  const notice =
    event.cause === RevocationCause.BAN
      ? closeNotice('banned', NotificationCode.USER_BANNED, nowMs)
      : undefined;
  let closed = 0;
  for (const session of sessions) {
    if (event.tokenId !== null && session.identity.tokenId !== event.tokenId) continue;
    if (notice) {
      // A held session (no connection) is closed at once: a notice to it could never be read, and
      // keeping it could overflow its resume buffer and release it as an overflow instead.
      if (!session.detached) session.deliver(notice);
      session.close(CloseCode.BANNED, CloseReason.BANNED);
    } else if (event.cause === RevocationCause.DELETE) {
      session.close(CloseCode.ACCOUNT_DELETED, CloseReason.ACCOUNT_DELETED);
    } else {
      const reason = event.tokenId === null ? CloseReason.LOGGED_OUT_EVERYWHERE : CloseReason.LOGGED_OUT;
      session.close(CloseCode.SESSION_REVOKED, reason);
    }
    closed++;
  }
  return closed;
}

/**
 * Closes `session` if a revocation recorded in `revocations` after its token check began
 * (`checked.mark`) covers its token (the revocation's "close every socket" step ran before the
 * session existed): with the revocation's own code and reason. When the record no longer reaches
 * back that far, closes it with 1013 so the client reconnects and is checked again. Returns whether
 * the session is closed (it may have closed already).
 */
export function closeIfRevokedSince(
  session: Session,
  checked: { readonly mark: RevocationMark; readonly issuedAt: number },
  deps: { readonly revocations: RecentRevocations; readonly now: () => number; readonly log: Logger },
): boolean {
  if (session.closed) return true;
  const token: CheckedToken = {
    userId: session.userId,
    tokenId: session.identity.tokenId,
    issuedAt: checked.issuedAt,
  };
  const event = deps.revocations.revokedSince(checked.mark, token);
  if (event === undefined) return false;
  deps.log.info(
    { sessionId: session.id, userId: session.userId },
    'session revoked while its token was checked',
  );
  if (event === 'unknown') session.close(CloseCode.TRY_AGAIN_LATER, CloseReason.REVOCATION_UNKNOWN);
  else closeRevoked([session], event, deps.now());
  return true;
}

/** `single_socket`: the user's other sessions are told why (notification -7), then closed with 4003. */
export function replaceOlderSessions(
  newer: Session | undefined,
  userSessions: Iterable<Session>,
  nowMs: number,
): void {
  const notice = closeNotice('single_socket', NotificationCode.SINGLE_SOCKET, nowMs);
  for (const other of userSessions) {
    if (other === newer) continue;
    // Not to a held session: it is closed at once and could never read it (see closeRevoked).
    if (!other.detached) other.deliver(notice);
    other.close(CloseCode.REPLACED, CloseReason.REPLACED);
  }
}

/**
 * `single_socket` across nodes: of `userSessions` (one user's, on this node), closes those opened
 * before `newer` (a session of the same user on another node) with the same notice and code as
 * {@link replaceOlderSessions}. Ties on the opening time go to the larger session id, so two sessions
 * opened at the same millisecond on two nodes never close each other. Returns how many it closed.
 */
export function replaceSessionsOlderThan(
  newer: { readonly id: string; readonly connectedAt: number },
  userSessions: Iterable<Session>,
  nowMs: number,
): number {
  const older = [...userSessions].filter(
    (s) =>
      s.id !== newer.id &&
      (s.connectedAt < newer.connectedAt || (s.connectedAt === newer.connectedAt && s.id < newer.id)),
  );
  if (older.length === 0) return 0;
  replaceOlderSessions(undefined, older, nowMs);
  return older.length;
}

/**
 * Closes `session` with 4001 "token expired" once `expiresAtMs` has passed (re-arming for waits
 * longer than a timer allows). Returns the cancel function; the timer does not keep the process alive.
 */
export function closeAtTokenExpiry(session: Session, expiresAtMs: number, now: () => number): () => void {
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    timer = setTimeout(
      () => {
        if (session.closed) return;
        if (expiresAtMs > now()) arm();
        else session.close(CloseCode.TOKEN_EXPIRED, CloseReason.TOKEN_EXPIRED);
      },
      Math.min(Math.max(0, expiresAtMs - now()), MAX_TIMER_MS),
    ).unref();
  };
  arm();
  return () => clearTimeout(timer);
}
