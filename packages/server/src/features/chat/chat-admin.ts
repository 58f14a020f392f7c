/**
 * Chat as the admin console sees it: the channels with members now, any channel's history, and
 * deleting any message.
 *
 * @packageDocumentation
 */
import type { Logger } from 'pino';
import { InvalidCursorError } from '../../db/cursor.ts';
import type { MessageRouter } from '../../presence/message-router.ts';
import { OutboundMessage } from '../../presence/outbound.ts';
import { StreamMode } from '../../presence/stream.ts';
import type { Tracker } from '../../presence/tracker.ts';
import type { Clock } from '../../shared/clock.ts';
import { DomainError, ErrorKind, invalid } from '../../shared/domain-error.ts';
import { type ChannelRef, channelOfStream, isUserId, parseChannelId } from './channel-id.ts';
import { type ChannelMessageList, historyJson, messageJson, targetOf } from './chat-json.ts';
import { type ChatStore, MAX_PAGE_LIMIT } from './store/chat-store.ts';

/** A channel with members now. */
export interface ActiveChannel {
  readonly channel_id: string;
  /** `room`, `direct` or `group`. */
  readonly kind: ChannelRef['kind'];
  /** Presences on the channel, hidden ones included. */
  readonly members: number;
  readonly room_name?: string;
  readonly user_id_one?: string;
  readonly user_id_two?: string;
  readonly group_id?: string;
}

/** Dependencies of {@link ChatAdmin}. */
export interface ChatAdminDeps {
  readonly store: ChatStore;
  readonly tracker: Tracker;
  readonly router: MessageRouter;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** Most channels one listing returns. */
export const MAX_ACTIVE_CHANNELS = 500;

/** The code of a removal on the wire (Nakama's `ChannelMessageRemove`). */
const REMOVE_CODE = 2;

/**
 * Operator access to chat. Unlike {@link ChatService} it checks no membership: the console's login
 * is the permission. A deleted message is announced to the channel's members as its sender's own
 * removal would be (`channel_message` with code 2 and content `{}`), so clients drop it at once.
 */
export class ChatAdmin {
  readonly #d: ChatAdminDeps;

  constructor(deps: ChatAdminDeps) {
    this.#d = deps;
  }

  /** Room, direct and group channels with at least one member, at most {@link MAX_ACTIVE_CHANNELS}. */
  activeChannels(): ActiveChannel[] {
    const out: ActiveChannel[] = [];
    for (const mode of [StreamMode.CHANNEL, StreamMode.GROUP, StreamMode.DM]) {
      for (const { stream, count } of this.#d.tracker.streamsOfMode(mode, MAX_ACTIVE_CHANNELS - out.length)) {
        const channel = channelOfStream(stream);
        if (channel)
          out.push({ channel_id: channel.id, kind: channel.kind, members: count, ...targetOf(channel) });
      }
    }
    return out;
  }

  /** A page of any channel's stored history (newest first unless `forward`). */
  async history(
    channelId: string,
    query: { limit: number; forward: boolean; cursor?: string | undefined },
  ): Promise<ChannelMessageList> {
    if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > MAX_PAGE_LIMIT) {
      throw invalid(`Invalid limit - limit must be between 1 and ${MAX_PAGE_LIMIT}.`);
    }
    const channel = this.#channel(channelId);
    try {
      return historyJson(channel, await this.#d.store.listMessages(channel.id, query));
    } catch (err) {
      if (err instanceof InvalidCursorError) throw invalid('Cursor is invalid or expired.');
      throw err;
    }
  }

  /** Deletes one stored message of a channel and tells its members; NOT_FOUND when there is none. */
  async deleteMessage(channelId: string, messageId: string): Promise<void> {
    const channel = this.#channel(channelId);
    const id = messageId.toLowerCase();
    if (!isUserId(id)) throw invalid('Invalid message identifier.');
    const stored = await this.#d.store.getMessage(id);
    const removed =
      stored && stored.channelId === channel.id
        ? await this.#d.store.removeMessage({ channelId: channel.id, id, senderId: stored.senderId })
        : null;
    if (!removed) throw new DomainError(ErrorKind.NOT_FOUND, 'No such message in this channel.');
    this.#d.logger.info({ channelId: channel.id, messageId: id }, 'chat message deleted by an administrator');
    const notice = {
      ...removed,
      code: REMOVE_CODE,
      content: '{}',
      updateTime: new Date(this.#d.clock.now()),
    };
    this.#d.router.sendToStream(
      channel.stream,
      new OutboundMessage({ channel_message: messageJson(channel, notice, true) }),
    );
  }

  #channel(channelId: string): ChannelRef {
    const channel = parseChannelId(channelId);
    if (!channel) throw invalid('Invalid channel ID.');
    return channel;
  }
}
