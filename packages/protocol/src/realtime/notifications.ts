/**
 * Notifications pushed to a user's sockets.
 *
 * @packageDocumentation
 */

/**
 * Well-known notification codes (nakama `core_notification.go`); negative codes are reserved for the
 * server, positive ones are free for game code.
 */
export const NotificationCode = {
  /** A user wants to chat (DM join while the other user was away). */
  DM_REQUEST: -1,
  /** Friend request received. */
  FRIEND_REQUEST: -2,
  /** Friend request accepted. */
  FRIEND_ACCEPT: -3,
  /** Added to a group. */
  GROUP_ADD: -4,
  /** Request to join a group. */
  GROUP_JOIN_REQUEST: -5,
  /** Friend joined the game. */
  FRIEND_JOIN_GAME: -6,
  /** Another socket of this user connected with `single_socket`; this one is being closed. */
  SINGLE_SOCKET: -7,
  /** The user was banned. */
  USER_BANNED: -8,
  /** A friend removed this user. */
  FRIEND_REMOVE: -9,
} as const;

/** Union of every value in {@link NotificationCode}. */
export type NotificationCode = (typeof NotificationCode)[keyof typeof NotificationCode];

/** One notification (`api.Notification`). */
export interface Notification {
  /** Notification id. */
  id: string;
  /** Short subject line. */
  subject: string;
  /** JSON object text; nakama-js `JSON.parse`s it, so it must be valid JSON. */
  content: string;
  /** Category code; negative values are {@link NotificationCode}s. */
  code: number;
  /** Sender's user id, empty for system notifications. */
  sender_id?: string;
  /** RFC 3339 creation time. */
  create_time: string;
  /** True if stored and listable over REST. */
  persistent?: boolean;
}

/** Server → client push: one or more notifications (`rtapi.Notifications`). */
export interface Notifications {
  /** The notifications; nakama-js calls `onnotification` once per item. */
  notifications: Notification[];
}
