import type { Logger } from 'pino';
import type { Db } from '../../db/db.ts';
import type { Clock } from '../../shared/clock.ts';
import { invalid } from '../../shared/domain-error.ts';
import { isUuid } from '../../shared/ids.ts';
import { RevocationCause } from './auth/revocations.ts';
import type { SessionAuth } from './auth/session-auth.ts';
import type { AccountStore } from './store/account-store.ts';

/**
 * Removes a deleted user's rows of one feature. It runs inside the deletion's transaction, before the
 * user row goes (so it can still read what it needs, such as the groups the user leads); every store
 * call it makes joins that transaction. Throwing aborts the deletion: nothing is deleted.
 */
export type AccountDeletionListener = (userId: string) => Promise<void>;

/** Where features register what an account deletion must remove besides the account. */
export interface AccountDeletionHooks {
  /** Adds a listener (called in registration order); returns the function that removes it. */
  onDelete(listener: AccountDeletionListener): () => void;
}

/** Options of {@link AccountDeletion.deleteAccount}. */
export interface DeleteAccountOptions {
  /** Record the deletion (Nakama's `user_tombstone`): when the account was deleted. */
  readonly recorded?: boolean | undefined;
}

/**
 * Account deletion (`DELETE /v2/account`, `nk.accountDeleteId`): in one transaction, the user's row
 * is locked, every feature's listener removes that feature's rows, the user row goes (its devices,
 * storage objects, wallet ledger and notifications with it, by foreign key) and every session of the
 * user is revoked. After the commit the revocation listeners close the user's sockets (4005
 * "user account deleted"). What Nakama keeps stays too: messages and notifications the user sent to
 * others are not rows of the user.
 */
export class AccountDeletion implements AccountDeletionHooks {
  readonly #store: AccountStore;
  readonly #db: Pick<Db, 'tx'>;
  readonly #sessions: Pick<SessionAuth, 'revokeUser'>;
  readonly #clock: Clock;
  readonly #log: Logger | undefined;
  readonly #listeners: AccountDeletionListener[] = [];

  constructor(deps: {
    store: AccountStore;
    db: Pick<Db, 'tx'>;
    sessions: Pick<SessionAuth, 'revokeUser'>;
    clock: Clock;
    logger?: Logger | undefined;
  }) {
    this.#store = deps.store;
    this.#db = deps.db;
    this.#sessions = deps.sessions;
    this.#clock = deps.clock;
    this.#log = deps.logger;
  }

  onDelete(listener: AccountDeletionListener): () => void {
    this.#listeners.push(listener);
    return () => {
      const i = this.#listeners.indexOf(listener);
      if (i >= 0) this.#listeners.splice(i, 1);
    };
  }

  /**
   * Deletes the account and everything of it; its tokens stop working at once and its sockets are
   * closed once the deletion has committed. Deleting an account that does not exist is not an error
   * (as in Nakama). Resolves to whether it existed.
   */
  async deleteAccount(userId: string, options: DeleteAccountOptions = {}): Promise<boolean> {
    if (typeof userId !== 'string' || !isUuid(userId)) {
      throw invalid(`Invalid user ID: '${String(userId).slice(0, 64)}'.`);
    }
    const id = userId.toLowerCase();
    const deleted = await this.#db.tx(async () => {
      // Locked first: a write racing the deletion (a storage object, a device) waits, then fails on
      // the missing user instead of leaving a row behind.
      if (!(await this.#store.lockUser(id))) return false;
      for (const listener of [...this.#listeners]) await listener(id);
      await this.#store.deleteUser(id, options.recorded ? new Date(this.#clock.now()) : null);
      await this.#sessions.revokeUser(id, RevocationCause.DELETE);
      return true;
    });
    if (deleted) this.#log?.info({ userId: id, recorded: options.recorded === true }, 'account deleted');
    return deleted;
  }
}
