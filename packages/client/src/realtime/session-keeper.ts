import { TetherApiError } from './api-error.ts';
import type { SessionSource } from './options.ts';
import type { Session } from './session.ts';

/** How a refresh before a connection attempt ended. */
export type RefreshOutcome =
  | { readonly ok: true; readonly session: Session }
  /** `refused`: the server answered 401 (log in again); otherwise a network or server failure. */
  | { readonly ok: false; readonly refused: boolean; readonly detail: string };

/**
 * The session a realtime connection authenticates with, and whether it is refreshed before a
 * connection attempt: when it expires within `refreshBeforeExpiryMs`, or after the server refused its
 * token (close 4001, or an unauthorized upgrade). Only a session with a refresh token is refreshed.
 */
export class SessionKeeper {
  readonly #source: SessionSource;
  readonly #refreshBeforeExpiryMs: number;
  #session: Session;
  #forceRefresh = false;
  #refreshedThisAttempt = false;

  /**
   * @param source - exchanges the refresh token (a `TetherClient`)
   * @param session - the session to start with
   * @param refreshBeforeExpiryMs - how long before its expiry a session is refreshed
   */
  constructor(source: SessionSource, session: Session, refreshBeforeExpiryMs: number) {
    this.#source = source;
    this.#session = session;
    this.#refreshBeforeExpiryMs = refreshBeforeExpiryMs;
  }

  /** The current session; after a refresh, the refreshed one. */
  get session(): Session {
    return this.#session;
  }

  /** Whether the session can be refreshed (it has a refresh token). */
  get canRefresh(): boolean {
    return this.#session.refreshToken !== '';
  }

  /** Whether the current attempt already refreshed the session (a second refusal is final). */
  get refreshedThisAttempt(): boolean {
    return this.#refreshedThisAttempt;
  }

  /** The server refused the token: refresh before the next attempt. */
  tokenRefused(): void {
    this.#forceRefresh = true;
  }

  /** Forgets a pending forced refresh (the connection closed for good). */
  reset(): void {
    this.#forceRefresh = false;
  }

  /** Starts a connection attempt; true when the session must be refreshed before it. */
  beginAttempt(now: number): boolean {
    this.#refreshedThisAttempt = false;
    return (
      this.canRefresh && (this.#forceRefresh || this.#session.isExpired(now + this.#refreshBeforeExpiryMs))
    );
  }

  /** Exchanges the refresh token; the new session is used once {@link adopt}ed. Never rejects. */
  async refresh(): Promise<RefreshOutcome> {
    try {
      return { ok: true, session: await this.#source.sessionRefresh(this.#session) };
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      return { ok: false, refused: err instanceof TetherApiError && err.unauthenticated, detail };
    }
  }

  /** Uses a refreshed session from now on. */
  adopt(session: Session): void {
    this.#session = session;
    this.#forceRefresh = false;
    this.#refreshedThisAttempt = true;
  }
}
