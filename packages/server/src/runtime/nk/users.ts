/**
 * `nk.users*`: account administration (bans), over the accounts feature.
 *
 * @packageDocumentation
 */

/** What `usersBanId` / `usersUnbanId` need (the account feature's `AccountService` provides it). */
export interface RuntimeAccounts {
  ban(userIds: readonly string[]): Promise<unknown>;
  unban(userIds: readonly string[]): Promise<unknown>;
}

/** User functions of `nk`. */
export interface UserNk {
  /**
   * Bans users (at most 1000 ids): they can no longer authenticate or refresh their session (403
   * "User account banned."), every token they hold stops working, and each of their open sockets gets
   * a `banned` notification (code -8) and is closed with 4004. Unknown ids are skipped; a malformed
   * id throws and bans no one.
   */
  usersBanId(userIds: readonly string[]): Promise<void>;
  /** Lifts bans: the users can authenticate again (their old sessions stay revoked). */
  usersUnbanId(userIds: readonly string[]): Promise<void>;
}

/** Builds the user functions; without an account service they throw "not available". */
export function userNk(accountService: RuntimeAccounts | undefined): UserNk {
  const accounts = (): RuntimeAccounts => {
    if (!accountService) throw new Error('Accounts are not available on this server');
    return accountService;
  };
  return {
    async usersBanId(userIds): Promise<void> {
      await accounts().ban(userIds);
    },
    async usersUnbanId(userIds): Promise<void> {
      await accounts().unban(userIds);
    },
  };
}
