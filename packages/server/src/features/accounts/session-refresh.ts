import { DomainError, ErrorKind, invalid } from '../../shared/domain-error.ts';
import { assertNotBanned, notFound } from './account-errors.ts';
import type { AuthThrottle } from './auth/rate-limiter.ts';
import type { IssuedTokens, SessionAuth } from './auth/session-auth.ts';
import type { SessionClaims } from './auth/tokens.ts';
import type { AccountStore, UserRecord } from './store/account-store.ts';
import { checkVars } from './validation.ts';

/** What {@link refreshSession} reads: the user's current record, the tokens, the address limits. */
export interface SessionRefreshDeps {
  readonly store: Pick<AccountStore, 'getUser'>;
  readonly sessions: SessionAuth;
  readonly throttle: AuthThrottle;
}

/**
 * `POST /v2/account/session/refresh` (through `AccountService.refreshSession`, which times it): new
 * tokens for the session of a valid, unrevoked refresh token, carrying the user's current username.
 * A bad refresh token counts as a failed authentication of the address. A banned user's token is
 * refused with PERMISSION_DENIED "User account banned." (checked before revocation: the ban revoked
 * it too, but "banned" says why).
 */
export async function refreshSession(
  deps: SessionRefreshDeps,
  refreshToken: string | undefined,
  varsIn: Record<string, string> | undefined,
  address: string,
): Promise<IssuedTokens> {
  if (!refreshToken) throw invalid('Refresh token is required.');
  const vars = checkVars(varsIn);
  // Checked, not reserved: a refresh token's check is a cheap HMAC, not a password hash, so a burst
  // of bad ones costs little, while reserving would refuse many players' honest refreshes that
  // share one address (a venue, a carrier's NAT) whenever more than the limit are in flight.
  deps.throttle.check(address);
  // A holder rather than a `let`: TypeScript does not see assignments made inside the callback.
  const found: { user?: UserRecord | null } = {};
  let claims: SessionClaims;
  try {
    claims = await deps.sessions.verifyRefreshToken(refreshToken, async (c) => {
      found.user = await deps.store.getUser(c.uid);
      if (found.user) assertNotBanned(found.user);
    });
  } catch (err) {
    // A forged, expired or revoked token is a failed authentication; a banned user's real one is not.
    if (err instanceof DomainError && err.kind === ErrorKind.UNAUTHENTICATED) deps.throttle.fail(address);
    throw err;
  }
  if (!found.user) throw notFound();
  return deps.sessions.reissue(claims, found.user.username, Object.keys(vars).length > 0 ? vars : undefined);
}
