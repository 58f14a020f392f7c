import type { Logger } from 'pino';
import type { Db } from '../../db/db.ts';
import { type AuthMeter, NO_METERS } from '../../observability/meters.ts';
import type { Clock } from '../../shared/clock.ts';
import { DomainError, ErrorKind, invalid } from '../../shared/domain-error.ts';
import { isUuid, newUuid } from '../../shared/ids.ts';
import type { PasswordHasher } from './auth/passwords.ts';
import type { AuthAttempt, AuthThrottle } from './auth/rate-limiter.ts';
import { RevocationCause } from './auth/revocations.ts';
import type { IssuedTokens, SessionAuth, VerifiedSession } from './auth/session-auth.ts';
import type { SessionClaims } from './auth/tokens.ts';
import {
  type AccountRecord,
  type AccountStore,
  ConflictField,
  type Identity,
  type ProfileUpdate,
  StorageConflictError,
  type UserRecord,
} from './store/account-store.ts';
import {
  checkBanUserIds,
  checkCustomId,
  checkDeviceId,
  checkEmailLogin,
  checkMetadata,
  checkProfileText,
  checkUserLookup,
  checkUsername,
  checkUsernameList,
  checkVars,
  generateUsername,
} from './validation.ts';

/** Options common to every authenticate call (Nakama's `create` and `username` query parameters). */
export interface AuthenticateOptions {
  /** Create the account when it does not exist (default true). */
  readonly create?: boolean;
  /** Username for a new account; generated when absent. Ignored for an existing account. */
  readonly username?: string | undefined;
  readonly vars?: Record<string, string> | undefined;
  /** The client's address, for the failed-authentication limits. */
  readonly address: string;
}

/** The result of an authentication: tokens, and whether the account was just created. */
export interface AuthResult extends IssuedTokens {
  readonly created: boolean;
}

/** A profile change as the API receives it; `''` clears an optional field. */
export interface AccountUpdateInput {
  readonly username?: string | undefined;
  readonly displayName?: string | undefined;
  readonly avatarUrl?: string | undefined;
  readonly langTag?: string | undefined;
  readonly location?: string | undefined;
  readonly timezone?: string | undefined;
  /** A JSON object, or its JSON text. */
  readonly metadata?: unknown;
}

/** Attempts at a fresh generated username when the first collides. */
const USERNAME_ATTEMPTS = 5;

/**
 * Accounts: the authenticate flows (device, custom id, email + password), session refresh, the
 * account and user queries, and bans. Transport-neutral: HTTP handlers and runtime code call it; it
 * throws {@link DomainError}s, never HTTP errors.
 */
export class AccountService {
  readonly #store: AccountStore;
  readonly #db: Pick<Db, 'tx'>;
  readonly #sessions: SessionAuth;
  readonly #passwords: PasswordHasher;
  readonly #throttle: AuthThrottle;
  readonly #clock: Clock;
  readonly #log: Logger | undefined;
  readonly #meter: AuthMeter;

  constructor(deps: {
    store: AccountStore;
    /** Bans and their revocations commit in one transaction. */
    db: Pick<Db, 'tx'>;
    sessions: SessionAuth;
    passwords: PasswordHasher;
    throttle: AuthThrottle;
    clock: Clock;
    logger?: Logger;
    /** Counts and times authentications by method and result. */
    meter?: AuthMeter;
  }) {
    this.#store = deps.store;
    this.#db = deps.db;
    this.#sessions = deps.sessions;
    this.#passwords = deps.passwords;
    this.#throttle = deps.throttle;
    this.#clock = deps.clock;
    this.#log = deps.logger;
    this.#meter = deps.meter ?? NO_METERS.auth;
  }

  /** `POST /v2/account/authenticate/device`. */
  authenticateDevice(deviceId: string | undefined, opts: AuthenticateOptions): Promise<AuthResult> {
    return this.#measured('device', () => {
      const id = checkDeviceId(deviceId);
      return this.#findOrCreate({ kind: 'device', id }, () => this.#store.findByDevice(id), opts);
    });
  }

  /** `POST /v2/account/authenticate/custom`. */
  authenticateCustom(customId: string | undefined, opts: AuthenticateOptions): Promise<AuthResult> {
    return this.#measured('custom', () => {
      const id = checkCustomId(customId);
      return this.#findOrCreate({ kind: 'custom', id }, () => this.#store.findByCustomId(id), opts);
    });
  }

  /**
   * `POST /v2/account/authenticate/email`. A wrong password counts against the address and the
   * account (see {@link AuthThrottle}); a locked-out account is refused before its hash is checked,
   * and the attempt is reserved before the check, so parallel guesses cannot outrun the limit.
   */
  authenticateEmail(
    emailIn: string | undefined,
    passwordIn: string | undefined,
    opts: AuthenticateOptions,
  ): Promise<AuthResult> {
    return this.#measured('email', () => this.#authenticateEmail(emailIn, passwordIn, opts));
  }

  async #authenticateEmail(
    emailIn: string | undefined,
    passwordIn: string | undefined,
    opts: AuthenticateOptions,
  ): Promise<AuthResult> {
    const { email, password } = checkEmailLogin(emailIn, passwordIn);
    const vars = checkVars(opts.vars);
    const username = opts.username === undefined ? undefined : checkUsername(opts.username);
    // The attempt holds its place in the limits from here until its verdict (see AuthThrottle.begin).
    const attempt = this.#throttle.begin(opts.address, email);
    try {
      const existing = await this.#store.findByEmail(email);
      if (existing) return await this.#login(existing, password, vars, attempt);
      if (opts.create === false) throw notFound();
      const passwordHash = await this.#passwords.hash(password);
      try {
        return await this.#create({ kind: 'email', email, passwordHash }, username, vars);
      } catch (err) {
        // Another request created this email meanwhile: treat it as a login to that account.
        if (!(err instanceof StorageConflictError && err.field === ConflictField.EMAIL)) throw err;
        const raced = await this.#store.findByEmail(email);
        if (!raced) throw err;
        return await this.#login(raced, password, vars, attempt);
      }
    } finally {
      attempt.release();
    }
  }

  /**
   * `POST /v2/account/session/refresh`: new tokens for the session of a valid, unrevoked refresh
   * token, carrying the user's current username. A bad refresh token counts as a failed
   * authentication of the address. A banned user's token is refused with PERMISSION_DENIED "User
   * account banned." (checked before revocation: the ban revoked it too, but "banned" says why).
   */
  refreshSession(
    refreshToken: string | undefined,
    varsIn: Record<string, string> | undefined,
    address: string,
  ): Promise<IssuedTokens> {
    return this.#measured('refresh', () => this.#refreshSession(refreshToken, varsIn, address));
  }

  async #refreshSession(
    refreshToken: string | undefined,
    varsIn: Record<string, string> | undefined,
    address: string,
  ): Promise<IssuedTokens> {
    if (!refreshToken) throw invalid('Refresh token is required.');
    const vars = checkVars(varsIn);
    // Checked, not reserved: a refresh token's check is a cheap HMAC, not a password hash, so a burst
    // of bad ones costs little, while reserving would refuse many players' honest refreshes that
    // share one address (a venue, a carrier's NAT) whenever more than the limit are in flight.
    this.#throttle.check(address);
    // A holder rather than a `let`: TypeScript does not see assignments made inside the callback.
    const found: { user?: UserRecord | null } = {};
    let claims: SessionClaims;
    try {
      claims = await this.#sessions.verifyRefreshToken(refreshToken, async (c) => {
        found.user = await this.#store.getUser(c.uid);
        if (found.user) assertNotBanned(found.user);
      });
    } catch (err) {
      // A forged, expired or revoked token is a failed authentication; a banned user's real one is not.
      if (err instanceof DomainError && err.kind === ErrorKind.UNAUTHENTICATED) this.#throttle.fail(address);
      throw err;
    }
    if (!found.user) throw notFound();
    return this.#sessions.reissue(
      claims,
      found.user.username,
      Object.keys(vars).length > 0 ? vars : undefined,
    );
  }

  /**
   * Bans users (Nakama's `BanUsers`): they can no longer authenticate or refresh (PERMISSION_DENIED
   * "User account banned."), and every session they have is revoked, so their tokens are refused
   * (401) and their sockets are closed: each is first sent a `banned` notification (code -8), then
   * closed with 4004. Ids are UUIDs, at most 1000; unknown ones are skipped. Banning a banned user
   * keeps its first ban time and revokes again. Resolves to the ids of the users banned.
   */
  async ban(userIds: readonly string[]): Promise<string[]> {
    const ids = checkBanUserIds(userIds);
    // The ban and its revocations commit together (a failure leaves neither), and the sockets are
    // closed only once both are committed (the revocation listeners run after the commit).
    const banned = await this.#db.tx(async () => {
      const stored = await this.#store.banUsers(ids, new Date(this.#clock.now()));
      // Revoked after the ban is written: sessions started before this point are covered, and logins
      // that read the account after the commit see the ban. (A login that read the account just
      // before the commit and signs just after the cut-off slips through, as on Nakama; its tokens
      // still expire, and refresh is refused.) One statement at a time: a transaction is one connection.
      for (const id of stored) await this.#sessions.revokeUser(id, RevocationCause.BAN);
      return stored;
    });
    if (banned.length > 0) this.#log?.info({ userIds: banned }, 'users banned');
    return banned;
  }

  /**
   * Lifts bans (Nakama's `UnbanUsers`): the users can authenticate again. Sessions the ban revoked
   * stay revoked; the user logs in anew. Resolves to the ids of the users that exist.
   */
  async unban(userIds: readonly string[]): Promise<string[]> {
    const ids = checkBanUserIds(userIds);
    const lifted = await this.#store.unbanUsers(ids);
    if (lifted.length > 0) this.#log?.info({ userIds: lifted }, 'users unbanned');
    return lifted;
  }

  /** `GET /v2/account`: the caller's own account. */
  getAccount(session: VerifiedSession): Promise<AccountRecord> {
    return this.accountById(session.userId);
  }

  /** Any account by user id (the admin console); NOT_FOUND when there is none. */
  async accountById(userId: string): Promise<AccountRecord> {
    const account = isUuid(userId) ? await this.#store.getAccount(userId.toLowerCase()) : null;
    if (!account) throw new DomainError(ErrorKind.NOT_FOUND, 'Account not found.');
    return account;
  }

  /**
   * Accounts by id, for server code (`nk.accountsGetId`): at most 1000 UUIDs; unknown ones are left
   * out. In the order asked, each once.
   */
  async getAccounts(userIds: readonly string[]): Promise<AccountRecord[]> {
    const ids = checkBanUserIds(userIds);
    const found = await Promise.all(ids.map((id) => this.#store.getAccount(id)));
    return found.filter((a): a is AccountRecord => a !== null);
  }

  /**
   * Users by ids and usernames, for server code (`nk.usersGetId`, `nk.usersGetUsername`): at most
   * 1000 of each; unknown ones are left out.
   */
  async findUsers(userIds: readonly string[], usernames: readonly string[]): Promise<UserRecord[]> {
    return this.#store.listUsers(checkBanUserIds(userIds), checkUsernameList(usernames));
  }

  /** `PUT /v2/account`: changes the caller's profile. At least one field must be given. */
  updateAccount(session: VerifiedSession, input: AccountUpdateInput): Promise<UserRecord> {
    return this.updateUser(session.userId, input);
  }

  /** Changes any user's profile (the admin console; `PUT /v2/account` for the caller's own). */
  async updateUser(userId: string, input: AccountUpdateInput): Promise<UserRecord> {
    if (!isUuid(userId)) throw new DomainError(ErrorKind.NOT_FOUND, 'Account not found.');
    const update: { -readonly [K in keyof ProfileUpdate]: ProfileUpdate[K] } = {};
    if (input.username !== undefined) update.username = checkUsername(input.username);
    const texts = [
      ['displayName', 'Display name', input.displayName, 255],
      ['avatarUrl', 'Avatar URL', input.avatarUrl, 512],
      ['langTag', 'Lang tag', input.langTag, 18],
      ['location', 'Location', input.location, 255],
      ['timezone', 'Timezone', input.timezone, 255],
    ] as const;
    for (const [key, label, value, max] of texts) {
      const checked = checkProfileText(label, value, max);
      if (checked !== undefined) update[key] = checked;
    }
    const metadata = checkMetadata(input.metadata);
    if (metadata !== undefined) update.metadata = metadata;
    if (Object.keys(update).length === 0) throw invalid('No fields to update.');
    try {
      const user = await this.#store.updateProfile(userId, update, new Date(this.#clock.now()));
      if (!user) throw new DomainError(ErrorKind.NOT_FOUND, 'Account not found.');
      return user;
    } catch (err) {
      if (err instanceof StorageConflictError) throw usernameTaken();
      throw err;
    }
  }

  /** `GET /v2/user`: public profiles by ids and usernames (unknown ones are left out). */
  async getUsers(ids: readonly string[], usernames: readonly string[]): Promise<UserRecord[]> {
    checkUserLookup(ids, usernames);
    return this.#store.listUsers(ids, usernames);
  }

  /** Runs one authentication and records its method, result (`ok` or the error kind) and time. */
  async #measured<T>(method: string, run: () => Promise<T>): Promise<T> {
    const started = performance.now();
    let result = 'ok';
    try {
      return await run();
    } catch (err) {
      result = err instanceof DomainError ? err.kind.toLowerCase() : 'internal';
      throw err;
    } finally {
      this.#meter.authenticated(method, result, (performance.now() - started) / 1000);
    }
  }

  async #findOrCreate(
    identity: Identity,
    find: () => Promise<UserRecord | null>,
    opts: AuthenticateOptions,
  ): Promise<AuthResult> {
    const vars = checkVars(opts.vars);
    const username = opts.username === undefined ? undefined : checkUsername(opts.username);
    const existing = await find();
    if (existing) return this.#issueExisting(existing, vars);
    if (opts.create === false) throw notFound();
    try {
      return await this.#create(identity, username, vars);
    } catch (err) {
      // Another request created this identity meanwhile: log in to that account instead.
      if (!(err instanceof StorageConflictError) || err.field === ConflictField.USERNAME) throw err;
      const raced = await find();
      if (!raced) throw err;
      return this.#issueExisting(raced, vars);
    }
  }

  /** A login to an existing account: refused when it is banned. */
  async #issueExisting(user: UserRecord, vars: Record<string, string>): Promise<AuthResult> {
    assertNotBanned(user);
    return { ...(await this.#sessions.issue(user, vars)), created: false };
  }

  /** Creates the account; a generated username that collides is regenerated, a chosen one is refused. */
  async #create(
    identity: Identity,
    chosen: string | undefined,
    vars: Record<string, string>,
  ): Promise<AuthResult> {
    for (let attempt = 1; ; attempt++) {
      const username = chosen ?? generateUsername();
      try {
        const user = await this.#store.createAccount({
          id: newUuid(),
          username,
          identity,
          now: new Date(this.#clock.now()),
        });
        this.#log?.debug({ userId: user.id, kind: identity.kind }, 'account created');
        return { ...(await this.#sessions.issue(user, vars)), created: true };
      } catch (err) {
        if (!(err instanceof StorageConflictError && err.field === ConflictField.USERNAME)) throw err;
        if (chosen !== undefined) throw usernameTaken();
        if (attempt >= USERNAME_ATTEMPTS) throw err;
      }
    }
  }

  async #login(
    found: { user: UserRecord; passwordHash: string },
    password: string,
    vars: Record<string, string>,
    attempt: AuthAttempt,
  ): Promise<AuthResult> {
    if (!(await this.#passwords.verify(found.passwordHash, password))) {
      attempt.fail();
      throw new DomainError(ErrorKind.UNAUTHENTICATED, 'Invalid credentials.');
    }
    attempt.succeed();
    // Checked after the password, unlike Nakama: only someone who knows it learns of the ban.
    return this.#issueExisting(found.user, vars);
  }
}

function notFound(): DomainError {
  return new DomainError(ErrorKind.NOT_FOUND, 'User account not found.');
}

/** Nakama's refusal for a banned account: HTTP 403, gRPC 7. */
function assertNotBanned(user: UserRecord): void {
  if (user.disableTime !== null) throw new DomainError(ErrorKind.PERMISSION_DENIED, 'User account banned.');
}

function usernameTaken(): DomainError {
  return new DomainError(ErrorKind.ALREADY_EXISTS, 'Username is already in use.');
}
