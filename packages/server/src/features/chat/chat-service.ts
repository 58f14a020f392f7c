import {
  type Channel,
  type ChannelMessageAck,
  ChannelMessageCode,
  ChannelType,
  NotificationCode,
} from '@tether/protocol';
import type { Logger } from 'pino';
import { InvalidCursorError } from '../../db/cursor.ts';
import type { MessageRouter } from '../../presence/message-router.ts';
import { OutboundMessage } from '../../presence/outbound.ts';
import type { Tracker } from '../../presence/tracker.ts';
import type { PresenceEvent, SessionHandle } from '../../presence/types.ts';
import { sessionPresence, userPresence } from '../../presence/wire.ts';
import type { Clock } from '../../shared/clock.ts';
import { DomainError, ErrorKind, invalid } from '../../shared/domain-error.ts';
import { isUuid } from '../../shared/ids.ts';
import { MonotonicUuidV7 } from '../../shared/monotonic-uuid.ts';
import type { AccountStore } from '../accounts/store/account-store.ts';
import type { FriendService } from '../friends/friend-service.ts';
import type { GroupService } from '../groups/group-service.ts';
import { GroupRole } from '../groups/store/group-store.ts';
import type { NotificationService } from '../notifications/notification-service.ts';
import {
  type ChannelRef,
  channelOfStream,
  directChannel,
  groupChannel,
  isRoomName,
  isUserId,
  parseChannelId,
  roomChannel,
} from './channel-id.ts';
import {
  ackJson,
  type ChannelMessageList,
  historyJson,
  messageJson,
  presenceEventJson,
  targetOf,
} from './chat-json.ts';
import { type ChatMessageRecord, type ChatStore, MAX_PAGE_LIMIT } from './store/chat-store.ts';

/** A session as chat sees it: its identity, its outgoing queue, and whether it is still open. */
export interface ChatSession extends SessionHandle {
  readonly closed: boolean;
}

/** A decoded `channel_join` (defaults applied: `type` 0 already became ROOM). */
export interface JoinRequest {
  readonly target: string;
  readonly type: number;
  readonly persistence: boolean;
  readonly hidden: boolean;
}

/** A validated join, ready to be tracked by {@link ChatService.join}. */
export interface JoinPlan {
  readonly session: ChatSession;
  readonly channel: ChannelRef;
  readonly persistence: boolean;
  readonly hidden: boolean;
}

/** The result of a send, update or remove: the sender's ack, then the push to every member. */
export interface MessageOutcome {
  readonly ack: ChannelMessageAck;
  /** Pushes `channel_message` to every member (sender included). Call it after replying with the ack. */
  broadcast(): void;
}

/** A history query from `GET /v2/channel/{id}`. */
export interface HistoryQuery {
  readonly limit: number;
  readonly forward: boolean;
  readonly cursor?: string | undefined;
}

/** Dependencies of {@link ChatService}. */
export interface ChatServiceDeps {
  readonly store: ChatStore;
  /** For direct messages: the other user must exist. */
  readonly users: Pick<AccountStore, 'getUser'>;
  /** For direct messages: neither user may have blocked the other. */
  readonly friends: Pick<FriendService, 'blockStatus'>;
  /** For group channels: only members (superadmins, admins, members) may join or read. */
  readonly groups: Pick<GroupService, 'membership'>;
  readonly tracker: Tracker;
  readonly router: MessageRouter;
  readonly notifications: NotificationService;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Message ids; pass the generator group system messages use too, so all of a channel sorts together. */
  readonly ids?: MonotonicUuidV7;
}

const MessageCode = {
  CHAT: ChannelMessageCode.CHAT,
  UPDATE: ChannelMessageCode.CHAT_UPDATE,
  REMOVE: ChannelMessageCode.CHAT_REMOVE,
} as const;

const bad = (message: string) => invalid(message);

/**
 * Chat: rooms, direct messages and group channels as presence streams (modes 2, 4 and 3), with
 * history in a {@link ChatStore}. Socket handlers and HTTP routes are thin adapters over these
 * methods. Group system messages and removals are written by {@link GroupChannelEvents}.
 *
 * Joining is split in two so that handlers keep the presence invariant: {@link prepareJoin} does the
 * asynchronous checks, then {@link join} tracks the presence and returns the reply synchronously, so
 * the reply is queued before the presence event the join causes.
 */
export class ChatService {
  readonly #d: ChatServiceDeps;
  readonly #ids: MonotonicUuidV7;

  constructor(deps: ChatServiceDeps) {
    this.#d = deps;
    this.#ids = deps.ids ?? new MonotonicUuidV7();
  }

  /**
   * Validates a join. For a direct message the other user must exist and neither may have blocked the
   * other, and when this is a new join and they are not in the channel, they get a persistent
   * DM-request notification (code -1) before the join completes. For a group channel the user must be
   * a member. Throws BAD_INPUT errors with Nakama's messages.
   */
  async prepareJoin(session: ChatSession, req: JoinRequest): Promise<JoinPlan> {
    const plan = (channel: ChannelRef): JoinPlan => ({
      session,
      channel,
      persistence: req.persistence,
      hidden: req.hidden,
    });
    switch (req.type) {
      case ChannelType.ROOM:
        // The envelope schema already applied Nakama's room-name rules (with its exact texts); this
        // guards server-side callers.
        if (!isRoomName(req.target)) throw bad('Invalid channel target');
        return plan(roomChannel(req.target));
      case ChannelType.DIRECT_MESSAGE: {
        const other = req.target.toLowerCase();
        if (!isUuid(other) || other === '00000000-0000-0000-0000-000000000000') {
          throw bad('Invalid user ID in direct message join');
        }
        if (other === session.userId) throw bad('Cannot open direct message channel with self');
        if (!(await this.#d.users.getUser(other))) throw bad('User ID not found');
        const blocks = await this.#d.friends.blockStatus(session.userId, other);
        // Being blocked reads as Nakama's "not found": the block is not revealed.
        if (blocks.blockedBy) throw bad('User ID not found');
        if (blocks.blocked) throw bad('Cannot open direct message channel with a user you blocked');
        const channel = directChannel(session.userId, other);
        await this.#requestChat(session, channel, other);
        return plan(channel);
      }
      case ChannelType.GROUP: {
        const groupId = req.target.toLowerCase();
        if (!isUuid(groupId) || !(await this.#isMember(groupId, session.userId))) {
          throw bad('Group not found: Invalid channel target');
        }
        return plan(groupChannel(groupId));
      }
      default:
        throw bad('Unrecognized channel type');
    }
  }

  /**
   * Tracks the session on the channel and returns the `channel` reply: the visible members (self
   * excluded on a new join; included when already a member, whose flags then stay as they were) and
   * self. Synchronous on purpose: reply at once, so the join event follows the reply.
   */
  join(plan: JoinPlan): Channel {
    const { session, channel } = plan;
    // A session that closed while the join was being checked must not be left on the stream.
    const isNew =
      !session.closed &&
      this.#d.tracker.track(session, channel.stream, {
        username: session.username,
        persistence: plan.persistence,
        hidden: plan.hidden,
      });
    // On a repeated join the first join's flags stay, so `self` reports those.
    const persistence = this.#d.tracker.get(session.id, channel.stream)?.meta.persistence ?? plan.persistence;
    const self = sessionPresence({
      userId: session.userId,
      sessionId: session.id,
      username: session.username,
    });
    if (persistence) self.persistence = true;
    const presences = this.#d.tracker
      .list(channel.stream)
      .filter((p) => !(isNew && p.sessionId === session.id))
      .map(userPresence);
    if (isNew && channel.kind === 'group') void this.#confirmGroupJoin(session, channel);
    return {
      id: channel.id,
      ...(presences.length > 0 ? { presences } : {}),
      self,
      ...targetOf(channel),
    };
  }

  /** Leaves a channel (a no-op when not a member). Throws BAD_INPUT for a malformed channel id. */
  leave(session: ChatSession, channelId: string): void {
    this.#d.tracker.untrack(session.id, this.#channel(channelId).stream, 'leave');
  }

  /** Sends a message (content: JSON text of an object) to a channel the session has joined. */
  async sendMessage(session: ChatSession, channelId: string, content: string): Promise<MessageOutcome> {
    const channel = this.#channel(channelId);
    const persistent = this.#membership(session, channel, 'sending');
    const now = new Date(this.#d.clock.now());
    const message: ChatMessageRecord = {
      id: this.#ids.next(now.getTime()),
      channelId: channel.id,
      code: MessageCode.CHAT,
      senderId: session.userId,
      username: session.username,
      content,
      createTime: now,
      updateTime: now,
    };
    if (persistent) await this.#persist(() => this.#d.store.insertMessage(message), 'message');
    return this.#outcome(channel, message, persistent);
  }

  /** Replaces the content of one of the session's own messages (code 1 on the wire). */
  async updateMessage(
    session: ChatSession,
    channelId: string,
    messageId: string,
    content: string,
  ): Promise<MessageOutcome> {
    const id = this.#messageId(messageId);
    const channel = this.#channel(channelId);
    const persistent = this.#membership(session, channel, 'updating');
    const now = new Date(this.#d.clock.now());
    let message: ChatMessageRecord = {
      id,
      channelId: channel.id,
      code: MessageCode.UPDATE,
      senderId: session.userId,
      username: session.username,
      content,
      createTime: now,
      updateTime: now,
    };
    if (persistent) {
      const key = { channelId: channel.id, id, senderId: session.userId };
      const change = { content, username: session.username, updateTime: now };
      const stored = await this.#persist(() => this.#d.store.updateMessage(key, change), 'message update');
      if (!stored) throw bad('Could not find message to update in channel history');
      message = { ...message, createTime: stored.createTime };
    }
    return this.#outcome(channel, message, persistent);
  }

  /** Removes one of the session's own messages (code 2, content `{}` on the wire). */
  async removeMessage(session: ChatSession, channelId: string, messageId: string): Promise<MessageOutcome> {
    const id = this.#messageId(messageId);
    const channel = this.#channel(channelId);
    const persistent = this.#membership(session, channel, 'removing');
    const now = new Date(this.#d.clock.now());
    let message: ChatMessageRecord = {
      id,
      channelId: channel.id,
      code: MessageCode.REMOVE,
      senderId: session.userId,
      username: session.username,
      content: '{}',
      createTime: now,
      updateTime: now,
    };
    if (persistent) {
      const key = { channelId: channel.id, id, senderId: session.userId };
      const removed = await this.#persist(() => this.#d.store.removeMessage(key), 'message removal');
      if (!removed) throw bad('Could not find message to remove in channel history');
      message = { ...message, createTime: removed.createTime };
    }
    return this.#outcome(channel, message, persistent);
  }

  /**
   * Announces joins and leaves of visible members to everyone on the channel (hidden members
   * included: they see others, others do not see them). Wired to the tracker for modes 2 and 4.
   */
  publishPresenceEvents(events: readonly PresenceEvent[]): void {
    for (const event of events) {
      const channel = channelOfStream(event.stream);
      if (!channel) continue;
      const body = presenceEventJson(channel, event.joins, event.leaves);
      this.#d.router.sendToStream(event.stream, new OutboundMessage({ channel_presence_event: body }));
    }
  }

  /**
   * A page of a channel's stored history for `GET /v2/channel/{id}`. Any authenticated user may read a
   * room; only its two users may read a direct-message channel. Throws {@link DomainError}s.
   */
  async history(callerId: string, channelId: string, query: HistoryQuery): Promise<ChannelMessageList> {
    if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > MAX_PAGE_LIMIT) {
      throw invalid(`Invalid limit - limit must be between 1 and ${MAX_PAGE_LIMIT}.`);
    }
    const channel = parseChannelId(channelId);
    if (!channel) throw invalid('Invalid channel ID.');
    if (channel.kind === 'group' && !(await this.#isMember(channel.groupId, callerId))) {
      throw invalid('Group not found.');
    }
    if (channel.kind === 'direct' && callerId !== channel.userIdOne && callerId !== channel.userIdTwo) {
      throw new DomainError(
        ErrorKind.PERMISSION_DENIED,
        'Only the two users of a direct message channel can read its history.',
      );
    }
    try {
      return historyJson(channel, await this.#d.store.listMessages(channel.id, query));
    } catch (err) {
      if (err instanceof InvalidCursorError) throw invalid('Cursor is invalid or expired.');
      throw err;
    }
  }

  /** Sends the DM-request notification when this is a new join and the other user is not there. */
  async #requestChat(session: ChatSession, channel: ChannelRef, other: string): Promise<void> {
    const { tracker } = this.#d;
    if (tracker.get(session.id, channel.stream)) return;
    if (tracker.list(channel.stream, true).some((p) => p.userId === other)) return;
    try {
      await this.#d.notifications.send(other, {
        subject: `${session.username} wants to chat`,
        content: { username: session.username },
        code: NotificationCode.DM_REQUEST,
        senderId: session.userId,
        persistent: true,
      });
    } catch (err) {
      // The join itself must not fail because the invitation could not be stored.
      this.#d.logger.warn({ err, channelId: channel.id }, 'could not send the direct message request');
    }
  }

  async #isMember(groupId: string, userId: string): Promise<boolean> {
    const state = await this.#d.groups.membership(groupId, userId);
    return state !== null && state <= GroupRole.MEMBER;
  }

  /**
   * Checks membership again once the session is on a group's channel: a removal that committed
   * between the join's check and the tracking has already run its own untrack, which found nothing to
   * remove, so this one does it (a removal committing after this read untracks by itself).
   */
  async #confirmGroupJoin(
    session: ChatSession,
    channel: Extract<ChannelRef, { kind: 'group' }>,
  ): Promise<void> {
    try {
      if (!(await this.#isMember(channel.groupId, session.userId))) {
        this.#d.tracker.untrack(session.id, channel.stream, 'kick');
      }
    } catch (err) {
      this.#d.logger.warn({ err, channelId: channel.id }, 'could not confirm group channel membership');
    }
  }

  #channel(channelId: string): ChannelRef {
    const channel = parseChannelId(channelId);
    if (!channel) throw bad('Invalid channel identifier');
    return channel;
  }

  #messageId(messageId: string): string {
    const id = messageId.toLowerCase();
    if (!isUserId(id)) throw bad('Invalid message identifier');
    return id;
  }

  /** The member's persistence flag; BAD_INPUT when the session has not joined the channel. */
  #membership(session: ChatSession, channel: ChannelRef, doing: string): boolean {
    const presence = this.#d.tracker.get(session.id, channel.stream);
    if (!presence) throw bad(`Must join channel before ${doing} messages`);
    return presence.meta.persistence === true;
  }

  async #persist<T>(write: () => Promise<T>, what: string): Promise<T> {
    try {
      return await write();
    } catch (err) {
      this.#d.logger.error({ err }, `could not persist chat ${what}`);
      throw new DomainError(ErrorKind.INTERNAL, `Could not persist ${what} to channel history`, {
        cause: err,
      });
    }
  }

  #outcome(channel: ChannelRef, message: ChatMessageRecord, persistent: boolean): MessageOutcome {
    return {
      ack: ackJson(channel, message, persistent),
      broadcast: () =>
        this.#d.router.sendToStream(
          channel.stream,
          new OutboundMessage({ channel_message: messageJson(channel, message, persistent) }),
        ),
    };
  }
}
