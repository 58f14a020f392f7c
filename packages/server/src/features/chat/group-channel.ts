/**
 * Chat's side of groups and blocks. The groups feature announces membership changes to listeners
 * (it never imports chat); this one writes Nakama's system messages into the group's channel in the
 * same transaction as the change, and after the commit pushes them to the channel and takes users who
 * left, were kicked or were banned off it at once. A deleted group's channel is emptied; a block
 * empties the direct-message channel of the two users.
 */
import { ChannelMessageCode } from '@tether/protocol';
import type { Logger } from 'pino';
import type { Db } from '../../db/db.ts';
import type { MessageRouter } from '../../presence/message-router.ts';
import { OutboundMessage } from '../../presence/outbound.ts';
import type { Tracker } from '../../presence/tracker.ts';
import type { Clock } from '../../shared/clock.ts';
import type { MonotonicUuidV7 } from '../../shared/monotonic-uuid.ts';
import type { FriendListener } from '../friends/friend-service.ts';
import {
  type GroupListener,
  type MembershipChange,
  MembershipChangeKind,
  REMOVAL_KINDS,
} from '../groups/group-events.ts';
import { type ChannelRef, directChannel, groupChannel } from './channel-id.ts';
import { messageJson } from './chat-json.ts';
import type { ChatMessageRecord, ChatStore } from './store/chat-store.ts';

/** The `channel_message.code` of each membership change (Nakama's group channel codes). */
const CODE_OF: Readonly<Record<MembershipChangeKind, number>> = {
  [MembershipChangeKind.JOINED]: ChannelMessageCode.GROUP_JOIN,
  [MembershipChangeKind.ADDED]: ChannelMessageCode.GROUP_ADD,
  [MembershipChangeKind.LEFT]: ChannelMessageCode.GROUP_LEAVE,
  [MembershipChangeKind.KICKED]: ChannelMessageCode.GROUP_KICK,
  [MembershipChangeKind.PROMOTED]: ChannelMessageCode.GROUP_PROMOTE,
  [MembershipChangeKind.BANNED]: ChannelMessageCode.GROUP_BAN,
  [MembershipChangeKind.DEMOTED]: ChannelMessageCode.GROUP_DEMOTE,
};

/** Dependencies of {@link GroupChannelEvents}. */
export interface GroupChannelDeps {
  readonly store: ChatStore;
  readonly db: Pick<Db, 'afterCommit'>;
  readonly tracker: Tracker;
  readonly router: MessageRouter;
  readonly clock: Clock;
  /** Chat's message id generator, shared so system messages and chat sort together. */
  readonly ids: MonotonicUuidV7;
  readonly logger: Logger;
}

/** Implements the groups feature's {@link GroupListener} and the friends feature's {@link FriendListener}. */
export class GroupChannelEvents implements GroupListener, FriendListener {
  readonly #d: GroupChannelDeps;

  constructor(deps: GroupChannelDeps) {
    this.#d = deps;
  }

  /**
   * Stores one system message per change (sender and username: the user whose membership changed;
   * content `{}`); after the commit, pushes each to the channel, then removes departed users from it.
   */
  async membershipChanged(changes: readonly MembershipChange[]): Promise<void> {
    const now = this.#d.clock.now();
    const written: { channel: ChannelRef; message: ChatMessageRecord; change: MembershipChange }[] = [];
    for (const change of changes) {
      const channel = groupChannel(change.groupId);
      const message: ChatMessageRecord = {
        id: this.#d.ids.next(now),
        channelId: channel.id,
        code: CODE_OF[change.kind],
        senderId: change.userId,
        username: change.username,
        content: '{}',
        createTime: new Date(now),
        updateTime: new Date(now),
      };
      await this.#d.store.insertMessage(message);
      written.push({ channel, message, change });
    }
    this.#d.db.afterCommit(() => {
      for (const { channel, message, change } of written) {
        // First the message, so a departing member still sees their own leave; then off the channel.
        this.#d.router.sendToStream(
          channel.stream,
          new OutboundMessage({ channel_message: messageJson(channel, message, true) }),
        );
        if (REMOVAL_KINDS.has(change.kind)) this.#removeUser(channel, change.userId);
      }
    });
  }

  /** Empties a deleted group's channel once the deletion commits. Its history stays, as in Nakama. */
  groupDeleted(groupId: string): void {
    this.#d.db.afterCommit(() => this.#d.tracker.untrackStream(groupChannel(groupId).stream, 'kick'));
  }

  /** Empties the direct-message channel of two users once a block between them commits. */
  blocked(userId: string, blockedId: string): void {
    this.#d.db.afterCommit(() =>
      this.#d.tracker.untrackStream(directChannel(userId, blockedId).stream, 'kick'),
    );
  }

  /** Takes every session of a user (on any node) off a channel. */
  #removeUser(channel: ChannelRef, userId: string): void {
    const sessions = this.#d.tracker
      .list(channel.stream, true)
      .filter((p) => p.userId === userId)
      .map((p) => p.sessionId);
    for (const sessionId of sessions) this.#d.tracker.untrack(sessionId, channel.stream, 'kick');
    if (sessions.length > 0)
      this.#d.logger.debug({ channelId: channel.id, userId }, 'removed from group channel');
  }
}
