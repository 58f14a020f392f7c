/**
 * What the socket and HTTP layers need from session authentication, as an interface: the accounts
 * feature implements it (`SessionAuth`), the composition root passes it down, and nothing below the
 * features depends on how tokens are signed or revocations stored.
 *
 * @packageDocumentation
 */

/** What {@link SessionVerifier.verifySessionToken} returns for a valid, unrevoked session token. */
export interface VerifiedSession {
  readonly userId: string;
  /** Username when the token was issued (it may have changed since). */
  readonly username: string;
  /** The session's token id (`tid`): shared by its session and refresh tokens, stable across refreshes. */
  readonly tokenId: string;
  /** Unix seconds at which this token expires. */
  readonly expiresAt: number;
  /** Unix seconds at which the session started. */
  readonly issuedAt: number;
  readonly vars: Readonly<Record<string, string>>;
}

/** Why sessions were revoked; the socket layer closes their sockets differently for each. */
export const RevocationCause = {
  /** `POST /v2/session/logout`, with tokens or without ("log out everywhere"). */
  LOGOUT: 'logout',
  /** The user was banned (`AccountService.ban`): every session, and the sockets are told why. */
  BAN: 'ban',
  /** The account was deleted (`AccountDeletion.deleteAccount`): every session, sockets closed with 4005. */
  DELETE: 'delete',
} as const;
export type RevocationCause = (typeof RevocationCause)[keyof typeof RevocationCause];

/**
 * A revocation that just took effect. `tokenId` names one session (its session and refresh tokens);
 * `null` means every session of the user that had started by then. The socket layer subscribes to
 * close the matching sockets (`SessionLifecycle.closeRevoked`).
 */
export interface RevocationEvent {
  readonly userId: string;
  readonly tokenId: string | null;
  readonly cause: RevocationCause;
}

/** Receives {@link RevocationEvent}s. */
export type RevocationListener = (event: RevocationEvent) => void;

/** Checks session tokens and reports revocations (implemented by the accounts feature). */
export interface SessionVerifier {
  /** Verifies a session token (signature, expiry, revocation); throws an UNAUTHENTICATED error otherwise. */
  verifySessionToken(token: string): Promise<VerifiedSession>;
  /** Subscribes to revocations (logout, ban, deletion), to close the sockets they cover. Returns the unsubscribe function. */
  onRevoked(listener: RevocationListener): () => void;
}
