/**
 * `nk.friends*`: friends, invitations and blocks, over the friends feature.
 *
 * @packageDocumentation
 */
import type { FriendService } from '../../features/friends/friend-service.ts';
import { type RuntimeUser, runtimeUser, userIdArg } from './social-types.ts';

/** What the `friends*` functions need (the friends feature's `FriendService` provides it). */
export type RuntimeFriends = Pick<FriendService, 'add' | 'delete' | 'block' | 'list'>;

/** One entry of {@link FriendNk.friendsList}. */
export interface RuntimeFriend {
  readonly user: RuntimeUser;
  /** 0 friend, 1 invitation sent, 2 invitation received, 3 blocked. */
  readonly state: number;
  /** Unix seconds. */
  readonly updateTime: number;
  readonly metadata: Record<string, unknown>;
}

/** Friend functions of `nk`. Failures throw an `Error` (a service error) saying what was wrong. */
export interface FriendNk {
  /**
   * A page of a user's friend list, by state then age. `limit` 1–1000 (default 100); `state` 0–3, or
   * -1 / absent for all; `cursor` from the previous page. `cursor` is absent on the last page.
   */
  friendsList(
    userId: string,
    limit?: number,
    state?: number | null,
    cursor?: string | null,
  ): Promise<{ friends: RuntimeFriend[]; cursor?: string }>;
  /**
   * Adds friends as the user would (`username` is shown in the notifications): accepts invitations
   * they received, sends invitations otherwise. `metadata` (an object) goes on the user's edges.
   */
  friendsAdd(
    userId: string,
    username: string,
    ids: readonly string[],
    usernames: readonly string[],
    metadata?: Record<string, unknown> | null,
  ): Promise<void>;
  /** Removes friends, declines or withdraws invitations, lifts the user's own blocks. */
  friendsDelete(
    userId: string,
    username: string,
    ids: readonly string[],
    usernames: readonly string[],
  ): Promise<void>;
  /** Blocks users (ending any friendship or invitation with them). */
  friendsBlock(
    userId: string,
    username: string,
    ids: readonly string[],
    usernames: readonly string[],
  ): Promise<void>;
}

/** Builds the friend functions; without a friend service they throw "not available". */
export function friendNk(service: RuntimeFriends | undefined): FriendNk {
  const friends = (): RuntimeFriends => {
    if (!service) throw new Error('Friends are not available on this server');
    return service;
  };
  return {
    async friendsList(userId, limit = 100, state = null, cursor = null) {
      const list = await friends().list(userIdArg(userId), {
        limit,
        state: state === null || state === -1 ? undefined : state,
        cursor: cursor || undefined,
      });
      return {
        friends: list.friends.map((f) => ({
          user: runtimeUser(f.user, f.online),
          state: f.state,
          updateTime: Math.floor(f.updateTime.getTime() / 1000),
          metadata: JSON.parse(f.metadata) as Record<string, unknown>,
        })),
        ...(list.cursor ? { cursor: list.cursor } : {}),
      };
    },
    async friendsAdd(userId, username, ids, usernames, metadata = null) {
      if (metadata !== null && (typeof metadata !== 'object' || Array.isArray(metadata))) {
        throw new Error('invalid metadata: must be an object');
      }
      await friends().add(
        { userId: userIdArg(userId), username },
        ids,
        usernames,
        metadata ? JSON.stringify(metadata) : undefined,
      );
    },
    async friendsDelete(userId, username, ids, usernames) {
      await friends().delete({ userId: userIdArg(userId), username }, ids, usernames);
    },
    async friendsBlock(userId, username, ids, usernames) {
      await friends().block({ userId: userIdArg(userId), username }, ids, usernames);
    },
  };
}
