/**
 * What the groups feature tells the rest of the server about membership, so that features built on
 * groups (chat's group channels) can react without groups knowing them: groups never imports chat;
 * chat subscribes here. Listeners run inside the transaction that makes the change, so their own
 * writes (chat's system messages) commit or roll back with it, and they queue their pushes with
 * `db.afterCommit`: nothing is announced that did not happen.
 */

/** Kinds of membership change, as Nakama's group channel announces them. */
export const MembershipChangeKind = {
  /** Joined an open group. */
  JOINED: 'joined',
  /** Added by an admin (or a join request accepted). */
  ADDED: 'added',
  LEFT: 'left',
  KICKED: 'kicked',
  PROMOTED: 'promoted',
  DEMOTED: 'demoted',
  BANNED: 'banned',
} as const;
export type MembershipChangeKind = (typeof MembershipChangeKind)[keyof typeof MembershipChangeKind];

/** Kinds after which the user is no longer a member. */
export const REMOVAL_KINDS: ReadonlySet<MembershipChangeKind> = new Set([
  MembershipChangeKind.LEFT,
  MembershipChangeKind.KICKED,
  MembershipChangeKind.BANNED,
]);

/** One user's membership change in one group. */
export interface MembershipChange {
  readonly groupId: string;
  /** The user whose membership changed (not the admin who changed it). */
  readonly userId: string;
  readonly username: string;
  readonly kind: MembershipChangeKind;
}

/** Hears about membership changes and deleted groups; see the module comment for when it runs. */
export interface GroupListener {
  /** Changes in one group, in the order they were made. Throwing rolls the change back. */
  membershipChanged(changes: readonly MembershipChange[]): void | Promise<void>;
  /** A group was deleted (by its superadmin, server code, or its last member leaving). */
  groupDeleted(groupId: string): void | Promise<void>;
}
