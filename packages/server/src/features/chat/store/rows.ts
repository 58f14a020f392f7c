/**
 * `chat_messages` rows → {@link ChatMessageRecord}, shared by the SQLite and PostgreSQL chat stores.
 * They differ only in how a time comes back (a `Date` from PostgreSQL, Unix milliseconds from
 * SQLite), so the row type takes the backend's time type `T` and the conversion its `time` function.
 */
import type { ChatMessageRecord } from './chat-store.ts';

/** A `chat_messages` row. */
export interface MessageRow<T> {
  id: string;
  channel_id: string;
  code: number;
  sender_id: string;
  username: string;
  content: string;
  create_time: T;
  update_time: T;
}

/** A {@link ChatMessageRecord} from a row, with the backend's time conversion. */
export function messageFromRow<T>(r: MessageRow<T>, time: (t: T) => Date): ChatMessageRecord {
  return {
    id: r.id,
    channelId: r.channel_id,
    code: r.code,
    senderId: r.sender_id,
    username: r.username,
    content: r.content,
    createTime: time(r.create_time),
    updateTime: time(r.update_time),
  };
}
