import type { PostgresDb } from '../../../db/db.ts';
import { isUuid } from '../../../shared/ids.ts';
import type { NotificationPage, NotificationRecord, NotificationStore } from './notification-store.ts';
import { listNotificationPage, type NotificationScan } from './pagination.ts';
import { type NotificationRow as NotificationRowOf, notificationFromRow } from './rows.ts';

type NotificationRow = NotificationRowOf<Date>;

const COLUMNS = 'id, user_id, subject, content, code, sender_id, create_time';

/**
 * {@link NotificationStore} on the PostgreSQL port. Every query goes through `db.query()`, which uses
 * the caller's transaction client when one is open and the pool otherwise. Does not import `pg`.
 */
export class PgNotificationStore implements NotificationStore {
  readonly #db: PostgresDb;
  readonly #scan: NotificationScan;

  constructor(db: PostgresDb) {
    this.#db = db;
    this.#scan = async (userId, from, limit) => {
      if (!isUuid(userId)) return [];
      const rows = from
        ? await this.#db.rows<NotificationRow>(
            `SELECT ${COLUMNS} FROM notifications WHERE user_id = $1 AND (create_time, id) > ($3, $4::uuid)
             ORDER BY create_time, id LIMIT $2`,
            [userId, limit, new Date(from.time), from.id],
          )
        : await this.#db.rows<NotificationRow>(
            `SELECT ${COLUMNS} FROM notifications WHERE user_id = $1 ORDER BY create_time, id LIMIT $2`,
            [userId, limit],
          );
      return rows.map(toNotification);
    };
  }

  async insertNotifications(notifications: readonly NotificationRecord[]): Promise<void> {
    if (notifications.length === 0) return;
    // One multi-row statement is atomic on its own: all rows or none; no transaction needed.
    await this.#db.query(
      `INSERT INTO notifications (${COLUMNS})
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::int[], $6::uuid[], $7::timestamptz[])`,
      [
        notifications.map((n) => n.id),
        notifications.map((n) => n.userId),
        notifications.map((n) => n.subject),
        notifications.map((n) => n.content),
        notifications.map((n) => n.code),
        notifications.map((n) => n.senderId),
        notifications.map((n) => n.createTime),
      ],
    );
  }

  listNotifications(
    userId: string,
    query: { readonly limit: number; readonly cursor?: string | undefined },
  ): Promise<NotificationPage> {
    return listNotificationPage(this.#scan, userId, query);
  }

  async deleteNotifications(userId: string, ids: readonly string[]): Promise<number> {
    // Non-UUID ids cannot name a stored notification; dropping them keeps the uuid[] cast valid.
    const valid = ids.filter(isUuid);
    if (valid.length === 0 || !isUuid(userId)) return 0;
    const { rowCount } = await this.#db.query(
      'DELETE FROM notifications WHERE user_id = $1 AND id = ANY($2::uuid[])',
      [userId, valid],
    );
    return rowCount;
  }
}

function toNotification(r: NotificationRow): NotificationRecord {
  return notificationFromRow(r, (time) => time);
}
