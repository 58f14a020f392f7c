import type { SqliteDb, SqliteStatement } from '../../../db/db.ts';
import type { NotificationPage, NotificationRecord, NotificationStore } from './notification-store.ts';
import { listNotificationPage, type NotificationScan } from './pagination.ts';
import { type NotificationRow as NotificationRowOf, notificationFromRow } from './rows.ts';

type NotificationRow = NotificationRowOf<number>;

const COLUMNS = 'id, user_id, subject, content, code, sender_id, create_time';

/**
 * {@link NotificationStore} on the SQLite port; times are Unix milliseconds. Statements are prepared
 * once and run through `db.run()`, so they wait while another request's transaction is open and join
 * the caller's own transaction when there is one.
 */
export class SqliteNotificationStore implements NotificationStore {
  readonly #db: SqliteDb;
  readonly #insert: SqliteStatement<NotificationRow, unknown>;
  readonly #scanAll: SqliteStatement<[string, number], NotificationRow>;
  readonly #scanFrom: SqliteStatement<[string, number, string, number], NotificationRow>;
  readonly #delete: SqliteStatement<[string, string], unknown>;
  readonly #scan: NotificationScan;

  /** `db` must be migrated (the notifications table exists) before stores are built. */
  constructor(db: SqliteDb) {
    this.#db = db;
    this.#insert = db.prepare<NotificationRow>(
      `INSERT INTO notifications (${COLUMNS})
       VALUES (@id, @user_id, @subject, @content, @code, @sender_id, @create_time)`,
    );
    this.#scanAll = db.prepare<[string, number], NotificationRow>(
      `SELECT ${COLUMNS} FROM notifications WHERE user_id = ?
       ORDER BY create_time, id LIMIT ?`,
    );
    this.#scanFrom = db.prepare<[string, number, string, number], NotificationRow>(
      `SELECT ${COLUMNS} FROM notifications WHERE user_id = ? AND (create_time, id) > (?, ?)
       ORDER BY create_time, id LIMIT ?`,
    );
    this.#delete = db.prepare<[string, string]>(
      'DELETE FROM notifications WHERE user_id = ? AND id IN (SELECT value FROM json_each(?))',
    );
    this.#scan = (userId, from, limit) =>
      this.#db.run(() =>
        (from ? this.#scanFrom.all(userId, from.time, from.id, limit) : this.#scanAll.all(userId, limit)).map(
          toNotification,
        ),
      );
  }

  async insertNotifications(notifications: readonly NotificationRecord[]): Promise<void> {
    if (notifications.length === 0) return;
    // All or none: its own transaction, or part of the caller's when one is open.
    await this.#db.tx(() =>
      this.#db.run(() => {
        for (const n of notifications) {
          this.#insert.run({
            id: n.id,
            user_id: n.userId,
            subject: n.subject,
            content: n.content,
            code: n.code,
            sender_id: n.senderId,
            create_time: n.createTime.getTime(),
          });
        }
      }),
    );
  }

  listNotifications(
    userId: string,
    query: { readonly limit: number; readonly cursor?: string | undefined },
  ): Promise<NotificationPage> {
    return listNotificationPage(this.#scan, userId, query);
  }

  async deleteNotifications(userId: string, ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    return this.#db.run(() => this.#delete.run(userId, JSON.stringify(ids)).changes);
  }
}

function toNotification(r: NotificationRow): NotificationRecord {
  return notificationFromRow(r, (ms) => new Date(ms));
}
