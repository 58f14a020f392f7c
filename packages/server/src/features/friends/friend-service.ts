import { NotificationCode } from '@tether/protocol';
import { InvalidCursorError } from '../../db/cursor.ts';
import type { Db } from '../../db/db.ts';
import type { Clock } from '../../shared/clock.ts';
import { DomainError, ErrorKind, invalid } from '../../shared/domain-error.ts';
import { isUuid } from '../../shared/ids.ts';
import type { AccountStore, UserRecord } from '../accounts/store/account-store.ts';
import type { NotificationService, UserNotification } from '../notifications/notification-service.ts';
import { type FriendEdge, FriendState, type FriendStore, MAX_FRIEND_PAGE } from './store/friend-store.ts';

/** Most user ids plus usernames one add, delete or block may name. */
export const MAX_FRIEND_TARGETS = 100;
/** Largest edge metadata, in bytes of JSON text. */
export const MAX_FRIEND_METADATA_BYTES = 16 * 1024;
const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/** Who acts: the user and the username shown in the notifications the action sends. */
export interface FriendActor {
  readonly userId: string;
  readonly username: string;
}

/** One entry of a friend list: the other user, how the owner relates to them, and since when. */
export interface FriendItem {
  readonly user: UserRecord;
  /** True when the user has a realtime socket open. */
  readonly online: boolean;
  readonly state: FriendState;
  readonly updateTime: Date;
  /** JSON object text. */
  readonly metadata: string;
}

/** A page of a friend list; `cursor` is null on the last page. */
export interface FriendList {
  readonly friends: readonly FriendItem[];
  readonly cursor: string | null;
}

/** Whether either of two users blocked the other. */
export interface BlockStatus {
  /** The first user blocked the second. */
  readonly blocked: boolean;
  /** The second user blocked the first. */
  readonly blockedBy: boolean;
}

/**
 * Hears about blocks. Called inside the transaction that records the block: queue pushes and other
 * effects with `db.afterCommit`, so nothing happens for a block that rolls back.
 */
export interface FriendListener {
  blocked(userId: string, blockedId: string): void | Promise<void>;
}

/** Dependencies of {@link FriendService}. */
export interface FriendServiceDeps {
  readonly store: FriendStore;
  readonly db: Pick<Db, 'tx'>;
  /** Resolves targets by id or username, and the users of a list page. */
  readonly users: Pick<AccountStore, 'listUsers'>;
  /** Friend request (-2) and accept (-3) notifications, stored and pushed with the change. */
  readonly notifications: Pick<NotificationService, 'sendEach'>;
  /** Whether a user has a realtime socket open (Nakama's `online`). */
  readonly isOnline: (userId: string) => boolean;
  readonly clock: Clock;
  /** Most friends plus sent invitations one user may have (`friendsMaxPerUser`). */
  readonly maxFriends: number;
}

/**
 * Friends, invitations and blocks: Nakama's `/v2/friend` semantics over a {@link FriendStore}.
 *
 * Every change locks the users involved, reads the edges it depends on and writes, in one
 * transaction: if two users add each other at the same moment, the second waits for the first and
 * then sees its invitation and accepts it. Notifications are stored in that transaction and pushed
 * after it commits.
 */
export class FriendService {
  readonly #d: FriendServiceDeps;
  readonly #listeners = new Set<FriendListener>();

  constructor(deps: FriendServiceDeps) {
    this.#d = deps;
  }

  /** Registers a {@link FriendListener}; returns the function that removes it. */
  subscribe(listener: FriendListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Adds friends by id or username. A user who invited the actor becomes a friend (they get a -3
   * notification); anyone else gets an invitation (-2). Blocked users either way, existing friends
   * and pending invitations are left alone; unknown users are skipped, but naming nobody who exists
   * is an error. `metadata` (JSON object text) goes on the actor's edges.
   */
  async add(
    actor: FriendActor,
    ids: readonly string[],
    usernames: readonly string[],
    metadata?: string,
  ): Promise<void> {
    const extra = metadata === undefined ? undefined : checkFriendMetadata(metadata);
    if (ids.length === 0 && usernames.length === 0) return;
    const targets = await this.#resolve(actor, ids, usernames, 'Cannot add self as friend.');
    if (targets.users.length === 0) throw invalid('No valid ID or username was provided.');
    const { userId } = actor;
    const username = targets.actorName ?? actor.username;
    await this.#d.db.tx(async () => {
      const edges = await this.#edges(userId, targets.users);
      const now = this.#d.clock.now();
      const writes: FriendEdge[] = [];
      const notices: UserNotification[] = [];
      for (const [i, target] of targets.users.entries()) {
        const mine = edges.get(`${userId}>${target.id}`);
        const theirs = edges.get(`${target.id}>${userId}`);
        if (mine?.state === FriendState.BLOCKED || theirs?.state === FriendState.BLOCKED) continue;
        if (mine?.state === FriendState.INVITE_RECEIVED && theirs) {
          writes.push(
            {
              ...mine,
              state: FriendState.FRIEND,
              updateTime: new Date(now),
              metadata: merge(mine.metadata, extra),
            },
            { ...theirs, state: FriendState.FRIEND, updateTime: new Date(now) },
          );
          notices.push(
            notice(
              target.id,
              actor,
              `${username} accepted your friend request`,
              username,
              NotificationCode.FRIEND_ACCEPT,
            ),
          );
        } else if (!mine && !theirs) {
          const edge = { position: position(now, i), updateTime: new Date(now) };
          writes.push(
            {
              ...edge,
              userId,
              otherId: target.id,
              state: FriendState.INVITE_SENT,
              metadata: extra ?? '{}',
            },
            {
              ...edge,
              userId: target.id,
              otherId: userId,
              state: FriendState.INVITE_RECEIVED,
              metadata: '{}',
            },
          );
          notices.push(
            notice(
              target.id,
              actor,
              `${username} wants to add you as a friend`,
              username,
              NotificationCode.FRIEND_REQUEST,
            ),
          );
        }
      }
      if (notices.length === 0) return;
      // Each notice is one more friend or sent invitation for the actor.
      const have = await this.#d.store.countEdges(userId, [FriendState.FRIEND, FriendState.INVITE_SENT]);
      if (have + notices.length > this.#d.maxFriends) {
        throw new DomainError(
          ErrorKind.FAILED_PRECONDITION,
          `Friend limit reached: at most ${this.#d.maxFriends} friends and sent invitations.`,
        );
      }
      await this.#d.store.putEdges(writes);
      await this.#d.notifications.sendEach(notices);
    });
  }

  /**
   * Removes friends, declines or withdraws invitations, and lifts the actor's own blocks. A block the
   * other user placed on the actor stays. Naming nobody who exists is a no-op.
   */
  async delete(actor: FriendActor, ids: readonly string[], usernames: readonly string[]): Promise<void> {
    if (ids.length === 0 && usernames.length === 0) return;
    const targets = await this.#resolve(actor, ids, usernames, 'Cannot delete self.');
    if (targets.users.length === 0) return;
    const { userId } = actor;
    await this.#d.db.tx(async () => {
      const edges = await this.#edges(userId, targets.users);
      const gone: { userId: string; otherId: string }[] = [];
      for (const target of targets.users) {
        if (edges.has(`${userId}>${target.id}`)) gone.push({ userId, otherId: target.id });
        const theirs = edges.get(`${target.id}>${userId}`);
        if (theirs && theirs.state !== FriendState.BLOCKED) gone.push({ userId: target.id, otherId: userId });
      }
      await this.#d.store.deleteEdges(gone);
    });
  }

  /**
   * Blocks users: the actor's edge becomes a block and the other user's edge goes (unless it is a
   * block too), so friendships and invitations between them end. Blocked users cannot invite the
   * actor or open a direct-message channel with them; listeners hear of every block.
   */
  async block(actor: FriendActor, ids: readonly string[], usernames: readonly string[]): Promise<void> {
    if (ids.length === 0 && usernames.length === 0) return;
    const targets = await this.#resolve(actor, ids, usernames, 'Cannot block self.');
    if (targets.users.length === 0) throw invalid('No valid ID or username was provided.');
    const { userId } = actor;
    await this.#d.db.tx(async () => {
      const edges = await this.#edges(userId, targets.users);
      const now = this.#d.clock.now();
      const writes: FriendEdge[] = [];
      const gone: { userId: string; otherId: string }[] = [];
      for (const [i, target] of targets.users.entries()) {
        const mine = edges.get(`${userId}>${target.id}`);
        const theirs = edges.get(`${target.id}>${userId}`);
        if (mine?.state !== FriendState.BLOCKED) {
          writes.push({
            userId,
            otherId: target.id,
            state: FriendState.BLOCKED,
            position: mine?.position ?? position(now, i),
            updateTime: new Date(now),
            metadata: mine?.metadata ?? '{}',
          });
        }
        if (theirs && theirs.state !== FriendState.BLOCKED) gone.push({ userId: target.id, otherId: userId });
      }
      await this.#d.store.deleteEdges(gone);
      await this.#d.store.putEdges(writes);
      for (const target of targets.users) {
        for (const listener of this.#listeners) await listener.blocked(userId, target.id);
      }
    });
  }

  /**
   * A page of a user's friend list ordered by state (friends, sent invitations, received
   * invitations, blocks), then by when each relationship started. `limit` is 1–1000.
   */
  async list(
    userId: string,
    query: {
      readonly limit: number;
      readonly state?: number | undefined;
      readonly cursor?: string | undefined;
    },
  ): Promise<FriendList> {
    const { limit, state } = query;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_FRIEND_PAGE) {
      throw invalid(`Invalid limit - limit must be between 1 and ${MAX_FRIEND_PAGE}.`);
    }
    if (state !== undefined && (!Number.isInteger(state) || state < 0 || state > 3)) {
      throw invalid('Invalid state - state must be between 0 and 3.');
    }
    let page: Awaited<ReturnType<FriendStore['listEdges']>>;
    try {
      page = await this.#d.store.listEdges(userId, {
        limit,
        state: state as FriendState | undefined,
        cursor: query.cursor,
      });
    } catch (err) {
      if (err instanceof InvalidCursorError) throw invalid('Cursor is invalid.');
      throw err;
    }
    const users = new Map(
      (
        await this.#d.users.listUsers(
          page.edges.map((e) => e.otherId),
          [],
        )
      ).map((u) => [u.id, u]),
    );
    const friends: FriendItem[] = [];
    for (const edge of page.edges) {
      const user = users.get(edge.otherId);
      // An account deleted since the page was read takes its edges with it: leave it out.
      if (!user) continue;
      const { state: s, updateTime, metadata } = edge;
      friends.push({ user, online: this.#d.isOnline(user.id), state: s, updateTime, metadata });
    }
    return { friends, cursor: page.cursor };
  }

  /** Whether `userId` blocked `otherId` and whether `otherId` blocked `userId`. */
  async blockStatus(userId: string, otherId: string): Promise<BlockStatus> {
    const edges = await this.#d.store.edgesBetween(userId, [otherId]);
    const blocks = (from: string) => edges.some((e) => e.userId === from && e.state === FriendState.BLOCKED);
    return { blocked: blocks(userId), blockedBy: blocks(otherId) };
  }

  /** Locks the actor and the targets, then reads the edges between them, keyed `from>to`. */
  async #edges(userId: string, targets: readonly UserRecord[]): Promise<Map<string, FriendEdge>> {
    const ids = targets.map((t) => t.id);
    await this.#d.store.lockUsers([userId, ...ids]);
    const edges = await this.#d.store.edgesBetween(userId, ids);
    return new Map(edges.map((e) => [`${e.userId}>${e.otherId}`, e]));
  }

  /**
   * Checks the ids and usernames, then looks them up (with the actor, for their current username).
   * Unknown ones are dropped; naming the actor is an error with `selfMessage`.
   */
  async #resolve(
    actor: FriendActor,
    ids: readonly string[],
    usernames: readonly string[],
    selfMessage: string,
  ): Promise<{ users: UserRecord[]; actorName: string | undefined }> {
    if (!Array.isArray(ids) || !Array.isArray(usernames))
      throw invalid('User IDs and usernames must be arrays.');
    if (ids.length + usernames.length > MAX_FRIEND_TARGETS) {
      throw invalid(`Too many users: at most ${MAX_FRIEND_TARGETS} IDs and usernames per request.`);
    }
    const wanted: string[] = [];
    for (const id of ids) {
      if (typeof id !== 'string' || !isUuid(id) || id === NIL_UUID) {
        throw invalid(`Invalid user ID '${String(id).slice(0, 64)}'.`);
      }
      const lower = id.toLowerCase();
      if (lower === actor.userId) throw invalid(selfMessage);
      wanted.push(lower);
    }
    for (const name of usernames) {
      if (typeof name !== 'string' || name === '') throw invalid('Username must not be empty.');
    }
    const found = await this.#d.users.listUsers([...wanted, actor.userId], usernames);
    let actorName: string | undefined;
    const byKey = new Map<string, UserRecord>();
    for (const user of found) {
      if (user.id === actor.userId) actorName = user.username;
      else byKey.set(user.id, user).set(`@${user.username.toLowerCase()}`, user);
    }
    // In the order asked (ids, then usernames), each user once.
    const users = [
      ...new Set(
        [...wanted, ...usernames.map((n) => `@${n.toLowerCase()}`)].flatMap((k) => byKey.get(k) ?? []),
      ),
    ];
    // The actor named by username (usernames are unique regardless of case).
    const self = actorName?.toLowerCase() ?? actor.username.toLowerCase();
    if (usernames.some((n) => n.toLowerCase() === self)) throw invalid(selfMessage);
    return { users, actorName };
  }
}

/** Edge metadata: JSON object text of at most {@link MAX_FRIEND_METADATA_BYTES} bytes. */
export function checkFriendMetadata(text: string): string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalid('Metadata value must be a JSON object.');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalid('Metadata value must be a JSON object.');
  }
  if (Buffer.byteLength(text) > MAX_FRIEND_METADATA_BYTES) {
    throw invalid(`Metadata must be at most ${MAX_FRIEND_METADATA_BYTES} bytes.`);
  }
  return JSON.stringify(value);
}

/** The position of a new edge: Unix microseconds plus its index in the request, so a batch keeps its order. */
export function position(nowMs: number, index: number): number {
  return nowMs * 1000 + index;
}

/** Merges new metadata keys into an edge's (Nakama merges on accept). */
function merge(existing: string, extra: string | undefined): string {
  if (extra === undefined) return existing;
  return JSON.stringify({ ...(JSON.parse(existing) as object), ...(JSON.parse(extra) as object) });
}

function notice(
  userId: string,
  actor: FriendActor,
  subject: string,
  username: string,
  code: number,
): UserNotification {
  return { userId, subject, content: { username }, code, senderId: actor.userId, persistent: true };
}
