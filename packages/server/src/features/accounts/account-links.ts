import type { Clock } from '../../shared/clock.ts';
import { DomainError, ErrorKind, invalid } from '../../shared/domain-error.ts';
import type { PasswordHasher } from './auth/passwords.ts';
import { ConflictField, StorageConflictError } from './store/account-store.ts';
import type { IdentityStore } from './store/identity-store.ts';
import { checkDeviceId, checkLinkCustomId, checkLinkEmail } from './validation.ts';

/** Nakama's refusal to unlink the last identity (or one that is not the caller's): 403, code 7. */
const LAST_LINK = 'Cannot unlink last account identifier. Check profile exists and is not last link.';

/**
 * Linking and unlinking the identities of an existing account (`/v2/account/link/*`,
 * `/v2/account/unlink/*`): devices (a user may have many), a custom id and an email with its
 * password. An identity another account holds is refused (409), and so is unlinking the last way to
 * log in, or an identity that is not the caller's (403), with Nakama's codes and messages.
 */
export class AccountLinks {
  readonly #store: IdentityStore;
  readonly #passwords: PasswordHasher;
  readonly #clock: Clock;

  constructor(deps: { store: IdentityStore; passwords: PasswordHasher; clock: Clock }) {
    this.#store = deps.store;
    this.#passwords = deps.passwords;
    this.#clock = deps.clock;
  }

  /** `POST /v2/account/link/device`: adds a device; its own device again is fine. */
  async linkDevice(userId: string, deviceId: string | undefined): Promise<void> {
    const id = checkDeviceId(deviceId);
    await this.#link(() => this.#store.linkDevice(userId, id, this.#now()), 'Device ID already in use.');
  }

  /** `POST /v2/account/link/custom`: sets the custom id (replacing the user's own). */
  async linkCustom(userId: string, customId: string | undefined): Promise<void> {
    const id = checkLinkCustomId(customId);
    await this.#link(() => this.#store.linkCustomId(userId, id, this.#now()), 'Custom ID is already in use.');
  }

  /** `POST /v2/account/link/email`: sets the email and password (replacing the user's own). */
  async linkEmail(
    userId: string,
    emailIn: string | undefined,
    passwordIn: string | undefined,
  ): Promise<void> {
    const { email, password } = checkLinkEmail(emailIn, passwordIn);
    const hash = await this.#passwords.hash(password);
    await this.#link(
      () => this.#store.linkEmail(userId, email, hash, this.#now()),
      'Email is already in use.',
    );
  }

  /** `POST /v2/account/unlink/device`: removes one of the caller's devices, unless it is the last identity. */
  async unlinkDevice(userId: string, deviceId: string | undefined): Promise<void> {
    if (!deviceId) throw invalid('A device ID must be supplied.');
    if (!(await this.#store.unlinkDevice(userId, deviceId, this.#now()))) throw lastLink();
  }

  /** `POST /v2/account/unlink/custom`: clears the custom id (the given one must be the caller's). */
  async unlinkCustom(userId: string, customId: string | undefined): Promise<void> {
    if (!(await this.#store.unlinkCustomId(userId, customId || null, this.#now()))) throw lastLink();
  }

  /**
   * `POST /v2/account/unlink/email`: clears the email and password (the given email must be the
   * caller's, in any case; the password is not checked, as in Nakama).
   */
  async unlinkEmail(userId: string, email: string | undefined): Promise<void> {
    const lower = email ? email.toLowerCase() : null;
    if (!(await this.#store.unlinkEmail(userId, lower, this.#now()))) throw lastLink();
  }

  async #link(change: () => Promise<boolean>, conflict: string): Promise<void> {
    let linked: boolean;
    try {
      linked = await change();
    } catch (err) {
      if (err instanceof StorageConflictError && err.field !== ConflictField.USERNAME) {
        throw new DomainError(ErrorKind.ALREADY_EXISTS, conflict, { cause: err });
      }
      throw err;
    }
    if (!linked) throw new DomainError(ErrorKind.NOT_FOUND, 'Account not found.');
  }

  #now(): Date {
    return new Date(this.#clock.now());
  }
}

function lastLink(): DomainError {
  return new DomainError(ErrorKind.PERMISSION_DENIED, LAST_LINK);
}
