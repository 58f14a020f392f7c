/**
 * `notifications` rows → {@link NotificationRecord}, shared by the SQLite and PostgreSQL stores. They
 * differ only in how a time comes back (a `Date` from PostgreSQL, Unix milliseconds from SQLite), so
 * the row type takes the backend's time type `T` and the conversion its `time` function.
 */
import type { NotificationRecord } from './notification-store.ts';

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

/** A {@link NotificationRecord} from a row, with the backend's time conversion. */
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
