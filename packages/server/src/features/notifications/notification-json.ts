/** Notifications as Nakama's wire types (`api.Notification`, `api.NotificationList`). */
import type { Notification } from '@tether/protocol';
import { formatTimestamp } from '@tether/protocol';
import type { NotificationPage, NotificationRecord } from './store/notification-store.ts';

/** `api.NotificationList`, the reply of `GET /v2/notification`. */
export interface NotificationList {
  notifications?: Notification[];
  cacheable_cursor?: string;
}

/**
 * `api.Notification`. `content` is JSON text (clients parse it); `sender_id` is omitted for system
 * notifications and `persistent` when false, as proto3 omits zero values. `code` is always present,
 * even 0, so socket clients never see it undefined.
 */
export function notificationJson(n: NotificationRecord, persistent: boolean): Notification {
  const out: Notification = {
    id: n.id,
    subject: n.subject,
    content: n.content,
    code: n.code,
    create_time: formatTimestamp(n.createTime),
  };
  if (n.senderId) out.sender_id = n.senderId;
  if (persistent) out.persistent = true;
  return out;
}

/** A stored page as `api.NotificationList`: stored notifications are persistent by definition. */
export function notificationListJson(page: NotificationPage): NotificationList {
  const out: NotificationList = { cacheable_cursor: page.cacheableCursor };
  if (page.notifications.length > 0)
    out.notifications = page.notifications.map((n) => notificationJson(n, true));
  return out;
}
