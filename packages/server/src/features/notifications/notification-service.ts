import type { Notification } from '@tether/protocol';
import type { Logger } from 'pino';
import { InvalidCursorError } from '../../db/cursor.ts';
import type { Db } from '../../db/db.ts';
import type { MessageRouter } from '../../presence/message-router.ts';
import { OutboundMessage } from '../../presence/outbound.ts';
import { StreamMode, stream } from '../../presence/stream.ts';
import type { Clock } from '../../shared/clock.ts';
import { DomainError, ErrorKind, invalid } from '../../shared/domain-error.ts';
import { isUuid } from '../../shared/ids.ts';
import { MonotonicUuidV7 } from '../../shared/monotonic-uuid.ts';
import type { AccountStore } from '../accounts/store/account-store.ts';
import { type NotificationList, notificationJson, notificationListJson } from './notification-json.ts';
import {
  MAX_PAGE_LIMIT,
  type NotificationRecord,
  type NotificationStore,
} from './store/notification-store.ts';

/** What server code sends: one notification, for one or more users. */
export interface NotificationInput {
  /** Short text, 1–255 characters. */
  readonly subject: string;
  /** A JSON object (sent to clients as its JSON text, at most 16 KiB). */
  readonly content: Readonly<Record<string, unknown>>;
  /**
   * Category, an int32. Negative codes are reserved for the server (`NotificationCode` in
   * `@tether/protocol`: -1 DM request, -7 single_socket, -8 banned, ...); game code uses positive ones.
   */
  readonly code: number;
  /** The user it comes from; absent or null for system notifications. */
  readonly senderId?: string | null | undefined;
  /** Stored and listable over `GET /v2/notification` (true), or live only (false). */
  readonly persistent: boolean;
}

/** One notification for one user (for {@link NotificationService.sendEach}). */
export interface UserNotification extends NotificationInput {
  readonly userId: string;
}

/** Most recipients (notifications) one call may address; larger fan-outs should be batched. */
export const MAX_NOTIFICATIONS_PER_CALL = 1000;
/** Longest subject, in characters (the database column's size). */
export const MAX_SUBJECT_CHARS = 255;
/** Largest content, in UTF-8 bytes of its JSON text. */
export const MAX_CONTENT_BYTES = 16 * 1024;
/** Most ids one delete request may name. */
export const MAX_DELETE_IDS = 100;

/** Dependencies of {@link NotificationService}. */
export interface NotificationServiceDeps {
  readonly store: NotificationStore;
  /**
   * Pushes go out after the commit (`afterCommit`): a send inside a caller's transaction is delivered
   * only if that transaction commits, and a client never hears of a notification it cannot list yet.
   */
  readonly db: Pick<Db, 'afterCommit'>;
  /** Recipients of persistent notifications must exist; checked here before anything is stored. */
  readonly users: Pick<AccountStore, 'listUsers'>;
  readonly router: MessageRouter;
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * In-app notifications. Server code (chat's DM requests, the socket layer, game modules) calls
 * {@link send} / {@link sendEach}; clients list and delete persistent ones over HTTP.
 *
 * Live delivery goes to every socket of the recipient through the user's hidden notification stream
 * (mode 0, subject = user id), on which the socket layer tracks each session; a user with no socket
 * open simply gets nothing live. Persistent notifications are stored first and pushed once stored
 * (after the caller's transaction commits, when the send is part of one), so a client that receives
 * the push can already list it.
 */
export class NotificationService {
  readonly #d: NotificationServiceDeps;
  readonly #ids = new MonotonicUuidV7();

  constructor(deps: NotificationServiceDeps) {
    this.#d = deps;
  }

  /**
   * Sends one notification to each of `userIds` (each gets its own id). Rejects with a
   * {@link DomainError} and sends nothing when the input is invalid or, for a persistent
   * notification, a recipient does not exist. Resolves to the notifications sent, as on the wire.
   */
  send(userIds: string | readonly string[], notification: NotificationInput): Promise<Notification[]> {
    const ids = typeof userIds === 'string' ? [userIds] : userIds;
    return this.sendEach(ids.map((userId) => ({ ...notification, userId })));
  }

  /**
   * Sends a list of per-user notifications: stored together (all or none), then delivered live once
   * committed. Inside a caller's `db.tx` the rows join that transaction and the pushes wait for its
   * commit (they are dropped if it rolls back).
   */
  async sendEach(list: readonly UserNotification[]): Promise<Notification[]> {
    if (list.length > MAX_NOTIFICATIONS_PER_CALL) {
      throw invalid(`At most ${MAX_NOTIFICATIONS_PER_CALL} notifications per call, got ${list.length}.`);
    }
    const now = this.#d.clock.now();
    const records = list.map((n) => this.#record(n, now));
    const stored = records.filter((_, i) => list[i]!.persistent);
    if (stored.length > 0) {
      await this.#assertUsersExist(stored.map((r) => r.userId));
      await this.#d.store.insertNotifications(stored);
    }
    const byUser = new Map<string, Notification[]>();
    const sent = records.map((r, i) => {
      const wire = notificationJson(r, list[i]!.persistent);
      const mine = byUser.get(r.userId);
      if (mine) mine.push(wire);
      else byUser.set(r.userId, [wire]);
      return wire;
    });
    this.#d.db.afterCommit(() => {
      for (const [userId, notifications] of byUser) {
        this.#d.router.sendToStream(
          stream(StreamMode.NOTIFICATIONS, userId),
          new OutboundMessage({ notifications: { notifications } }),
        );
      }
    });
    return sent;
  }

  /**
   * Delivers a live-only notification to particular sessions (for example `single_socket` (-7) to the
   * older sockets of a user before they are closed). Nothing is stored; `persistent` is ignored.
   */
  sendToSessions(
    sessionIds: Iterable<string>,
    notification: Omit<NotificationInput, 'persistent'>,
  ): Notification {
    const record = this.#record({ ...notification, persistent: false, userId: '' }, this.#d.clock.now());
    const wire = notificationJson(record, false);
    this.#d.router.sendToSessions(
      sessionIds,
      new OutboundMessage({ notifications: { notifications: [wire] } }),
    );
    return wire;
  }

  /**
   * A page of the user's stored notifications, oldest first, after `cursor` (a `cacheable_cursor` of an
   * earlier page). `limit` is 1–100.
   */
  async list(
    userId: string,
    query: { limit: number; cursor?: string | undefined },
  ): Promise<NotificationList> {
    if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > MAX_PAGE_LIMIT) {
      throw invalid(`Invalid limit - limit must be between 1 and ${MAX_PAGE_LIMIT}.`);
    }
    try {
      return notificationListJson(await this.#d.store.listNotifications(userId, query));
    } catch (err) {
      if (err instanceof InvalidCursorError) throw invalid('Malformed cursor was used.');
      throw err;
    }
  }

  /** Deletes the user's notifications among `ids`; ids of other users' notifications are ignored. */
  async delete(userId: string, ids: readonly string[]): Promise<number> {
    if (ids.length > MAX_DELETE_IDS) throw invalid(`At most ${MAX_DELETE_IDS} notification IDs per request.`);
    const bad = ids.find((id) => !isUuid(id));
    if (bad !== undefined) throw invalid(`Invalid notification ID: '${bad.slice(0, 64)}'.`);
    if (ids.length === 0) return 0;
    return this.#d.store.deleteNotifications(userId, [...new Set(ids.map((id) => id.toLowerCase()))]);
  }

  #record(n: UserNotification, now: number): NotificationRecord {
    if (n.userId !== '' && !isUuid(n.userId)) throw invalid(`Invalid user ID: '${n.userId.slice(0, 64)}'.`);
    const subject = n.subject;
    if (typeof subject !== 'string' || subject.length === 0 || subject.length > MAX_SUBJECT_CHARS) {
      throw invalid(`Notification subject must be 1-${MAX_SUBJECT_CHARS} characters.`);
    }
    if (!Number.isInteger(n.code) || n.code < -(2 ** 31) || n.code >= 2 ** 31) {
      throw invalid('Notification code must be a 32-bit integer.');
    }
    const senderId = n.senderId ?? null;
    if (senderId !== null && !isUuid(senderId))
      throw invalid(`Invalid sender ID: '${senderId.slice(0, 64)}'.`);
    const isObject = typeof n.content === 'object' && n.content !== null && !Array.isArray(n.content);
    const content = isObject ? JSON.stringify(n.content) : undefined;
    if (content === undefined) throw invalid('Notification content must be a JSON object.');
    if (Buffer.byteLength(content) > MAX_CONTENT_BYTES) {
      throw invalid(`Notification content must be at most ${MAX_CONTENT_BYTES} bytes of JSON.`);
    }
    return {
      id: this.#ids.next(now),
      userId: n.userId.toLowerCase(),
      subject,
      content,
      code: n.code,
      senderId: senderId?.toLowerCase() ?? null,
      createTime: new Date(now),
    };
  }

  async #assertUsersExist(userIds: readonly string[]): Promise<void> {
    const wanted = [...new Set(userIds)];
    const found = new Set((await this.#d.users.listUsers(wanted, [])).map((u) => u.id));
    const missing = wanted.filter((id) => !found.has(id));
    if (missing.length > 0) {
      throw new DomainError(ErrorKind.NOT_FOUND, `Unknown user ID(s): ${missing.slice(0, 5).join(', ')}.`);
    }
  }
}
