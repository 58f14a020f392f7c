/**
 * Chat records as Nakama's wire types (proto3 JSON as Nakama writes it): the same shapes go out on the
 * socket (`channel_message`, `channel_message_ack`, `channel_presence_event`) and over HTTP (history).
 */
import type {
  ChannelMessage,
  ChannelMessageAck,
  ChannelPresenceEvent,
  ChannelTarget,
} from '@tether/protocol';
import { formatTimestamp } from '@tether/protocol';
import type { Presence } from '../../presence/types.ts';
import { userPresence } from '../../presence/wire.ts';
import type { ChannelRef } from './channel-id.ts';
import type { ChatHistoryPage, ChatMessageRecord } from './store/chat-store.ts';

/** `api.ChannelMessageList`, the reply of `GET /v2/channel/{channel_id}`. */
export interface ChannelMessageList {
  messages?: ChannelMessage[];
  next_cursor?: string;
  prev_cursor?: string;
  cacheable_cursor?: string;
}

/** The fields that say which channel a message or event belongs to (exactly one group is set). */
export function targetOf(ref: ChannelRef): ChannelTarget {
  switch (ref.kind) {
    case 'room':
      return { room_name: ref.roomName };
    case 'direct':
      return { user_id_one: ref.userIdOne, user_id_two: ref.userIdTwo };
    case 'group':
      return { group_id: ref.groupId };
  }
}

/** `api.ChannelMessage`. `code` and `persistent` are wrapper types: always present, even 0 / false. */
export function messageJson(ref: ChannelRef, m: ChatMessageRecord, persistent: boolean): ChannelMessage {
  return {
    channel_id: ref.id,
    message_id: m.id,
    code: m.code,
    sender_id: m.senderId,
    username: m.username,
    content: m.content,
    create_time: formatTimestamp(m.createTime),
    update_time: formatTimestamp(m.updateTime),
    persistent,
    ...targetOf(ref),
  };
}

/** `rtapi.ChannelMessageAck` for a message just written (or not, when `persistent` is false). */
export function ackJson(ref: ChannelRef, m: ChatMessageRecord, persistent: boolean): ChannelMessageAck {
  return {
    channel_id: ref.id,
    message_id: m.id,
    code: m.code,
    username: m.username,
    create_time: formatTimestamp(m.createTime),
    update_time: formatTimestamp(m.updateTime),
    persistent,
    ...targetOf(ref),
  };
}

/** `rtapi.ChannelPresenceEvent`; empty lists are omitted. */
export function presenceEventJson(
  ref: ChannelRef,
  joins: readonly Presence[],
  leaves: readonly Presence[],
): ChannelPresenceEvent {
  const out: ChannelPresenceEvent = { channel_id: ref.id };
  if (joins.length > 0) out.joins = joins.map(userPresence);
  if (leaves.length > 0) out.leaves = leaves.map(userPresence);
  return { ...out, ...targetOf(ref) };
}

/** A history page as `api.ChannelMessageList`: stored messages are persistent by definition. */
export function historyJson(ref: ChannelRef, page: ChatHistoryPage): ChannelMessageList {
  const out: ChannelMessageList = {};
  if (page.messages.length > 0) out.messages = page.messages.map((m) => messageJson(ref, m, true));
  if (page.nextCursor) out.next_cursor = page.nextCursor;
  if (page.prevCursor) out.prev_cursor = page.prevCursor;
  if (page.cacheableCursor) out.cacheable_cursor = page.cacheableCursor;
  return out;
}
