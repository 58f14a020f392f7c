/**
 * The `nk` object game modules receive: one slice per feature (`runtime/nk/`), composed here over the
 * features' services.
 *
 * @packageDocumentation
 */
import type { MatchFeature } from '../features/match/register-matches.ts';
import type { RuntimeApi } from './api.ts';
import { accountNk, type RuntimeAccountAdmin } from './nk/accounts.ts';
import { friendNk, type RuntimeFriends } from './nk/friends.ts';
import { groupNk, type RuntimeGroups } from './nk/groups.ts';
import { leaderboardNk, type RuntimeLeaderboards } from './nk/leaderboards.ts';
import { matchNk } from './nk/match.ts';
import { notificationNk, type RuntimeNotifications } from './nk/notifications.ts';
import { type RuntimeStorage, storageNk } from './nk/storage.ts';
import { type RuntimeStreams, streamNk } from './nk/streams.ts';
import { type RuntimeAccounts, userNk } from './nk/users.ts';
import { type RuntimeWallets, walletNk } from './nk/wallets.ts';

export type { RuntimeAccountAdmin } from './nk/accounts.ts';
export type { RuntimeFriends } from './nk/friends.ts';
export type { RuntimeGroups } from './nk/groups.ts';
export type { RuntimeLeaderboards } from './nk/leaderboards.ts';
export type { RuntimeNotifications } from './nk/notifications.ts';
export type { RuntimeStorage } from './nk/storage.ts';
export type { RuntimeStreams } from './nk/streams.ts';
export type { RuntimeAccounts } from './nk/users.ts';
export type { RuntimeWallets } from './nk/wallets.ts';

/** Dependencies of {@link createRuntimeApi}; absent services make their functions throw "not available". */
export interface RuntimeApiDeps {
  readonly matches: Pick<MatchFeature, 'service' | 'registry'>;
  /** Connected sessions, to check that a session belongs to the user named with it. */
  readonly sessions: { get(sessionId: string): { readonly userId: string } | undefined };
  readonly streams?: RuntimeStreams | undefined;
  readonly notifications?: RuntimeNotifications | undefined;
  readonly accounts?: RuntimeAccounts | undefined;
  readonly leaderboards?: RuntimeLeaderboards | undefined;
  readonly friends?: RuntimeFriends | undefined;
  readonly groups?: RuntimeGroups | undefined;
  readonly accountAdmin?: RuntimeAccountAdmin | undefined;
  readonly storage?: RuntimeStorage | undefined;
  readonly wallets?: RuntimeWallets | undefined;
  readonly node: string;
}

/** Builds the `nk` object. Each function validates its arguments and throws an `Error` saying what is wrong. */
export function createRuntimeApi(deps: RuntimeApiDeps): RuntimeApi {
  return Object.freeze({
    ...leaderboardNk(deps.leaderboards),
    ...matchNk(deps.matches),
    ...notificationNk(deps.notifications),
    ...streamNk(deps),
    ...userNk(deps.accounts),
    ...friendNk(deps.friends),
    ...groupNk(deps.groups),
    ...accountNk(deps.accountAdmin),
    ...storageNk(deps.storage),
    ...walletNk(deps.wallets),
  });
}
