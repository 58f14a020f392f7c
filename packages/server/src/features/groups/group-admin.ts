import { NotificationCode } from '@tether/protocol';
import { DomainError, ErrorKind, invalid, notFound } from '../../shared/domain-error.ts';
import {
  MembershipChangeKind as Kind,
  type MembershipChange,
  type MembershipChangeKind,
} from './group-events.ts';
import type { GroupActor, GroupInternals } from './group-types.ts';
import { checkGroupId, checkUserIds } from './group-validation.ts';
import { type GroupMemberRecord, type GroupRecord, GroupRole } from './store/group-store.ts';

const denied = () => notFound('Group not found or permission denied.');
const aboveRank = (message: string) => new DomainError(ErrorKind.PERMISSION_DENIED, message);

/**
 * The admin operations of groups: add, kick, ban, promote and demote, for admins and superadmins
 * (or server code, which has every right). Each call is all or nothing, in one transaction with the
 * group locked.
 *
 * As in Nakama the caller's own id in the list is skipped, and users with no relationship to the group
 * are skipped by kick, promote and demote. Where Nakama silently skips a target the caller may not act
 * on (a rank at or above theirs, demoting a member, promoting a join request, removing the last
 * superadmin), Tether refuses the whole call with a message saying why, and nothing changes.
 */
export class GroupAdmin {
  readonly #g: GroupInternals;

  constructor(internals: GroupInternals) {
    this.#g = internals;
  }

  /**
   * Adds users as members, or accepts their join requests; each gets a -4 notification. Members,
   * admins and banned users are left as they are. Every user must exist, and the group must have room.
   */
  async add(actor: GroupActor, groupId: string, userIds: readonly string[]): Promise<void> {
    const id = checkGroupId(groupId);
    const ids = checkUserIds(userIds).filter((u) => u !== actor?.userId);
    const { deps } = this.#g;
    await this.#g.locked(id, async (group) => {
      await this.#requireAdmin(group, actor);
      if (ids.length === 0) return;
      const users = inOrder(ids, await deps.users.listUsers(ids, []));
      if (users.length < ids.length) throw invalid('One or more users not found.');
      const states = await deps.store.memberStates(id, ids);
      const added = users.filter((u) => {
        const s = states.get(u.id);
        return s === undefined || s === GroupRole.JOIN_REQUEST;
      });
      if (added.length === 0) return;
      if (group!.edgeCount + added.length > group!.maxCount) throw invalid('Group is full.');
      const now = deps.clock.now();
      await deps.store.putMembers(
        added.map((u, i) => ({
          groupId: id,
          userId: u.id,
          state: GroupRole.MEMBER,
          position: now * 1000 + i,
          updateTime: new Date(now),
        })),
      );
      await deps.store.addEdgeCount(id, added.length, new Date(now));
      await this.#g.announce(added.map((u) => change(id, u, Kind.ADDED)));
      await deps.notifications.sendEach(
        added.map((u) => ({
          userId: u.id,
          subject: `You've been added to group ${group!.name}`,
          content: { group_id: id, name: group!.name },
          code: NotificationCode.GROUP_ADD,
          senderId: actor?.userId ?? null,
          persistent: true,
        })),
      );
    });
  }

  /**
   * Removes users from the group: members leave (announced), join requests are declined, bans are
   * lifted. Admins may only kick members, join requests and bans.
   */
  async kick(actor: GroupActor, groupId: string, userIds: readonly string[]): Promise<void> {
    await this.#remove(actor, groupId, userIds, 'kick');
  }

  /**
   * Bans users who exist (unknown ids are skipped): members leave (announced) and nobody banned can
   * join until an admin kicks them, which lifts the ban. Admins may only ban members, join requests and
   * users with no relationship to the group.
   */
  async ban(actor: GroupActor, groupId: string, userIds: readonly string[]): Promise<void> {
    await this.#remove(actor, groupId, userIds, 'ban');
  }

  /** Promotes members to admin, and (superadmins only) admins to superadmin. */
  async promote(actor: GroupActor, groupId: string, userIds: readonly string[]): Promise<void> {
    await this.#changeRank(actor, groupId, userIds, -1);
  }

  /**
   * Demotes admins to member. A superadmin cannot be demoted by another user (server code may, while
   * another superadmin remains); members are already the lowest rank.
   */
  async demote(actor: GroupActor, groupId: string, userIds: readonly string[]): Promise<void> {
    // Nakama's one batch operation that refuses an empty list.
    if (Array.isArray(userIds) && userIds.length === 0) throw invalid('User IDs must be set.');
    await this.#changeRank(actor, groupId, userIds, 1);
  }

  async #remove(
    actor: GroupActor,
    groupId: string,
    userIds: readonly string[],
    op: 'kick' | 'ban',
  ): Promise<void> {
    const id = checkGroupId(groupId);
    const ids = checkUserIds(userIds).filter((u) => u !== actor?.userId);
    const { deps } = this.#g;
    await this.#g.locked(id, async (group) => {
      const rank = await this.#requireAdmin(group, actor);
      if (ids.length === 0) return;
      const states = await deps.store.memberStates(id, ids);
      // Kick acts on relationships; ban on any user who exists.
      const wanted = op === 'kick' ? ids.filter((u) => states.has(u)) : ids;
      const users = inOrder(wanted, await deps.users.listUsers(wanted, []));
      const targets = users.filter((u) => states.get(u.id) !== GroupRole.BANNED || op === 'kick');
      if (targets.length === 0) return;
      for (const u of targets) {
        const s = states.get(u.id);
        if (rank === GroupRole.ADMIN && s !== undefined && s <= GroupRole.ADMIN) {
          throw aboveRank(`Admins cannot ${op} other admins or superadmins.`);
        }
      }
      await this.#keepASuperadmin(
        id,
        targets.filter((u) => states.get(u.id) === GroupRole.SUPERADMIN).length,
        op,
      );
      const now = deps.clock.now();
      if (op === 'kick') {
        await deps.store.deleteMembers(
          id,
          targets.map((u) => u.id),
        );
      } else {
        await deps.store.putMembers(
          targets.map((u, i) => ({
            groupId: id,
            userId: u.id,
            state: GroupRole.BANNED,
            position: now * 1000 + i,
            updateTime: new Date(now),
          })),
        );
      }
      const left = targets.filter((u) => (states.get(u.id) ?? GroupRole.BANNED) <= GroupRole.MEMBER);
      await deps.store.addEdgeCount(id, -left.length, new Date(now));
      await this.#g.announce(left.map((u) => change(id, u, op === 'kick' ? Kind.KICKED : Kind.BANNED)));
    });
  }

  /** Moves each target one rank up (`step` -1) or down (+1). */
  async #changeRank(
    actor: GroupActor,
    groupId: string,
    userIds: readonly string[],
    step: -1 | 1,
  ): Promise<void> {
    const id = checkGroupId(groupId);
    const ids = checkUserIds(userIds).filter((u) => u !== actor?.userId);
    const { deps } = this.#g;
    await this.#g.locked(id, async (group) => {
      const rank = await this.#requireAdmin(group, actor);
      const states = await deps.store.memberStates(id, ids);
      const targets = ids.filter((u) => states.has(u));
      if (targets.length === 0) return;
      const now = deps.clock.now();
      const writes: GroupMemberRecord[] = [];
      for (const userId of targets) {
        const s = states.get(userId)!;
        const next = (s + step) as GroupRole;
        if (step < 0) checkPromotion(s, rank);
        else checkDemotion(s, rank, actor);
        writes.push({ groupId: id, userId, state: next, position: now * 1000, updateTime: new Date(now) });
      }
      if (step > 0) {
        await this.#keepASuperadmin(
          id,
          targets.filter((u) => states.get(u) === GroupRole.SUPERADMIN).length,
          'demote',
        );
      }
      const users = new Map((await deps.users.listUsers(targets, [])).map((u) => [u.id, u]));
      await deps.store.putMembers(writes);
      await this.#g.announce(
        targets.flatMap((u) => {
          const user = users.get(u);
          return user ? [change(id, user, step < 0 ? Kind.PROMOTED : Kind.DEMOTED)] : [];
        }),
      );
    });
  }

  /** The actor's rank, which must be admin or superadmin; otherwise Nakama's 404. */
  async #requireAdmin(group: GroupRecord | null, actor: GroupActor): Promise<GroupRole> {
    if (!group) throw denied();
    const rank = await this.#g.rankOf(group.id, actor);
    if (rank === undefined || rank > GroupRole.ADMIN) throw denied();
    return rank;
  }

  /** Refuses to take away the group's last superadmin. */
  async #keepASuperadmin(groupId: string, removing: number, op: string): Promise<void> {
    if (removing === 0) return;
    const all = await this.#g.deps.store.usersInStates(groupId, [GroupRole.SUPERADMIN], removing + 1);
    if (all.length <= removing) throw invalid(`Cannot ${op} the last superadmin of a group.`);
  }
}

function checkPromotion(state: GroupRole, rank: GroupRole): void {
  if (state === GroupRole.SUPERADMIN)
    throw invalid('Superadmins cannot be promoted: it is the highest rank.');
  if (state >= GroupRole.JOIN_REQUEST) {
    throw invalid('Only members and admins can be promoted; add users with a join request instead.');
  }
  // The new rank must stay below the actor's own: admins make admins, superadmins make superadmins.
  if (state - 1 < rank) throw aboveRank('Admins cannot promote other admins.');
}

function checkDemotion(state: GroupRole, rank: GroupRole, actor: GroupActor): void {
  if (state === GroupRole.MEMBER) throw invalid('Members cannot be demoted: it is the lowest rank.');
  if (state >= GroupRole.JOIN_REQUEST) throw invalid('Only admins and superadmins can be demoted.');
  if (state === GroupRole.SUPERADMIN && actor !== null) {
    throw aboveRank('A superadmin cannot be demoted by another user.');
  }
  if (state < rank) throw aboveRank('Admins cannot demote superadmins.');
}

/** The users found, in the order their ids were asked for (a batch keeps its order). */
function inOrder<U extends { readonly id: string }>(ids: readonly string[], users: readonly U[]): U[] {
  const byId = new Map(users.map((u) => [u.id, u]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

function change(
  groupId: string,
  user: { readonly id: string; readonly username: string },
  kind: MembershipChangeKind,
): MembershipChange {
  return { groupId, userId: user.id, username: user.username, kind };
}
