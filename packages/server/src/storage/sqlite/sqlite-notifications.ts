import type BetterSqlite3 from 'better-sqlite3';
import { listNotificationPage, type NotificationScan } from '../pagination.ts';
import { type NotificationRow as NotificationRowOf, notificationFromRow, timeFromMillis } from '../rows.ts';
import type { NotificationPage, NotificationRecord, NotificationStore } from '../types.ts';

type Database = BetterSqlite3.Database;

type NotificationRow = NotificationRowOf<number>;

const COLUMNS = 'id, user_id, subject, content, code, sender_id, create_time';

/** {@link NotificationStore} on SQLite; times are Unix milliseconds. */
export class SqliteNotificationStore implements NotificationStore {
  readonly #db: Database;
  readonly #insert: BetterSqlite3.Statement<[NotificationRow]>;
  readonly #scanAll: BetterSqlite3.Statement<[string, number], NotificationRow>;
  readonly #scanFrom: BetterSqlite3.Statement<[string, number, string, number], NotificationRow>;
  readonly #delete: BetterSqlite3.Statement<[string, string]>;
  readonly #scan: NotificationScan;

  constructor(db: Database) {
    this.#db = db;
    this.#insert = db.prepare(
      `INSERT INTO notifications (${COLUMNS})
       VALUES (@id, @user_id, @subject, @content, @code, @sender_id, @create_time)`,
    );
    this.#scanAll = db.prepare(
      `SELECT ${COLUMNS} FROM notifications WHERE user_id = ?
       ORDER BY create_time, id LIMIT ?`,
    );
    this.#scanFrom = db.prepare(
      `SELECT ${COLUMNS} FROM notifications WHERE user_id = ? AND (create_time, id) > (?, ?)
       ORDER BY create_time, id LIMIT ?`,
    );
    this.#delete = db.prepare(
      'DELETE FROM notifications WHERE user_id = ? AND id IN (SELECT value FROM json_each(?))',
    );
    this.#scan = async (userId, from, limit) => {
      const rows = from
        ? this.#scanFrom.all(userId, from.time, from.id, limit)
        : this.#scanAll.all(userId, limit);
      return rows.map(toNotification);
    };
  }

  async insertNotifications(notifications: readonly NotificationRecord[]): Promise<void> {
    const write = this.#db.transaction(() => {
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
    });
    write.immediate();
  }

  listNotifications(
    userId: string,
    query: { readonly limit: number; readonly cursor?: string | undefined },
  ): Promise<NotificationPage> {
    return listNotificationPage(this.#scan, userId, query);
  }

  async deleteNotifications(userId: string, ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    return this.#delete.run(userId, JSON.stringify(ids)).changes;
  }
}

function toNotification(r: NotificationRow): NotificationRecord {
  return notificationFromRow(r, timeFromMillis);
}
