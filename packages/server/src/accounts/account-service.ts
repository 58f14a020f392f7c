import type { Logger } from 'pino';
import type { PasswordHasher } from '../session/auth/passwords.ts';
import type { AuthThrottle } from '../session/auth/rate-limiter.ts';
import type { IssuedTokens, SessionAuth, VerifiedSession } from '../session/auth/session-auth.ts';
import {
  type AccountRecord,
  type AccountStore,
  ConflictField,
  type Identity,
  type ProfileUpdate,
  StorageConflictError,
  type UserRecord,
} from '../storage/types.ts';
import type { Clock } from '../util/clock.ts';
import { DomainError, ErrorKind, invalid } from '../util/domain-error.ts';
import { newUuid } from '../util/ids.ts';
import {
  checkCustomId,
  checkDeviceId,
  checkEmailLogin,
  checkMetadata,
  checkProfileText,
  checkUserLookup,
  checkUsername,
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
 * Accounts: the authenticate flows (device, custom id, email + password), session refresh, and the
 * account and user queries. Transport-neutral: HTTP handlers and, later, runtime code call it; it
 * throws {@link DomainError}s, never HTTP errors.
 */
export class AccountService {
  readonly #store: AccountStore;
  readonly #sessions: SessionAuth;
  readonly #passwords: PasswordHasher;
  readonly #throttle: AuthThrottle;
  readonly #clock: Clock;
  readonly #log: Logger | undefined;

  constructor(deps: {
    store: AccountStore;
    sessions: SessionAuth;
    passwords: PasswordHasher;
    throttle: AuthThrottle;
    clock: Clock;
    logger?: Logger;
  }) {
    this.#store = deps.store;
    this.#sessions = deps.sessions;
    this.#passwords = deps.passwords;
    this.#throttle = deps.throttle;
    this.#clock = deps.clock;
    this.#log = deps.logger;
  }

  /** `POST /v2/account/authenticate/device`. */
  async authenticateDevice(deviceId: string | undefined, opts: AuthenticateOptions): Promise<AuthResult> {
    const id = checkDeviceId(deviceId);
    return this.#findOrCreate({ kind: 'device', id }, () => this.#store.findByDevice(id), opts);
  }

  /** `POST /v2/account/authenticate/custom`. */
  async authenticateCustom(customId: string | undefined, opts: AuthenticateOptions): Promise<AuthResult> {
    const id = checkCustomId(customId);
    return this.#findOrCreate({ kind: 'custom', id }, () => this.#store.findByCustomId(id), opts);
  }

  /**
   * `POST /v2/account/authenticate/email`. A wrong password counts against the address and the
   * account (see {@link AuthThrottle}); a locked-out account is refused before its hash is checked.
   */
  async authenticateEmail(
    emailIn: string | undefined,
    passwordIn: string | undefined,
    opts: AuthenticateOptions,
  ): Promise<AuthResult> {
    const { email, password } = checkEmailLogin(emailIn, passwordIn);
    const vars = checkVars(opts.vars);
    const username = opts.username === undefined ? undefined : checkUsername(opts.username);
    this.#throttle.check(opts.address, email);
    const existing = await this.#store.findByEmail(email);
    if (existing) return this.#login(existing, password, email, vars, opts.address);
    if (opts.create === false) throw notFound();
    const passwordHash = await this.#passwords.hash(password);
    try {
      return await this.#create({ kind: 'email', email, passwordHash }, username, vars);
    } catch (err) {
      // Another request created this email meanwhile: treat it as a login to that account.
      if (!(err instanceof StorageConflictError && err.field === ConflictField.EMAIL)) throw err;
      const raced = await this.#store.findByEmail(email);
      if (!raced) throw err;
      return this.#login(raced, password, email, vars, opts.address);
    }
  }

  /**
   * `POST /v2/account/session/refresh`: new tokens for the session of a valid, unrevoked refresh
   * token, carrying the user's current username. A bad refresh token counts as a failed
   * authentication of the address.
   */
  async refreshSession(
    refreshToken: string | undefined,
    varsIn: Record<string, string> | undefined,
    address: string,
  ): Promise<IssuedTokens> {
    if (!refreshToken) throw invalid('Refresh token is required.');
    const vars = checkVars(varsIn);
    this.#throttle.check(address);
    let claims: Awaited<ReturnType<SessionAuth['verifyRefreshToken']>>;
    try {
      claims = await this.#sessions.verifyRefreshToken(refreshToken);
    } catch (err) {
      if (err instanceof DomainError) this.#throttle.fail(address);
      throw err;
    }
    const user = await this.#store.getUser(claims.uid);
    if (!user) throw notFound();
    return this.#sessions.reissue(claims, user.username, Object.keys(vars).length > 0 ? vars : undefined);
  }

  /** `GET /v2/account`: the caller's own account. */
  async getAccount(session: VerifiedSession): Promise<AccountRecord> {
    const account = await this.#store.getAccount(session.userId);
    if (!account) throw new DomainError(ErrorKind.NOT_FOUND, 'Account not found.');
    return account;
  }

  /** `PUT /v2/account`: changes the caller's profile. At least one field must be given. */
  async updateAccount(session: VerifiedSession, input: AccountUpdateInput): Promise<UserRecord> {
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
      const user = await this.#store.updateProfile(session.userId, update, new Date(this.#clock.now()));
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

  async #findOrCreate(
    identity: Identity,
    find: () => Promise<UserRecord | null>,
    opts: AuthenticateOptions,
  ): Promise<AuthResult> {
    const vars = checkVars(opts.vars);
    const username = opts.username === undefined ? undefined : checkUsername(opts.username);
    const existing = await find();
    if (existing) return { ...(await this.#sessions.issue(existing, vars)), created: false };
    if (opts.create === false) throw notFound();
    try {
      return await this.#create(identity, username, vars);
    } catch (err) {
      // Another request created this identity meanwhile: log in to that account instead.
      if (!(err instanceof StorageConflictError) || err.field === ConflictField.USERNAME) throw err;
      const raced = await find();
      if (!raced) throw err;
      return { ...(await this.#sessions.issue(raced, vars)), created: false };
    }
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
    email: string,
    vars: Record<string, string>,
    address: string,
  ): Promise<AuthResult> {
    if (!(await this.#passwords.verify(found.passwordHash, password))) {
      this.#throttle.fail(address, email);
      throw new DomainError(ErrorKind.UNAUTHENTICATED, 'Invalid credentials.');
    }
    this.#throttle.succeed(email);
    return { ...(await this.#sessions.issue(found.user, vars)), created: false };
  }
}

function notFound(): DomainError {
  return new DomainError(ErrorKind.NOT_FOUND, 'User account not found.');
}

function usernameTaken(): DomainError {
  return new DomainError(ErrorKind.ALREADY_EXISTS, 'Username is already in use.');
}
