/**
 * `nk.notification*`: in-app notifications, over the notification feature.
 *
 * @packageDocumentation
 */

/** What `notificationSend` needs (the notification feature's `NotificationService` provides it). */
export interface RuntimeNotifications {
  send(
    userIds: string | readonly string[],
    notification: {
      subject: string;
      content: Readonly<Record<string, unknown>>;
      code: number;
      senderId?: string | null;
      persistent: boolean;
    },
  ): Promise<unknown>;
}

/** Notification functions of `nk`. */
export interface NotificationNk {
  /** Sends an in-app notification (live to the user's sockets; stored and listable when persistent). */
  notificationSend(
    userId: string,
    subject: string,
    content: Record<string, unknown>,
    code: number,
    senderId?: string | null,
    persistent?: boolean,
  ): Promise<void>;
}

/** Builds the notification functions; without a service they throw "not available". */
export function notificationNk(notifications: RuntimeNotifications | undefined): NotificationNk {
  const deps = { notifications };
  return {
    async notificationSend(
      userId,
      subject,
      content,
      code,
      senderId = null,
      persistent = false,
    ): Promise<void> {
      if (!deps.notifications) throw new Error('Notifications are not available on this server');
      await deps.notifications.send(userId, { subject, content, code, senderId, persistent });
    },
  };
}
