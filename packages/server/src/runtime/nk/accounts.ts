/**
 * `nk.account*` and `nk.users*Get*`: accounts and public profiles for server code, over the accounts
 * feature. Results are Nakama's runtime shapes (camelCase, times in Unix seconds, metadata and wallet
 * as objects).
 *
 * @packageDocumentation
 */
import type { DeleteAccountOptions } from '../../features/accounts/account-deletion.ts';
import type { AccountLinks } from '../../features/accounts/account-links.ts';
import type { AccountUpdateInput } from '../../features/accounts/account-service.ts';
import type { AccountRecord, UserRecord } from '../../features/accounts/store/account-store.ts';
import { invalid, notFound } from '../../shared/domain-error.ts';
import { isUuid } from '../../shared/ids.ts';

/** What the account functions need (the accounts feature's `AccountService` and `AccountDeletion`). */
export interface RuntimeAccountAdmin {
  readonly accounts: {
    getAccounts(userIds: readonly string[]): Promise<AccountRecord[]>;
    findUsers(userIds: readonly string[], usernames: readonly string[]): Promise<UserRecord[]>;
    updateUser(userId: string, input: AccountUpdateInput): Promise<unknown>;
  };
  readonly deletion: {
    deleteAccount(userId: string, options?: DeleteAccountOptions): Promise<boolean>;
  };
  /** Linking and unlinking identities (the accounts feature's `AccountLinks`). */
  readonly links: Pick<
    AccountLinks,
    'linkDevice' | 'linkCustom' | 'linkEmail' | 'unlinkDevice' | 'unlinkCustom' | 'unlinkEmail'
  >;
}

/** A user's public profile as server code sees it. */
export interface User {
  readonly userId: string;
  readonly username: string;
  /** `''` when not set, as in Nakama. */
  readonly displayName: string;
  readonly avatarUrl: string;
  readonly langTag: string;
  readonly location: string;
  readonly timezone: string;
  /** Always false here: presence is not tracked for profiles yet. */
  readonly online: boolean;
  /** Always 0 here: friends are not counted yet. */
  readonly edgeCount: number;
  /** Unix seconds. */
  readonly createTime: number;
  /** Unix seconds. */
  readonly updateTime: number;
  readonly metadata: Record<string, unknown>;
}

/** An account as server code sees it. */
export interface Account {
  readonly user: User;
  /** Balances by key. */
  readonly wallet: Record<string, number>;
  readonly email?: string;
  readonly devices?: { readonly id: string }[];
  readonly customId?: string;
  /** When it was banned, Unix seconds. */
  readonly disableTime?: number;
}

/** Account functions of `nk`. */
export interface AccountNk {
  /** The account of a user; throws `Account not found.` for an unknown one. */
  accountGetId(userId: string): Promise<Account>;
  /** The accounts of the users that exist among `userIds` (at most 1000). */
  accountsGetId(userIds: readonly string[]): Promise<Account[]>;
  /**
   * Changes a profile. `null` or absent leaves a field alone; `''` clears it (except `username`,
   * where `''` also leaves it alone, as in Nakama). At least one field must change.
   */
  accountUpdateId(
    userId: string,
    username?: string | null,
    displayName?: string | null,
    timezone?: string | null,
    location?: string | null,
    langTag?: string | null,
    avatarUrl?: string | null,
    metadata?: Record<string, unknown> | null,
  ): Promise<void>;
  /**
   * Deletes an account and all its data as `DELETE /v2/account` does: its sessions are revoked and
   * its sockets closed (4005). With `recorded`, the deletion is recorded (a tombstone). Deleting an
   * unknown user does nothing.
   */
  accountDeleteId(userId: string, recorded?: boolean): Promise<void>;
  /** Public profiles of the users among `userIds` (at most 1000). Nakama's Facebook ids are not supported. */
  usersGetId(userIds: readonly string[], facebookIds?: readonly string[] | null): Promise<User[]>;
  /** Public profiles by usernames, matched regardless of case (at most 1000). */
  usersGetUsername(usernames: readonly string[]): Promise<User[]>;
  /**
   * Links a device id to the account (a user may have many; its own again is fine). Throws
   * `Device ID already in use.` when another account has it, `Account not found.` for an unknown user.
   */
  linkDevice(userId: string, deviceId: string): Promise<void>;
  /** Sets the custom id (replacing the user's own); `Custom ID is already in use.` when another has it. */
  linkCustom(userId: string, customId: string): Promise<void>;
  /** Sets the email and password (hashed; replacing the user's own); `Email is already in use.` when taken. */
  linkEmail(userId: string, email: string, password: string): Promise<void>;
  /**
   * Unlinks one of the user's devices. Throws `Cannot unlink last account identifier...` when it is
   * not the user's or is the last way to log in (as do the two below).
   */
  unlinkDevice(userId: string, deviceId: string): Promise<void>;
  /** Clears the custom id (when `customId` is given, only if it is the user's). */
  unlinkCustom(userId: string, customId?: string | null): Promise<void>;
  /** Clears the email and password (when `email` is given, only if it is the user's, in any case). */
  unlinkEmail(userId: string, email?: string | null): Promise<void>;
}

/** Builds the account functions; without the accounts feature they throw "not available". */
export function accountNk(admin: RuntimeAccountAdmin | undefined): AccountNk {
  const get = (): RuntimeAccountAdmin => {
    if (!admin) throw new Error('Accounts are not available on this server');
    return admin;
  };
  return {
    async accountGetId(userId) {
      const [account] = await get().accounts.getAccounts([userId]);
      if (!account) throw notFound('Account not found.');
      return runtimeAccount(account);
    },
    async accountsGetId(userIds) {
      return (await get().accounts.getAccounts(userIds)).map(runtimeAccount);
    },
    async accountUpdateId(userId, username, displayName, timezone, location, langTag, avatarUrl, metadata) {
      const text = (v: string | null | undefined) => (v === null ? undefined : v);
      await get().accounts.updateUser(userId, {
        username: username || undefined,
        displayName: text(displayName),
        timezone: text(timezone),
        location: text(location),
        langTag: text(langTag),
        avatarUrl: text(avatarUrl),
        metadata: metadata ?? undefined,
      });
    },
    async accountDeleteId(userId, recorded = false) {
      await get().deletion.deleteAccount(userId, { recorded });
    },
    async usersGetId(userIds, facebookIds) {
      if (facebookIds && facebookIds.length > 0)
        throw new Error('usersGetId: Facebook ids are not supported');
      return (await get().accounts.findUsers(userIds, [])).map(runtimeUser);
    },
    async usersGetUsername(usernames) {
      return (await get().accounts.findUsers([], usernames)).map(runtimeUser);
    },
    async linkDevice(userId, deviceId) {
      await get().links.linkDevice(userOf(userId), deviceId);
    },
    async linkCustom(userId, customId) {
      await get().links.linkCustom(userOf(userId), customId);
    },
    async linkEmail(userId, email, password) {
      await get().links.linkEmail(userOf(userId), email, password);
    },
    async unlinkDevice(userId, deviceId) {
      await get().links.unlinkDevice(userOf(userId), deviceId);
    },
    async unlinkCustom(userId, customId) {
      await get().links.unlinkCustom(userOf(userId), customId ?? undefined);
    },
    async unlinkEmail(userId, email) {
      await get().links.unlinkEmail(userOf(userId), email ?? undefined);
    },
  };
}

/** A user id as stored (lower case); Nakama's message for anything that is not a UUID. */
function userOf(userId: unknown): string {
  if (typeof userId !== 'string' || !isUuid(userId))
    throw invalid('expects user ID to be a valid identifier');
  return userId.toLowerCase();
}

function runtimeUser(u: UserRecord): User {
  return {
    userId: u.id,
    username: u.username,
    displayName: u.displayName ?? '',
    avatarUrl: u.avatarUrl ?? '',
    langTag: u.langTag,
    location: u.location ?? '',
    timezone: u.timezone ?? '',
    online: false,
    edgeCount: 0,
    createTime: Math.floor(u.createTime.getTime() / 1000),
    updateTime: Math.floor(u.updateTime.getTime() / 1000),
    metadata: JSON.parse(u.metadata) as Record<string, unknown>,
  };
}

function runtimeAccount(a: AccountRecord): Account {
  const account: {
    -readonly [K in keyof Account]: Account[K];
  } = { user: runtimeUser(a.user), wallet: JSON.parse(a.wallet) as Record<string, number> };
  if (a.email) account.email = a.email;
  if (a.devices.length > 0) account.devices = a.devices.map((id) => ({ id }));
  if (a.customId) account.customId = a.customId;
  if (a.user.disableTime) account.disableTime = Math.floor(a.user.disableTime.getTime() / 1000);
  return account;
}
