/**
 * Rows → records, shared by the SQLite and PostgreSQL stores. Both backends read the same columns
 * and differ only in how a time comes back: PostgreSQL returns a `timestamptz` as a `Date`, SQLite
 * stores Unix milliseconds. So each row type takes the backend's time type `T`, and each conversion
 * takes the backend's `time` function ({@link timeAsIs} or {@link timeFromMillis}). No SQL here.
 */
import type { ChatMessageRecord, NotificationRecord, UserRecord } from './types.ts';

/** A time that already is a `Date` (PostgreSQL `timestamptz`): returned as it is. */
export const timeAsIs = (time: Date): Date => time;

/** A time stored as Unix milliseconds (SQLite). */
export const timeFromMillis = (ms: number): Date => new Date(ms);

/** The `users` columns an account store selects for a {@link UserRecord}. */
export interface UserRow<T> {
  id: string;
  username: string;
  display_name: string | null;
  avatar_url: string | null;
  lang_tag: string;
  location: string | null;
  timezone: string | null;
  metadata: string;
  create_time: T;
  update_time: T;
  disable_time: T | null;
}

export function userFromRow<T>(row: UserRow<T>, time: (t: T) => Date): UserRecord {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    avatarUrl: row.avatar_url,
    langTag: row.lang_tag,
    location: row.location,
    timezone: row.timezone,
    metadata: row.metadata,
    createTime: time(row.create_time),
    updateTime: time(row.update_time),
    disableTime: row.disable_time === null ? null : time(row.disable_time),
  };
}

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

/** A `notifications` row. */
export interface NotificationRow<T> {
  id: string;
  user_id: string;
  subject: string;
  content: string;
  code: number;
  sender_id: string | null;
  create_time: T;
}

export function notificationFromRow<T>(r: NotificationRow<T>, time: (t: T) => Date): NotificationRecord {
  return {
    id: r.id,
    userId: r.user_id,
    subject: r.subject,
    content: r.content,
    code: r.code,
    senderId: r.sender_id,
    createTime: time(r.create_time),
  };
}
